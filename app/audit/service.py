"""Writing and reading the audit log, and saying each line in an official's words."""

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from app.audit.models import AuditEntry
from app.audit.registry import CATEGORY_WORDS, TARGETS, AuditAction, declared, label_of
from app.ledger.models import CATEGORY_LABELS, SOURCE_LABELS
from app.org.models import ROLE_LABELS, User
from app.paging import Page, page_desc


def record_action(
    session: Session,
    *,
    actor_id: int | None,
    action: AuditAction | str,
    village_id: int | None,
    target_type: str,
    target_id: int | None,
    target_label: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one line to the audit log, in the caller's transaction. Only declared actions and targets are taken;
    `target_label` names the target as it was then (王建国, 鸡蛋 30枚, #12)."""
    code = declared(action).value
    if target_type not in TARGETS:
        raise ValueError(f"undeclared audit target {target_type!r}: declare it with declare_target")
    entry = AuditEntry(
        actor_id=actor_id,
        action=code,
        village_id=village_id,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:100],
        reason=reason,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    return entry


def list_village_log(session: Session, *, village_id: int, limit: int | None, cursor: str | None) -> Page:
    """A village's audit lines, newest first, each as (entry, actor name)."""
    stmt = (
        select(AuditEntry, User.name)
        .join(User, User.id == AuditEntry.actor_id, isouter=True)
        .where(AuditEntry.village_id == village_id)
    )
    return page_desc(session, stmt, AuditEntry.id, limit=limit, cursor=cursor)


# --- in words ---------------------------------------------------------------------------------------------------

FIELD_LABELS = {"head_name": "户主", "address": "住址", "name": "名称", "phone": "手机号", "points_price": "积分价格",
                "active": "兑换状态"}
BOOL_WORDS = {"active": ("可兑换", "暂停兑换")}
# Points in a line's detail, by what happened to them: held for a 扫码 request, redeemed at 核销, returned (a
# cancel, a dropped item, a reversal), or a basket's total (lines written before these keys said only that).
POINT_WORDS = (("points_held", "预留"), ("points_redeemed", "兑换"), ("points_returned", "退回"),
               ("total_points", "合计"))


@dataclass(frozen=True)
class AuditLine:
    """One log line as an official reads it: 「进货」「商品 鸡蛋 30枚」「数量 +20 · 库存 50」."""

    action: str
    target: str
    detail: str


def in_words(entry: AuditEntry) -> AuditLine:
    noun = TARGETS.get(entry.target_type, "")
    target = " ".join(p for p in (noun, entry.target_label) if p)
    return AuditLine(action=label_of(entry.action), target=target, detail=_detail_words(entry))


def _detail_words(entry: AuditEntry) -> str:
    """The entry's detail in plain Chinese (no ids, no field names): 「+50 分 · 热心公益」, 「住址：A → B」."""
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return ""
    if not isinstance(detail, dict):
        return ""
    parts = []
    if isinstance(detail.get("points"), int):
        parts.append(f"{detail['points']:+,} 分")
    for key, words in POINT_WORDS:  # what the points did, each in its own words (a hold is not a return)
        if isinstance(detail.get(key), int):
            parts.append(f"{words} {detail[key]:,} 分")
    if detail.get("category"):
        words = CATEGORY_WORDS.get(entry.target_type, CATEGORY_LABELS)
        parts.append(words.get(detail["category"], "其他"))
    if detail.get("source") in SOURCE_LABELS:  # the door a credit came through (app/ledger/approvals.py)
        parts.append(f"来源：{SOURCE_LABELS[detail['source']]}")
    parts.extend(_why_waiting(detail))
    if detail.get("head_name"):
        parts.append(f"户主：{detail['head_name']}")
    if isinstance(detail.get("households"), int):  # a roster imported (app/org/roster.py)
        parts.append(f"{detail['households']:,} 户")
    if "members" in detail:
        parts.append(f"{detail['members']} 名成员")
    if detail.get("file"):
        parts.append(f"文件：{detail['file']}")
    if detail.get("name") and entry.target_type == "user" and not entry.target_label:  # lines written before labels
        parts.append(f"成员：{detail['name']}")
    if isinstance(detail.get("points_price"), int):
        parts.append(f"{detail['points_price']:,} 积分")
    if isinstance(detail.get("delta"), int):
        parts.append(f"数量 {detail['delta']:+,}")
    for key in ("stock", "stock_after"):
        if isinstance(detail.get(key), int):
            parts.append(f"库存 {detail[key]:,}")
    if detail.get("by_role") in ROLE_LABELS:
        parts.append(f"由{ROLE_LABELS[detail['by_role']]}重置，一次性密码")
    if isinstance(detail.get("changes"), list):  # a village's rules (app/org/settings.py): each change in words
        parts.extend(str(words) for words in detail["changes"])
    before, after = detail.get("before") or {}, detail.get("after") or {}
    for key, label in FIELD_LABELS.items():
        if key in after and before.get(key) != after.get(key):
            parts.append(f"{label}：{_value(key, before.get(key))} → {_value(key, after.get(key))}")
    return " · ".join(parts)


def _why_waiting(detail: dict) -> list[str]:
    """Why a credit waits for a second person (ledger.service.credit_household's detail), in words."""
    if detail.get("conflict_of_interest"):
        return ["提交人是该户成员，须回避"]
    points, single, monthly = detail.get("points"), detail.get("single_limit"), detail.get("monthly_limit")
    if not all(isinstance(v, int) for v in (points, single, monthly)):
        return []
    if points > single:
        return [f"超过单笔限额 {single:,} 分"]
    return [f"本月合计 {detail.get('monthly_total', 0):,} 分，超过每户每月 {monthly:,} 分"]


def _value(key: str, value: object) -> str:
    if key in BOOL_WORDS and isinstance(value, bool):
        return BOOL_WORDS[key][0 if value else 1]
    return "（空）" if value in (None, "") else str(value)
