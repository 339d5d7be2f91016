"""Funds below the API (issue #17 item 5), on both engines: no fund below zero however many allocate at once, a
credit refused for want of points names the fund, a database from before 0015 keeps balanced books, the settlement's
元 value."""

from sqlalchemy import text
from sqlmodel import select

from app.db import session_for
from app.errors import InsufficientPoints
from app.ledger import funds
from app.ledger.accounts import fund_account
from app.ledger.check import check_ledger
from app.ledger.fund_models import FundRecord
from app.ledger.models import Account, AccountKind
from app.org.models import OrgUnit, Role
from tests.conftest import add_person, error_code
from tests.ledger.test_races import in_transaction, run_all
from tests.test_migrations import empty_engine, upgrade  # noqa: F401 - the fixture, on both engines


def unit(session, name: str) -> OrgUnit:
    return session.exec(select(OrgUnit).where(OrgUnit.name == name)).one()


def book(engine, name: str, points: int) -> None:
    with session_for(engine, write=True) as s:
        funds.post_entry(s, entry=funds.check_budget(org=unit(s, name), year=2026, points=points, yuan=points,
                                                     note=""), actor_id=None, idempotency_key=None)
        s.commit()


class TestNoFundBelowZero:
    def test_two_allocations_at_once_from_enough_for_one(self, demo_engine):
        book(demo_engine, "振风县", 100)
        with session_for(demo_engine, write=False) as s:
            start = fund_account(s, org=unit(s, "振风县")).balance
        targets = ["清河镇", "示范村"]

        def work(i):
            def body(session):
                entry = funds.check_allocation(source=unit(session, "振风县"), target=unit(session, targets[i]),
                                               points=start - 20, yuan=None, note="")
                return funds.post_entry(session, entry=entry, actor_id=None, idempotency_key=None)
            return in_transaction(demo_engine, body)

        results = run_all(2, work)
        refused = [r for r in results if isinstance(r, InsufficientPoints)]
        assert len(refused) == 1 and len([r for r in results if not isinstance(r, Exception)]) == 1, results
        assert refused[0].message == f"振风县积分资金余额不足：还剩 20 分，需要 {start - 20} 分"
        with session_for(demo_engine, write=False) as s:
            assert fund_account(s, org=unit(s, "振风县")).balance == 20
            assert check_ledger(s) == []

    def test_many_allocations_at_once_take_what_there_is(self, demo_engine):
        book(demo_engine, "清河镇", 100)

        def work(_i):
            def body(session):
                entry = funds.check_allocation(source=unit(session, "清河镇"), target=unit(session, "示范村"),
                                               points=30, yuan=None, note="")
                return funds.post_entry(session, entry=entry, actor_id=None, idempotency_key=None)
            return in_transaction(demo_engine, body)

        results = run_all(8, work)
        assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientPoints)]
        assert len([r for r in results if not isinstance(r, Exception)]) == 3
        with session_for(demo_engine, write=False) as s:
            assert fund_account(s, org=unit(s, "清河镇")).balance == 10
            assert check_ledger(s) == []


class TestRefusalNamesTheFund:
    def test_an_award_from_a_short_fund_says_which_and_how_much_is_left(self, api, demo_engine):
        with session_for(demo_engine, write=False) as s:
            town = unit(s, "清河镇").id
        village = api.post("/org-units", "town_admin", json={"kind": "village", "name": "新村",
                                                             "parent_id": town}).json()["id"]
        official = add_person(demo_engine, phone="13800000062", name="新村书记", role=Role.official, unit="新村")
        household = api.post("/households", official, json={"head_name": "钱大伯"})
        assert household.status_code == 201, household.text
        hid = household.json()["id"]
        refused = api.post("/points/awards", official, json={"household_id": hid, "points": 5, "reason": "好"})
        assert refused.status_code == 409 and error_code(refused) == "insufficient_points"
        assert refused.json()["error"]["message"] == "新村积分资金余额不足：还剩 0 分，需要 5 分"
        book(demo_engine, "清河镇", 120)
        assert api.post("/funds/allocations", "town_admin", json={"from_org_id": town, "to_org_id": village,
                                                                  "points": 120}).status_code == 201
        short = api.post("/points/awards", official, json={"household_id": hid, "points": 150, "reason": "好"})
        assert short.status_code == 409
        assert short.json()["error"]["message"] == "新村积分资金余额不足：还剩 120 分，需要 150 分"
        paid = api.post("/points/awards", official, json={"household_id": hid, "points": 120, "reason": "好"})
        assert paid.status_code == 201 and paid.json()["balance_after"] == 120
        with session_for(demo_engine, write=False) as s:
            assert check_ledger(s) == []


class TestSettlementValue:
    def test_the_settlement_shows_the_yuan_at_the_villages_rate(self, api, session):
        shop = api.get("/shops", "attendant").json()["items"][0]
        goods = next(g for g in api.get(f"/shops/{shop['id']}/goods", "attendant").json()["items"] if g["stock"])
        code = api.get("/me/pay-code", "villager").json()["code"]
        done = api.post(f"/shops/{shop['id']}/redemptions", "attendant", key="yuan-1",
                        json={"pay_code": code, "items": [{"goods_id": goods["id"], "quantity": 1}]})
        assert done.status_code == 201, done.text
        month = done.json()["created_at"][:7]
        got = api.get(f"/shops/{shop['id']}/settlements/{month}", "official").json()
        assert got["fen_per_point"] == 100 and got["total_yuan_fen"] == got["total_points"] * 100
        assert got["total_yuan"] == f"{got['total_points']}.00"
        api.client.put(f"/api/v1/villages/{shop['village_id']}/fund-rate", headers=api.headers("official"),
                       json={"fen_per_point": 5})
        half = api.get(f"/shops/{shop['id']}/settlements/{month}", "official").json()
        assert half["total_yuan_fen"] == got["total_points"] * 5
        assert half["total_yuan"] == f"{got['total_points'] * 5 // 100}.{got['total_points'] * 5 % 100:02d}"


def test_a_database_from_before_0015_gets_an_opening_budget(empty_engine):  # noqa: F811
    """A county fund that allocated from nothing (the demo world before 0015) stands at zero after it, its opening
    budget booked from the county's budget account, the books balanced and the fund no longer allowed below."""
    upgrade(empty_engine, "0014")
    with empty_engine.begin() as conn:
        run = lambda sql, **kw: conn.execute(text(sql), kw)  # noqa: E731
        run("INSERT INTO org_units (id, kind, name) VALUES (1, 'county', '振风县')")
        run("INSERT INTO org_units (id, kind, name, parent_id) VALUES (2, 'township', '清河镇', 1)")
        run("INSERT INTO org_units (id, kind, name, parent_id) VALUES (3, 'village', '示范村', 2)")
        run("INSERT INTO accounts (id, key, kind, name, org_id, village_id, allow_negative, balance) VALUES "
            "(1, 'county_fund:1', 'county_fund', '振风县县积分资金', 1, NULL, true, -500), "
            "(2, 'village_fund:3', 'village_fund', '示范村村积分资金', 3, 3, false, 500)")
        run("INSERT INTO ledger_transactions (id, kind, village_id, reason, created_at) "
            "VALUES (1, 'allocation', 3, '年度积分预算拨付', CURRENT_TIMESTAMP)")
        run("INSERT INTO ledger_entries (transaction_id, account_id, amount, balance_after, created_at) VALUES "
            "(1, 1, -500, -500, CURRENT_TIMESTAMP), (1, 2, 500, 500, CURRENT_TIMESTAMP)")
        if empty_engine.dialect.name == "postgresql":  # the rows above named their ids
            for table in ("org_units", "accounts", "ledger_transactions"):
                run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    upgrade(empty_engine)
    with session_for(empty_engine, write=False) as s:
        assert check_ledger(s) == []
        accounts = {a.key: a for a in s.exec(select(Account))}
        county = accounts["county_fund:1"]
        assert (county.balance, county.allow_negative, county.name) == (0, False, "振风县积分资金")
        assert accounts["village_fund:3"].name == "示范村积分资金"
        assert (accounts["budget:1"].kind, accounts["budget:1"].balance) == (AccountKind.budget, -500)
        record = s.exec(select(FundRecord)).one()
        assert (record.kind, record.org_id, record.points, record.note) == ("budget", 1, 500, "期初配套")
        figures = funds.fund_figures(s, org=s.get(OrgUnit, 1))
        assert (figures.balance, figures.received, figures.given, figures.spent) == (0, 500, 500, 0)


def test_the_settlement_sheet_gives_the_yuan_at_the_rate():
    import io

    from openpyxl import load_workbook

    from app.shop.books.export import SettlementRow, settlement_workbook

    data = settlement_workbook(shop_name="振风超市", village_name="示范村", month="2026-11", redemptions=2,
                               rows=[SettlementRow("大米", 30, 12, 360), SettlementRow("食盐", 3, 25, 75)],
                               generated_at="2026-12-01 09:30", fen_per_point=50)
    rows = {r[0]: r[1] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) if r[0]}
    assert rows["折算标准"] == "1 积分 = 0.50 元" and float(rows["折合金额(元)"]) == 217.5
    assert rows["超市负责人签字："] is None  # the signatures still follow
