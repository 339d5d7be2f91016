"""Every audit line is true and in Chinese (issue #18): every action kind declared in the registry (each domain's
declarations, imported through app.models) is said through the log's words and its page template, whatever its
target and whatever codes its detail carries, with no raw English, enum value or field name; and the lines the
demo world and the 扫码兑换 flow write say what happened (a hold is 预留, never 退回)."""

import json
import re
from itertools import product

import pytest
from sqlmodel import select

import app.models  # noqa: F401  (every domain declares its actions on import)
from app.audit.models import AuditEntry
from app.audit.registry import ACTIONS, CATEGORY_WORDS, TARGETS
from app.audit.service import in_words
from app.db import session_for
from app.disclosure.models import CATEGORY_LABELS as DISCLOSURE_CATEGORIES
from app.ledger.models import CATEGORY_LABELS, TxnKind
from app.org.models import Role
from app.templating import make_templates
from app.timeutil import utcnow
from app.volunteer.models import CATEGORIES as SERVICE_CATEGORIES
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
HAN = re.compile(r"[\u4e00-\u9fff]")
RAW = re.compile(r"[A-Za-z_]{2,}")  # an English word, an enum value, a field name (a lone #, digits, 分 are fine)

# Codes a detail may carry, from every domain's enums: each must read in words, or not at all — never raw.
CODES = sorted({*CATEGORY_LABELS, *DISCLOSURE_CATEGORIES, *SERVICE_CATEGORIES, *(k.value for k in TxnKind),
                *(r.value for r in Role), "finance", "pending", "posted", "refused", "open", "dispatched"})


def details() -> list[dict]:
    """Details as the domains write them (every key the log knows how to say), each code in every place a code
    goes, and one that is not an object at all."""
    out: list = [{}, [], "oops"]
    for code in CODES:
        out.append({"category": code, "source": code, "by_role": code, "status": code, "from": code, "to": code,
                    "level": code, "list": code, "step": code, "outcome": code})
    out.append({"points": 300, "category": "public_good", "source": "award", "single_limit": 200,
                "monthly_limit": 500, "monthly_total": 300, "request_id": 9})
    out.append({"points": 101, "source": "service", "single_limit": 200, "monthly_limit": 500,
                "monthly_total": 501})
    out.append({"points": 5, "source": "evaluation", "conflict_of_interest": True, "single_limit": 200,
                "monthly_limit": 500, "monthly_total": 5})
    out.append({"points_held": 15, "shop_id": 1, "transaction_id": 3})
    out.append({"points_returned": 15, "total_points": 30, "goods_id": 2})
    out.append({"points_redeemed": 33, "redemption_id": 2, "transaction_id": 4})
    out.append({"before": {"head_name": "王建国", "active": True, "phone": None},
                "after": {"head_name": "王建华", "active": False, "phone": "13800000000"}})
    out.append({"delta": -2, "stock_after": 4, "points_price": 25, "stock": 6, "households": 12, "members": 3})
    out.append({"by_role": "town_admin", "one_time": True})
    return out


def test_every_declared_action_reads_in_chinese():
    """Every declared action has its Chinese words; against every kind of target and with every detail (the words
    of a line depend on its action only through its label), nothing is said raw."""
    unlabelled = [code for code, action in ACTIONS.items() if not HAN.search(action.label or "")]
    assert unlabelled == [], f"give these audit actions Chinese words: {unlabelled}"
    for code in ACTIONS:
        line = in_words(AuditEntry(action=code, target_type="household", target_label="", detail="{}"))
        assert line.action == ACTIONS[code].label and not RAW.search(line.action + line.target), code
    for target, detail in product(TARGETS, details()):
        entry = AuditEntry(actor_id=None, action="points.award", village_id=None, target_type=target, target_id=1,
                           target_label="", reason="", detail=json.dumps(detail, ensure_ascii=False))
        line = in_words(entry)
        said = " ".join((line.action, line.target, line.detail))
        assert not RAW.search(said), f"a line about {target} with {detail} says {said!r}"


def test_categories_read_in_their_own_words():
    """A code reads in the words of what the line is about: a disclosure's finance is 财务, a service's category is
    itself, a household's award is a points category — never 其他 for a known code."""
    def said(target: str, category: str) -> str:
        return in_words(AuditEntry(action="goods.create", target_type=target, target_label="",
                                   detail=json.dumps({"category": category}, ensure_ascii=False))).detail
    assert said("disclosure", "finance") == "财务"
    for code in SERVICE_CATEGORIES:
        assert said("volunteer_service", code) == code
    assert said("household", "public_good") == "热心公益" and said("household", "finance") == "其他"
    assert set(CATEGORY_WORDS) >= {"disclosure", "volunteer_service"}


def test_a_waiting_credit_says_why_and_its_source():
    def said(**detail) -> str:
        return in_words(AuditEntry(action="points.award_pending", target_type="household", target_label="",
                                   detail=json.dumps(detail))).detail
    assert said(points=300, category="other", source="award", single_limit=200, monthly_limit=500,
                monthly_total=300) == "+300 分 · 其他 · 来源：直接奖励 · 超过单笔限额 200 分"
    assert said(points=101, source="service", single_limit=200, monthly_limit=500, monthly_total=501) == (
        "+101 分 · 来源：志愿服务 · 本月合计 501 分，超过每户每月 500 分")
    assert said(points=5, source="evaluation", conflict_of_interest=True, single_limit=200, monthly_limit=500,
                monthly_total=5) == "+5 分 · 来源：评比结果 · 提交人是该户成员，须回避"


def test_every_action_renders_on_the_log_page():
    """One line of each kind through web/audit/_rows.html: the page shows the action's words, never its code."""
    env = make_templates(timezone="Asia/Shanghai", strict=True).env
    rows = []
    for i, code in enumerate(sorted(ACTIONS)):
        entry = AuditEntry(id=i + 1, actor_id=1, action=code, village_id=1, target_type="household", target_id=1,
                           target_label="王建国", reason="修桥补路", created_at=utcnow(),
                           detail=json.dumps({"points": 5, "category": "public_good", "source": "award"}))
        rows.append((entry, "张书记", in_words(entry)))
    page = env.get_template("audit/_rows.html").render(rows=rows, next_cursor=None, village_id=1)
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads (attributes and tags aside)
    assert not RAW.search(text), RAW.findall(text)[:10]
    for code in ACTIONS:
        assert ACTIONS[code].label in page and code not in text


def test_the_demo_worlds_log_reads_true(web, web_engine):
    """Every line the demo world wrote, as the village's officials read it: Chinese, no code, no 其他 for a known
    category (a service's 生活服务 was read as a points category, 其他, before issue #18)."""
    with session_for(web_engine, write=False) as s:
        entries = s.exec(select(AuditEntry)).all()
    assert len({e.action for e in entries}) >= 15
    for e in entries:
        line = in_words(e)
        assert not RAW.search(" ".join((line.action, line.detail))), (e.action, e.detail, line)
        if e.target_type == "volunteer_service":
            assert json.loads(e.detail)["category"] in line.detail
    sign_in(web, "official")
    page = re.sub(r"<[^>]+>", " ", web.get("/admin/audit").text)
    assert "其他操作" not in page and not re.search(r"\b(finance|affairs|party|service|village|pending)\b", page)
