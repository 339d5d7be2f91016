"""Funds through the JSON API (issue #17 item 5), on both engines: 三级配套, 拨付 and 社会捐赠 by who may, never a fund
below zero, every record in the books and the audit log, and a refusal that names the fund and what is left."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.fund_models import FundRecord
from app.ledger.models import Account
from app.org.models import OrgUnit, Role
from tests.conftest import add_person, error_code

COUNTY_ADMIN = "13800000060"
OUTSIDER = "13800000061"  # an official of 邻村


@pytest.fixture
def ids(demo_engine) -> dict[str, int]:
    add_person(demo_engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")
    add_person(demo_engine, phone=OUTSIDER, name="邻村干部", role=Role.official, unit="邻村")
    with session_for(demo_engine, write=False) as s:
        return {u.name: u.id for u in s.exec(select(OrgUnit))}


def budget(api, who, org_id, points=1000, yuan="1000", key=None, **kw):
    return api.post("/funds/budgets", who, json={"org_id": org_id, "year": 2026, "points": points, "yuan": yuan,
                                                 "note": "年度配套", **kw}, key=key)


def allocate(api, who, from_id, to_id, points=100, key=None, **kw):
    return api.post("/funds/allocations", who, json={"from_org_id": from_id, "to_org_id": to_id, "points": points,
                                                     "note": "拨付", **kw}, key=key)


def donate(api, who, org_id, points=100, donor="爱心企业", **kw):
    return api.post("/funds/donations", who, json={"org_id": org_id, "donor": donor, "points": points, **kw})


def fund(api, who, org_id) -> dict:
    r = api.get(f"/org-units/{org_id}/fund", who)
    assert r.status_code == 200, r.text
    return r.json()


def books_balance(engine) -> None:
    with session_for(engine, write=False) as s:
        assert check_ledger(s) == []


def village_budgets(session, ids) -> list[FundRecord]:
    return list(session.exec(select(FundRecord).where(FundRecord.org_id == ids["示范村"],
                                                      FundRecord.kind == "budget")))


def audit_actions(engine) -> list[str]:
    with session_for(engine, write=False) as s:
        return list(s.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


class TestBudget:
    def test_the_county_admin_puts_the_countys_points_in(self, api, ids, demo_engine):
        before = fund(api, COUNTY_ADMIN, ids["振风县"])
        r = budget(api, COUNTY_ADMIN, ids["振风县"], points=5000, yuan="5000.50")
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["kind"], body["org_id"], body["org_name"], body["year"], body["points"]) == \
            ("budget", ids["振风县"], "振风县", 2026, 5000)
        assert (body["yuan"], body["yuan_fen"], body["note"], body["actor_name"]) == ("5000.50", 500050, "年度配套",
                                                                                      "县管理员")
        assert body["balance_after"] == before["balance"] + 5000
        after = fund(api, COUNTY_ADMIN, ids["振风县"])
        assert after["received"] == before["received"] + 5000 and after["balance"] == before["balance"] + 5000
        assert audit_actions(demo_engine)[-1] == "fund.budget"
        books_balance(demo_engine)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "unit", "status"), [
        (COUNTY_ADMIN, "振风县", 201), (COUNTY_ADMIN, "清河镇", 403), (COUNTY_ADMIN, "示范村", 403),
        ("town_admin", "清河镇", 201), ("town_admin", "振风县", 404), ("town_admin", "示范村", 403),
        ("official", "示范村", 201), ("official", "邻村", 404), ("official", "清河镇", 404),
        (OUTSIDER, "示范村", 404), ("villager", "示范村", 403), ("attendant", "示范村", 403),
        ("committee", "示范村", 403), ("volunteer", "示范村", 403), ("neighbour", "示范村", 404),
    ])
    def test_who_may_book_where(self, api, ids, who, unit, status):
        r = budget(api, who, ids[unit])
        assert r.status_code == status, r.text
        if status != 201:
            assert error_code(r) == {403: "forbidden", 404: "not_found"}[status]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("change", "field"), [
        ({"yuan": None}, "金额"), ({"yuan": "abc"}, "金额"), ({"yuan": "1.234"}, "金额"), ({"yuan": -5}, "金额"),
        ({"yuan": "NaN"}, "金额"), ({"yuan": "1e999999999"}, "金额"), ({"yuan": "1e-999999999"}, "金额"),
        ({"points": 0}, "积分"), ({"points": 100_000_001}, "积分"), ({"year": 1999}, "年度"),
        ({"note": "x" * 201}, "备注"),
    ])
    def test_what_is_typed_is_checked(self, api, ids, demo_engine, change, field):
        r = api.post("/funds/budgets", "official", json={"org_id": ids["示范村"], "year": 2026, "points": 10,
                                                           "yuan": "10", **change})
        assert r.status_code == 422 and error_code(r) == "validation_error" and field in r.json()["error"]["message"]
        with session_for(demo_engine, write=False) as s:
            assert village_budgets(s, ids) == []

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body", [{"points": True}, {"points": "10"}, {"org_id": 2**64}, {"year": "2026"}])
    def test_wrong_types_are_refused(self, api, ids, body):
        r = api.post("/funds/budgets", "official", json={"org_id": ids["示范村"], "year": 2026, "points": 10,
                                                           "yuan": 10, **body})
        assert r.status_code == 422 and error_code(r) == "validation_error"

    @pytest.mark.parametrize(("yuan", "fen"), [(0.3, 30), (12000, 1200000), ("1,200.5", 120050), ("0", 0)])
    def test_yuan_is_kept_exactly_in_fen(self, api, ids, yuan, fen):
        r = budget(api, "official", ids["示范村"], yuan=yuan)
        assert r.status_code == 201 and r.json()["yuan_fen"] == fen

    def test_invisible_characters_leave_the_note(self, api, ids):
        r = budget(api, "official", ids["示范村"], note="\u202e配套\u200b")
        assert r.status_code == 201 and r.json()["note"] == "配套"

    def test_a_repeated_key_books_once(self, api, ids, demo_engine):
        first = budget(api, "official", ids["示范村"], key="b-1")
        again = budget(api, "official", ids["示范村"], key="b-1")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        other = budget(api, "official", ids["示范村"], points=5, key="b-1")
        assert other.status_code == 409 and error_code(other) == "idempotency_conflict"
        with session_for(demo_engine, write=False) as s:
            assert len(village_budgets(s, ids)) == 1
        books_balance(demo_engine)


class TestAllocation:
    def test_down_the_levels_and_never_below_zero(self, api, ids, demo_engine):
        county, town, village = ids["振风县"], ids["清河镇"], ids["示范村"]
        start = fund(api, COUNTY_ADMIN, county)["balance"]
        assert budget(api, COUNTY_ADMIN, county, points=1000).status_code == 201
        r = allocate(api, COUNTY_ADMIN, county, town, points=600)
        assert r.status_code == 201, r.text
        assert (r.json()["from_org_name"], r.json()["org_name"], r.json()["yuan"]) == ("振风县", "清河镇", None)
        short = allocate(api, COUNTY_ADMIN, county, town, points=start + 500)
        assert short.status_code == 409 and error_code(short) == "insufficient_points"
        assert short.json()["error"]["message"] == \
            f"振风县积分资金余额不足：还剩 {start + 400} 分，需要 {start + 500} 分"
        assert allocate(api, "town_admin", town, village, points=250).status_code == 201
        assert fund(api, "town_admin", town) == {"org_id": town, "balance": 350, "received": 600, "given": 250,
                                                 "spent": 0}
        assert fund(api, COUNTY_ADMIN, county)["given"] >= 600
        assert audit_actions(demo_engine)[-1] == "fund.allocate"
        books_balance(demo_engine)

    def test_the_county_allocates_straight_to_a_village(self, api, ids):
        assert budget(api, COUNTY_ADMIN, ids["振风县"], points=100).status_code == 201
        before = fund(api, COUNTY_ADMIN, ids["示范村"])
        assert allocate(api, COUNTY_ADMIN, ids["振风县"], ids["示范村"], points=100, yuan="100").status_code == 201
        after = fund(api, "official", ids["示范村"])
        assert after["received"] == before["received"] + 100 and after["balance"] == before["balance"] + 100

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "source", "target", "status"), [
        ("town_admin", "振风县", "示范村", 404),  # the county's fund is not a town admin's to see
        ("town_admin", "清河镇", "柳林村", 404),  # a village of another township
        ("town_admin", "清河镇", "清河镇", 422), ("town_admin", "清河镇", "振风县", 404),
        (COUNTY_ADMIN, "振风县", "振风县", 422), (COUNTY_ADMIN, "清河镇", "示范村", 403),  # the town admin's fund
        ("official", "示范村", "邻村", 422),  # a village's fund pays households only
        (OUTSIDER, "清河镇", "示范村", 404), ("villager", "示范村", "示范村", 403),
    ])
    def test_who_may_allocate_where(self, api, ids, who, source, target, status):
        other = api.post("/org-units", COUNTY_ADMIN, json={"kind": "township", "name": "柳林镇",
                                                           "parent_id": ids["振风县"]}).json()
        ids = {**ids, "柳林村": api.post("/org-units", COUNTY_ADMIN, json={
            "kind": "village", "name": "柳林村", "parent_id": other["id"]}).json()["id"]}
        assert budget(api, "town_admin", ids["清河镇"], points=100).status_code == 201
        r = allocate(api, who, ids[source], ids[target], points=10)
        assert r.status_code == status, r.text

    def test_a_group_has_no_fund(self, api, ids):
        group = api.post("/org-units", "official", json={"kind": "group", "name": "一组",
                                                          "parent_id": ids["示范村"]}).json()["id"]
        assert api.get(f"/org-units/{group}/fund", "official").status_code == 404
        assert budget(api, COUNTY_ADMIN, ids["振风县"], points=10).status_code == 201
        assert allocate(api, COUNTY_ADMIN, ids["振风县"], group, points=10).status_code == 422


class TestDonation:
    def test_an_official_records_a_donation_with_its_donor(self, api, ids, demo_engine):
        before = fund(api, "official", ids["示范村"])
        r = donate(api, "official", ids["示范村"], points=300, donor="  振风商贸公司 ", yuan=300)
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["donor"], r.json()["yuan"]) == ("donation", "振风商贸公司", "300.00")
        after = fund(api, "official", ids["示范村"])
        assert after["received"] == before["received"] + 300 and after["balance"] == before["balance"] + 300
        assert audit_actions(demo_engine)[-1] == "fund.donation"
        books_balance(demo_engine)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "unit", "status"), [
        (COUNTY_ADMIN, "振风县", 201), ("town_admin", "清河镇", 201), (COUNTY_ADMIN, "示范村", 403),
        ("town_admin", "示范村", 403), (OUTSIDER, "示范村", 404), ("villager", "示范村", 403),
    ])
    def test_who_may_record_where(self, api, ids, who, unit, status):
        assert donate(api, who, ids[unit]).status_code == status

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("donor", ["", "   ", "\u200b\u202e", None])
    def test_a_donation_names_its_donor(self, api, ids, donor):
        r = donate(api, "official", ids["示范村"], donor=donor)
        assert r.status_code == 422 and error_code(r) == "validation_error"


class TestReading:
    def test_spent_is_what_households_got_net_of_reversals(self, api, ids, demo_engine):
        village = ids["示范村"]
        before = fund(api, "official", village)
        assert before["received"] - before["given"] - before["spent"] == before["balance"]
        hid = api.get("/me", "villager").json()["household_id"]
        award = api.post("/points/awards", "official", json={"household_id": hid, "points": 50, "reason": "好"})
        assert award.status_code == 201
        api.post(f"/points/awards/{award.json()['id']}/reversal", "official", json={"reason": "错了"})
        api.post("/points/awards", "official", json={"household_id": hid, "points": 30, "reason": "好"})
        after = fund(api, "official", village)
        assert after["spent"] == before["spent"] + 30 and after["balance"] == before["balance"] - 30
        assert after["received"] - after["given"] - after["spent"] == after["balance"]
        books_balance(demo_engine)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "unit", "status"), [
        ("official", "示范村", 200), ("town_admin", "示范村", 200), (COUNTY_ADMIN, "示范村", 200),
        ("town_admin", "清河镇", 200), (COUNTY_ADMIN, "清河镇", 200), (COUNTY_ADMIN, "振风县", 200),
        ("official", "清河镇", 404), ("town_admin", "振风县", 404), (OUTSIDER, "示范村", 404),
        ("neighbour", "示范村", 404), ("villager", "示范村", 403), ("attendant", "示范村", 403),
    ])
    def test_who_reads_a_fund(self, api, ids, who, unit, status):
        assert api.get(f"/org-units/{ids[unit]}/fund", who).status_code == status
        assert api.get(f"/org-units/{ids[unit]}/fund/records", who).status_code == status

    def test_a_new_units_fund_reads_as_zero_and_opens_nothing(self, api, ids, demo_engine):
        village = api.post("/org-units", "town_admin", json={"kind": "village", "name": "新村",
                                                             "parent_id": ids["清河镇"]}).json()["id"]
        assert fund(api, "town_admin", village) == {"org_id": village, "balance": 0, "received": 0, "given": 0,
                                                    "spent": 0}
        assert api.get(f"/org-units/{village}/fund/records", "town_admin").json() == {"items": [],
                                                                                      "next_cursor": None}
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(Account).where(Account.org_id == village)).all() == []

    def test_another_countys_admin_finds_nothing_here(self, api, ids, demo_engine):
        with session_for(demo_engine, write=True) as s:
            s.add(OrgUnit(kind="county", name="邻县"))
            s.commit()
        other = add_person(demo_engine, phone="13800000063", name="邻县管理员", role=Role.county_admin, unit="邻县")
        assert budget(api, other, ids["振风县"]).status_code == 404
        assert api.get(f"/org-units/{ids['示范村']}/fund", other).status_code == 404
        with session_for(demo_engine, write=False) as s:
            own = s.exec(select(OrgUnit.id).where(OrgUnit.name == "邻县")).one()
        assert budget(api, other, own, points=100).status_code == 201
        r = allocate(api, other, own, ids["示范村"], points=10)
        assert r.status_code == 404 and error_code(r) == "not_found"

    def test_records_are_paged_newest_first_both_ways(self, api, ids):
        county, town = ids["振风县"], ids["清河镇"]
        assert budget(api, COUNTY_ADMIN, county, points=300).status_code == 201
        for points in (100, 50):
            assert allocate(api, COUNTY_ADMIN, county, town, points=points).status_code == 201
        page = api.get(f"/org-units/{town}/fund/records?limit=1", "town_admin").json()
        assert [r["points"] for r in page["items"]] == [50] and page["next_cursor"]
        rest = api.get(f"/org-units/{town}/fund/records?limit=1&cursor={page['next_cursor']}", "town_admin").json()
        assert [(r["kind"], r["from_org_name"], r["points"]) for r in rest["items"]] == [("allocation", "振风县", 100)]
        county_side = api.get(f"/org-units/{county}/fund/records?limit=3", COUNTY_ADMIN).json()["items"]
        assert [(r["kind"], r["points"]) for r in county_side] == [("allocation", 50), ("allocation", 100),
                                                                   ("budget", 300)]


class TestRate:
    def test_an_official_sets_the_villages_rate(self, api, ids, demo_engine):
        village = ids["示范村"]
        assert api.get(f"/villages/{village}/fund-rate", "official").json()["fen_per_point"] == 100
        r = api.client.put(f"/api/v1/villages/{village}/fund-rate", headers=api.headers("official"),
                           json={"fen_per_point": 50})
        assert r.status_code == 200 and r.json()["fen_per_point"] == 50
        assert api.get(f"/villages/{village}/fund-rate", "town_admin").json()["fen_per_point"] == 50
        assert audit_actions(demo_engine)[-1] == "village.settings"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "value", "status"), [
        ("town_admin", 50, 403), ("villager", 50, 403), (OUTSIDER, 50, 404), ("official", 0, 422),
        ("official", 100_001, 422), ("official", True, 422),
    ])
    def test_refusals(self, api, ids, who, value, status):
        r = api.client.put(f"/api/v1/villages/{ids['示范村']}/fund-rate", headers=api.headers(who),
                           json={"fen_per_point": value})
        assert r.status_code == status, r.text
