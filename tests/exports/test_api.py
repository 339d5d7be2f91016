"""Exports of a unit for a period through the JSON API (issue #20 item 4), on both engines: each workbook read back
with openpyxl equals what the database says, computed the long way; the period filters; typed text comes out inert;
who may; bad periods; the audit line."""

import io
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.evaluation.models import LIST_LABELS, EvaluationRound, ResultLine, RoundStatus
from app.evaluation.service import line_list, line_points
from app.ledger.models import Account, AccountKind, LedgerEntry, LedgerTransaction, TxnKind
from app.ledger.statements import SPENDING_KINDS
from app.org.models import Household, OrgUnit, Role, User
from app.timeutil import local, shift_month, this_month
from app.volunteer.models import FINISHED, ServiceOrder
from tests.conftest import add_person, error_code
from tests.org.test_county_api import COUNTY_ADMIN, county_admin, unit_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("households", "ledger", "evaluations", "volunteer-hours")
OTHER_OFFICIAL = "13800000091"  # an official of 柳林村, in another township


def export(api, unit: int, kind: str, who: str = "official", **period):
    return api.client.get(f"/api/v1/org-units/{unit}/exports/{kind}.xlsx", params=period, headers=api.headers(who))


def read(response) -> dict[str, list[tuple]]:
    """Each sheet's rows as values (the header included)."""
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()] for sheet in book.worksheets}


def data(response) -> list[tuple]:
    sheets = read(response)
    assert list(sheets)[0] == "说明"
    return [row for name in list(sheets)[1:] for row in sheets[name][1:]]


@pytest.fixture
def units(demo_engine) -> dict[str, int]:
    county_admin(demo_engine)
    with session_for(demo_engine, write=True) as s:
        county = s.exec(select(OrgUnit.id).where(OrgUnit.name == "振风县")).one()
        town = OrgUnit(kind="township", name="柳林镇", parent_id=county)
        s.add(town)
        s.flush()
        s.add(OrgUnit(kind="village", name="柳林村", parent_id=town.id))
        s.commit()
    add_person(demo_engine, phone=OTHER_OFFICIAL, name="柳林村干部", role=Role.official, unit="柳林村")
    return {name: unit_id(demo_engine, name) for name in ("振风县", "清河镇", "示范村", "邻村", "柳林镇", "柳林村")}


@pytest.fixture
def history(api, demo_engine, units) -> dict[str, int]:
    """示范村 this month: two households named as formulas, an award (with a formula-like reason) and its reversal, a
    redemption; and a credit and a redemption of 王建国's backdated three months (written as the ledger writes)."""
    evil = [api.post("/households", "official", json={"head_name": name}).json()["id"]
            for name in ("=1+1", "@SUM(A1)")]
    award = api.post("/points/awards", "official", key="a1",
                     json={"household_id": evil[0], "points": 30, "reason": "+86 捐赠", "category": "public_good"})
    assert award.status_code == 201, award.text
    api.post("/points/awards", "official", key="a2",
             json={"household_id": evil[1], "points": 12, "reason": "清扫村道", "category": "hygiene"})
    assert api.post(f"/points/awards/{award.json()['id']}/reversal", "official",
                    json={"reason": "=错发了"}).status_code == 201
    shop = api.get("/shops", "attendant").json()["items"][0]["id"]
    goods = api.get(f"/shops/{shop}/goods", "attendant").json()["items"][0]
    code = api.get("/me/pay-code", "villager").json()["code"]
    bought = api.post(f"/shops/{shop}/redemptions", "attendant", key="r1",
                      json={"pay_code": code, "items": [{"goods_id": goods["id"], "quantity": 1}]})
    assert bought.status_code == 201, bought.text
    backdate(demo_engine, head="王建国", months=3)
    return {"evil": evil[0], "other_evil": evil[1]}


def backdate(engine, *, head: str, months: int) -> None:
    """A credit of 40 and a redemption of 15 for the household, `months` ago, each with its two legs."""
    when = datetime.now(UTC) - timedelta(days=31 * months)
    with session_for(engine, write=True) as s:
        household = s.exec(select(Household).where(Household.head_name == head)).one()
        account = s.exec(select(Account).where(Account.household_id == household.id)).one()
        fund = s.exec(select(Account).where(Account.kind == AccountKind.village_fund,
                                            Account.village_id == household.village_id)).one()
        for kind, points in ((TxnKind.award, 40), (TxnKind.redemption, -15)):
            txn = LedgerTransaction(kind=kind, village_id=household.village_id, reason="往月", created_at=when,
                                    category="filial" if points > 0 else None)
            s.add(txn)
            s.flush()
            s.add(LedgerEntry(transaction_id=txn.id, account_id=account.id, amount=points, balance_after=0,
                              created_at=when))
            s.add(LedgerEntry(transaction_id=txn.id, account_id=fund.id, amount=-points, balance_after=0,
                              created_at=when))
        s.commit()


def bounds(first: str, last: str) -> tuple[datetime, datetime]:
    from app.timeutil import month_bounds

    return month_bounds(first)[0], month_bounds(last)[1]


# --- the long way ------------------------------------------------------------------------------------------------

def household_figures(engine, villages: set[int], first: str, last: str) -> dict[str, tuple]:
    """head → (members, opening, earned, spent, closing), from every entry, one by one."""
    start, end = bounds(first, last)
    with session_for(engine, write=False) as s:
        txns = {t.id: t for t in s.exec(select(LedgerTransaction))}
        accounts = {a.id: a for a in s.exec(select(Account).where(Account.kind == AccountKind.household))}
        households = [h for h in s.exec(select(Household)) if h.village_id in villages and h.created_at < end]
        members = defaultdict(int)
        for user in s.exec(select(User).where(User.active)):
            members[user.household_id] += 1
        figures = {h.id: [members[h.id], 0, 0, 0, 0] for h in households}
        for entry in s.exec(select(LedgerEntry)):
            account, txn = accounts.get(entry.account_id), txns[entry.transaction_id]
            if account is None or account.household_id not in figures or txn.created_at >= end:
                continue
            line = figures[account.household_id]
            line[4] += entry.amount
            if txn.created_at < start:
                line[1] += entry.amount
                continue
            kind = txns[txn.reverses_id].kind if txn.reverses_id else txn.kind
            if kind in SPENDING_KINDS:
                line[3] -= entry.amount
            else:
                line[2] += entry.amount
        return {h.head_name: tuple(figures[h.id]) for h in households}


def ledger_lines(engine, villages: set[int], first: str, last: str) -> list[tuple]:
    """(head, transaction, points, balance after) of every household entry in the period, oldest first."""
    start, end = bounds(first, last)
    with session_for(engine, write=False) as s:
        heads = {h.id: h.head_name for h in s.exec(select(Household))}
        rows = s.exec(select(LedgerEntry, LedgerTransaction, Account)
                      .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                      .join(Account, Account.id == LedgerEntry.account_id)).all()
        return [(heads[a.household_id], t.id, e.amount, e.balance_after)
                for e, t, a in sorted(rows, key=lambda r: (r[1].created_at, r[0].id))
                if a.kind == AccountKind.household and a.village_id in villages and start <= t.created_at < end]


class TestHouseholds:
    def test_each_household_as_the_entries_say(self, api, demo_engine, units, history):
        month = this_month()
        rows = data(export(api, units["清河镇"], "households", "town_admin", **{"from": month, "to": month}))
        expected = household_figures(demo_engine, {units["示范村"], units["邻村"]}, month, month)
        got = {row[2]: row[4:] for row in rows}
        assert got == {head.replace("=", "'=", 1).replace("@", "'@", 1) if head[0] in "=@" else head: figures
                       for head, figures in expected.items()}
        assert {row[0] for row in rows} == {"示范村", "邻村"}
        wang = next(row for row in rows if row[2] == "王建国")
        opening, earned, spent, closing = wang[5:]
        assert opening == 40 - 15 and spent > 0 and opening + earned - spent == closing

    def test_a_name_typed_as_a_formula_is_inert_text(self, api, units, history):
        book = load_workbook(io.BytesIO(export(api, units["示范村"], "households").content))
        cells = [row[2] for row in book["农户"].iter_rows(min_row=2)]
        evil = [c for c in cells if c.value in ("'=1+1", "'@SUM(A1)")]
        assert len(evil) == 2 and all(c.data_type == "s" for c in evil)
        assert all(c.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for c in row)

    def test_the_period_moves_the_balances(self, api, demo_engine, units, history):
        """A period before this month: the backdated lines are in it and today's households not yet registered;
        a period after: everything is opening balance, nothing earned or spent."""
        villages = {units["示范村"], units["邻村"]}
        before = shift_month(this_month(), -4)
        rows = data(export(api, units["清河镇"], "households", "town_admin", **{"from": before, "to": before}))
        assert rows == []  # the demo households were registered this month
        after = shift_month(this_month(), 1)
        rows = data(export(api, units["清河镇"], "households", "town_admin", **{"from": after, "to": after}))
        expected = household_figures(demo_engine, villages, after, after)
        assert {row[2] for row in rows} == {h.replace("=", "'=").replace("@", "'@") for h in expected}
        assert all(row[6] == row[7] == 0 and row[5] == row[8] for row in rows)


class TestLedger:
    @pytest.mark.parametrize("shift", [0, -3])
    def test_every_entry_of_the_period_as_the_database_says(self, api, demo_engine, units, history, shift):
        month = shift_month(this_month(), shift)
        rows = data(export(api, units["示范村"], "ledger", **{"from": month, "to": month}))
        expected = ledger_lines(demo_engine, {units["示范村"]}, month, month)
        assert [(r[2].lstrip("'"), r[3], r[7], r[8]) for r in rows] == expected
        assert expected and all(isinstance(r[0], datetime) for r in rows)
        if shift == -3:
            assert [(r[4], r[7]) for r in rows] == [("奖励", 40), ("兑换", -15)]

    def test_words_are_inert_and_reversals_name_what_they_undo(self, api, units, history):
        rows = data(export(api, units["示范村"], "ledger", **{"from": this_month()}))
        award = next(r for r in rows if r[9] == "'+86 捐赠")
        reversal = next(r for r in rows if r[4] == "撤销")
        assert reversal[5] == f"撤销 交易 #{award[3]}" and reversal[7] == -30 and reversal[10] == "张书记"
        assert award[6] == "热心公益" and award[5] == "直接奖励"

    def test_a_month_with_nothing_has_its_header_alone(self, api, units, history):
        month = shift_month(this_month(), 2)
        sheets = read(export(api, units["示范村"], "ledger", **{"from": month, "to": month}))
        assert sheets["明细"] == [sheets["明细"][0]] and sheets["明细"][0][:3] == ("时间", "村", "户主")


class TestEvaluations:
    def test_the_final_rounds_of_the_period_line_by_line(self, api, demo_engine, units):
        last = shift_month(this_month(), -1)
        rows = data(export(api, units["示范村"], "evaluations", **{"from": last, "to": this_month()}))
        with session_for(demo_engine, write=False) as s:
            rounds = {r.id: r for r in s.exec(select(EvaluationRound)
                                              .where(EvaluationRound.status == RoundStatus.final))}
            heads = {h.id: h.head_name for h in s.exec(select(Household))}
            lines = [ln for ln in s.exec(select(ResultLine).order_by(ResultLine.household_id, ResultLine.criterion_id))
                     if ln.round_id in rounds and last <= rounds[ln.round_id].month <= this_month()]
        assert lines and {rounds[ln.round_id].month for ln in lines} == {last}  # this month's round is scoring
        assert [(r[1].strftime("%Y-%m"), r[2], r[5], r[6]) for r in rows] == [
            (last, heads[ln.household_id], line_points(ln), LIST_LABELS.get(line_list(ln), "")) for ln in lines]

    def test_a_period_without_a_final_round_is_empty(self, api, units):
        assert data(export(api, units["示范村"], "evaluations", **{"from": this_month()})) == []


class TestVolunteerHours:
    def test_each_volunteer_as_the_orders_say(self, api, demo_engine, units):
        rows = data(export(api, units["振风县"], "volunteer-hours", COUNTY_ADMIN, **{"from": this_month()}))
        with session_for(demo_engine, write=False) as s:
            names = {u.id: u.name for u in s.exec(select(User))}
            done = [o for o in s.exec(select(ServiceOrder)) if o.status in FINISHED]
        assert done
        expected = defaultdict(list)
        for order in done:
            expected[names[order.volunteer_id]].append(order)
        assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
            (name, len(orders), round(sum(o.credited_minutes for o in orders) / 60, 2), sum(o.points for o in orders))
            for name, orders in expected.items()]
        assert rows[0][5] == 5 and rows[0][6] == 1  # the demo order's five stars

    def test_last_month_had_none(self, api, units):
        last = shift_month(this_month(), -1)
        assert data(export(api, units["示范村"], "volunteer-hours", **{"from": last, "to": last})) == []


class TestTheFile:
    def test_it_says_who_made_it_when_and_for_which_period(self, api, demo_engine, units, history):
        first = shift_month(this_month(), -2)
        r = export(api, units["清河镇"], "ledger", "town_admin", **{"from": first, "to": this_month()})
        assert "attachment" in r.headers["content-disposition"] and r.headers["cache-control"] == "no-store"
        book = load_workbook(io.BytesIO(r.content))
        cover = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
        assert cover["单位"] == "清河镇（乡镇）" and cover["导出人"] == "周镇长（乡镇管理员）"
        now = this_month()
        assert cover["时间段"] == f"{int(first[:4])}年{int(first[5:])}月—{int(now[:4])}年{int(now[5:])}月"
        assert abs(cover["导出时间"] - local(datetime.now(UTC)).replace(tzinfo=None)) < timedelta(minutes=5)
        assert cover["行数"] == len(data(r))
        sheet = book["明细"]
        assert sheet.freeze_panes == "A2" and sheet.column_dimensions["J"].width == 40

    def test_each_export_is_in_the_audit_log(self, api, demo_engine, units):
        for kind in KINDS:
            assert export(api, units["示范村"], kind, **{"from": "2026-01", "to": "2026-03"}).status_code == 200
        with session_for(demo_engine, write=False) as s:
            lines = s.exec(select(AuditEntry).where(AuditEntry.action.like("export.%")).order_by(AuditEntry.id)).all()
        assert [line.action for line in lines] == ["export.households", "export.ledger", "export.evaluations",
                                                   "export.volunteer_hours"]
        assert {line.village_id for line in lines} == {units["示范村"]}
        assert json.loads(lines[0].detail)["from"] == "2026-01" and json.loads(lines[0].detail)["to"] == "2026-03"


class TestWhoMay:
    @pytest.mark.parametrize("kind", KINDS)
    def test_staff_of_the_unit_or_above(self, api, units, kind):
        assert export(api, units["示范村"], kind, "official").status_code == 200
        assert export(api, units["示范村"], kind, "town_admin").status_code == 200
        assert export(api, units["清河镇"], kind, "town_admin").status_code == 200
        assert export(api, units["振风县"], kind, COUNTY_ADMIN).status_code == 200

    @pytest.mark.sqlite_only  # who may is decided in Python (app/org/access.py), before any SQL
    @pytest.mark.parametrize("who", ["villager", "volunteer", "committee", "attendant"])
    def test_others_of_the_village_are_refused(self, api, units, who):
        r = export(api, units["示范村"], "ledger", who)
        assert r.status_code == 403 and error_code(r) == "forbidden"

    @pytest.mark.sqlite_only
    @pytest.mark.parametrize(("who", "unit"), [
        ("official", "清河镇"), ("official", "邻村"), ("neighbour", "清河镇"), ("town_admin", "柳林镇"),
        ("town_admin", "柳林村"), ("town_admin", "振风县"), (OTHER_OFFICIAL, "示范村"), ("villager", "振风县")])
    def test_units_not_theirs_are_not_found(self, api, units, who, unit):
        r = export(api, units[unit], "households", who)
        assert r.status_code == 404 and error_code(r) == "not_found"

    def test_a_town_admin_gets_its_villages_and_no_other(self, api, units, history):
        rows = data(export(api, units["振风县"], "households", COUNTY_ADMIN))
        town = data(export(api, units["清河镇"], "households", "town_admin"))
        assert {r[0] for r in town} == {"示范村", "邻村"} and sorted(town) == sorted(rows)  # 柳林村 has none
        other = data(export(api, units["柳林镇"], "households", COUNTY_ADMIN))
        assert other == []


@pytest.mark.sqlite_only  # the period is checked in Python (app/timeutil.py), before any SQL
class TestBadPeriods:
    @pytest.mark.parametrize("period", [
        {"from": "2026-13"}, {"from": "2026-1"}, {"from": "abc"}, {"from": "2026-03", "to": "2026-01"},
        {"from": "1999-12"}, {"from": "2101-01"}, {"from": "2000-01", "to": "2100-12"}, {"from": "2026\u202e-01"},
        {"to": "9" * 5000}, {"from": "２０２６-01"}, {"from": "2026-01\u200b"},
    ], ids=str)
    def test_refused_in_words(self, api, units, period):
        r = export(api, units["示范村"], "ledger", **period)
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_an_id_beyond_64_bits_is_not_a_500(self, api, units):
        assert api.client.get(f"/api/v1/org-units/{2**70}/exports/ledger.xlsx",
                              headers=api.headers("official")).status_code in (404, 422)

    def test_a_group_has_no_export_of_its_own(self, api, demo_engine, units):
        made = api.post("/org-units", "official", json={"kind": "group", "name": "一组", "parent_id": units["示范村"]})
        r = export(api, made.json()["id"], "ledger")
        assert r.status_code == 404 and "所属的村" in r.json()["error"]["message"]
