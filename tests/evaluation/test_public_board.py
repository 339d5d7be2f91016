"""积分公示 for everyone, signed out (issue #21 item 6): the month's figures equal the ledger's month computed the long
way, names are masked and nothing private is on the page, an unknown village is a 404 page and a bad month a 422
page in plain Chinese, answers are cacheable and rate-limited."""

import re
from collections import defaultdict

import pytest
from sqlmodel import select

from app.db import session_for
from app.evaluation.public_board import public_board
from app.ledger.models import CREDIT_KINDS, Account, AccountKind, LedgerEntry, LedgerTransaction, TxnKind
from app.main import bind_app
from app.org.models import Household, OrgUnit, User
from app.shop.models import Shop
from app.shop.redemption.models import Redemption
from app.timeutil import month_bounds, this_month
from tests.conftest import make_settings
from tests.one_hop import TestClient
from tests.shop.conftest import pay_code, redeem

TZ = "Asia/Shanghai"
REASON = "帮助王建国的邻居修屋顶"


@pytest.fixture
def village_id(demo_engine) -> int:
    with session_for(demo_engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()


@pytest.fixture
def activity(api, village_id, demo_engine):
    """This month: an award with a reason naming someone, and a redemption at the village's shop."""
    hid = api.get("/me", "villager").json()["household_id"]
    r = api.post("/points/awards", "official", json={"household_id": hid, "points": 7, "reason": REASON,
                                                       "category": "public_good"})
    assert r.status_code == 201, r.text
    with session_for(demo_engine, write=False) as s:
        shop_id = s.exec(select(Shop.id).where(Shop.village_id == village_id)).first()
    goods = api.get(f"/shops/{shop_id}/goods", "villager").json()["items"]
    cheap = min((g for g in goods if g["stock"] > 0), key=lambda g: g["points_price"])
    r = redeem(api, shop_id, pay_code(api), [(cheap["id"], 1)])
    assert r.status_code == 201, r.text
    return {"household_id": hid, "goods": cheap}


def long_way(session, village_id: int, month: str) -> dict:
    """The month straight from the ledger's entries, without the board's code."""
    start, end = month_bounds(month, TZ)
    in_month = [t for t in session.exec(select(LedgerTransaction)) if start <= t.created_at < end]
    by_id = {t.id: t for t in session.exec(select(LedgerTransaction))}
    accounts = {a.id: a for a in session.exec(select(Account))}
    households = {h.id for h in session.exec(select(Household).where(Household.village_id == village_id))}
    reversed_ids = {t.reverses_id for t in by_id.values() if t.kind == TxnKind.reversal}
    credits, redeemed, funds = 0, 0, defaultdict(int)
    for t in in_month:
        for e in session.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == t.id)):
            account = accounts[e.account_id]
            home = account.kind == AccountKind.household and account.household_id in households
            undone = by_id[t.reverses_id].kind if t.kind == TxnKind.reversal else None
            credit = t.kind in CREDIT_KINDS or undone in CREDIT_KINDS
            if home and credit:
                credits += e.amount
            if home and t.kind == TxnKind.redemption and t.id not in reversed_ids:
                redeemed -= e.amount
            if account.key == f"{AccountKind.village_fund}:{village_id}" and e.amount > 0 and t.kind in (
                    TxnKind.allocation, TxnKind.budget, TxnKind.donation):
                funds[t.kind] += e.amount
    return {"credits": credits, "redeemed": redeemed, "funds": sum(funds.values())}


def test_the_figures_are_the_ledgers_month(api, activity, village_id, demo_engine):
    month = this_month(TZ)
    with session_for(demo_engine, write=False) as s:
        expected = long_way(s, village_id, month)
        board = public_board(s, village=s.get(OrgUnit, village_id), month=month, tz=TZ)
        redemptions = [r for r in s.exec(select(Redemption)) if month_bounds(month, TZ)[0] <= r.created_at]
    assert expected["credits"] >= 7 and expected["redeemed"] >= activity["goods"]["points_price"]
    assert board.credits_total == expected["credits"] == sum(board.by_source.values()) == sum(
        board.by_category.values()) == sum(line.points for line in board.lines)
    assert board.redeemed_total == expected["redeemed"] == sum(g.points for g in board.goods)
    assert board.redemptions == len(redemptions)
    assert board.funds_total == expected["funds"]
    assert board.by_category.get("热心公益", 0) >= 7

    page = api.client.get(f"/public/villages/{village_id}/points")  # signed out: no token, no cookie
    assert page.status_code == 200
    assert "public" in page.headers["cache-control"] and "max-age" in page.headers["cache-control"]
    text = page.text
    assert re.search(rf'data-testid="public-credits-total">{expected["credits"]}<', text)
    assert re.search(rf'data-testid="public-redeemed-total">{expected["redeemed"]}<', text)
    assert activity["goods"]["name"] in text


def test_nothing_private_is_on_it(api, activity, village_id, demo_engine):
    with session_for(demo_engine, write=False) as s:
        households = s.exec(select(Household).where(Household.village_id == village_id)).all()
        people = s.exec(select(User)).all()
    text = api.client.get(f"/public/villages/{village_id}/points").text
    assert "王*国家" in text
    for h in households:
        assert h.head_name not in text or len(h.head_name) < 2
        assert not h.address or h.address not in text
    for p in people:
        assert not p.phone or p.phone not in text
        assert len(p.name) < 2 or p.name not in text, p.name  # not the official who gave the award either
    assert REASON not in text  # an official's free text may name someone


@pytest.mark.parametrize("path", ["/public/villages/999999/points", f"/public/villages/{2**40}/points",
                                  "/public/villages/0/points"])
def test_no_such_village_is_a_plain_404(api, path):
    r = api.client.get(path)
    assert r.status_code == 404
    assert "找不到" in r.text and "not_found" not in r.text


def test_a_township_is_not_a_village(api, demo_engine):
    with session_for(demo_engine, write=False) as s:
        township = s.exec(select(OrgUnit.id).where(OrgUnit.kind == "township")).first()
    assert api.client.get(f"/public/villages/{township}/points").status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "abc", "9999-01", "２０２６-１１", "2026-1"])
def test_a_bad_month_is_a_plain_422(api, village_id, month):
    r = api.client.get(f"/public/villages/{village_id}/points", params={"month": month})
    assert r.status_code == 422
    assert "月份" in r.text


def test_last_month_is_there_and_empty_months_say_so(api, village_id):
    r = api.client.get(f"/public/villages/{village_id}/points", params={"month": "2020-01"})
    assert r.status_code == 200 and "这个月还没有兑换" in r.text and "下个月" in r.text


@pytest.mark.sqlite_only
def test_rate_limited_per_address(routed_app, demo_engine, village_id):
    app = bind_app(routed_app, make_settings(demo_engine, public_pages_per_minute=3), demo_engine)
    with TestClient(app) as client:
        answers = [client.get(f"/public/villages/{village_id}/points").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
