"""中心 and 所 act (issue #20 item 5), on SQLite and PostgreSQL: a service of the county 中心 or the township 所 is
dispatched by that level's staff to its own volunteers and teams, or handed down to the village's 站; the served
household confirms and the volunteer's household is credited once through the ledger's door; each level sees its
own orders and no other township's."""

from sqlmodel import select

from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction, TxnKind
from app.org.models import OrgUnit
from tests.conftest import add_person, error_code
from tests.volunteer.conftest import balance_of

COUNTY_ADMIN = "13700020000"
COUNTY_DOCTOR = "13700020001"  # a county volunteer without a household (a doctor of the county hospital)


def unit_id(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def menu_id(api, name: str) -> int:
    return next(s["id"] for s in api.get("/services", "villager").json()["items"] if s["name"] == name)


def order(api, name: str) -> dict:
    r = api.post("/orders", "villager", json={"service_id": menu_id(api, name), "description": "老人血压高，想量一量"})
    assert r.status_code == 201, r.text
    return r.json()


def step(api, who, order_id, action, body=None):
    return api.post(f"/orders/{order_id}/{action}", who, json=body)


def user_id(api, who) -> int:
    return api.get("/me", who).json()["id"]


def county_with_team(api, engine) -> tuple[int, int]:
    """振风县's admin, two county volunteers (陈志强 of 邻村, appointed through the API; a doctor) and their team."""
    add_person(engine, phone=COUNTY_ADMIN, name="县文明办", role="county_admin", unit="振风县")
    add_person(engine, phone=COUNTY_DOCTOR, name="钱医生", role="volunteer", unit="振风县")
    county = unit_id(engine, "振风县")
    r = api.post(f"/org-units/{county}/staff", COUNTY_ADMIN,
                 json={"phone": "13800000007", "name": "陈志强", "role": "volunteer"})
    assert r.status_code == 201, r.text
    members = [user_id(api, "neighbour"), user_id(api, COUNTY_DOCTOR)]
    r = api.post("/volunteer-teams", COUNTY_ADMIN, json={"name": "县义诊志愿队", "org_id": county,
                                                         "member_user_ids": members})
    assert r.status_code == 201, r.text
    assert r.json()["org_id"] == county and r.json()["village_id"] is None
    return county, r.json()["id"]


class TestCountyCentre:
    def test_the_county_dispatches_its_own_service_to_its_team_and_the_served_confirm_once(self, api, demo_engine):
        county, team = county_with_team(api, demo_engine)
        placed = order(api, "义诊体检")
        oid = placed["id"]
        assert placed["station_id"] == county and placed["station"] == "振风县新时代文明实践中心"
        # Not the village's to dispatch, and the village's official reads it only as the pool shows it.
        assert error_code(step(api, "official", oid, "dispatch", {"team_id": team})) == "forbidden"
        seen = api.get(f"/orders/{oid}", "official").json()
        assert seen["household_id"] is None and seen["description"] == "" and seen["status"] == "open"
        # Nor is it in the village volunteers' pool: the county's volunteers take the county's orders.
        assert error_code(step(api, "volunteer", oid, "accept")) == "not_found"
        r = step(api, COUNTY_ADMIN, oid, "dispatch", {"team_id": team})
        assert r.status_code == 200 and r.json()["status"] == "dispatched" and r.json()["team"] == "县义诊志愿队"
        before = balance_of(demo_engine, "陈志强")
        r = step(api, "neighbour", oid, "accept")
        assert r.status_code == 200 and r.json()["volunteer"] == "陈志强"
        assert r.json()["description"] == "老人血压高，想量一量"  # his now: he reads what he needs
        assert step(api, "neighbour", oid, "complete", {"hours": 2, "note": "量了血压"}).status_code == 200
        assert error_code(step(api, "neighbour", oid, "rate", {"stars": 5})) == "conflict_of_interest"  # 回避
        r = step(api, "villager", oid, "rate", {"stars": 5, "comment": "县里的医生很耐心"})
        assert r.status_code == 200 and r.json()["status"] == "rated" and r.json()["points"] == 20
        assert step(api, "villager", oid, "rate", {"stars": 4}).status_code == 409
        # 20 points (邻村's rule: 10 an hour), into 陈志强's household, from 邻村's fund, once.
        assert balance_of(demo_engine, "陈志强") == before + 20
        with session_for(demo_engine, write=False) as s:
            credits = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.service,
                                                             LedgerTransaction.source_id == oid)).all()
            assert len(credits) == 1
            assert check_ledger(s) == []
        assert step(api, COUNTY_ADMIN, oid, "confirm").status_code == 409  # rated already

    def test_the_county_hands_its_order_down_to_the_village_station(self, api, demo_engine):
        county_with_team(api, demo_engine)
        oid = order(api, "义诊体检")["id"]
        li = user_id(api, "volunteer")
        assert error_code(step(api, "official", oid, "hand-down", {})) == "forbidden"
        r = step(api, COUNTY_ADMIN, oid, "hand-down", {"note": "请村卫生室安排"})
        assert r.status_code == 200 and r.json()["status"] == "open"
        assert r.json()["station_id"] == r.json()["village_id"] and r.json()["events"][-1]["label"] == "转交村实践站"
        # Now the village's: the official reads it in full and dispatches it to a village volunteer; the county no
        # longer dispatches it, and its volunteers no longer take it.
        assert api.get(f"/orders/{oid}", "official").json()["description"] == "老人血压高，想量一量"
        assert error_code(step(api, COUNTY_ADMIN, oid, "dispatch", {"volunteer_user_id": li})) == "forbidden"
        assert error_code(step(api, "neighbour", oid, "accept")) in ("forbidden", "not_found")
        assert step(api, COUNTY_ADMIN, oid, "hand-down", {}).status_code in (403, 409)
        r = step(api, "official", oid, "dispatch", {"volunteer_user_id": li})
        assert r.status_code == 200 and r.json()["volunteer"] == "李志愿"

    def test_a_county_order_goes_to_county_volunteers_only(self, api, demo_engine):
        county_with_team(api, demo_engine)
        oid = order(api, "义诊体检")["id"]
        li = user_id(api, "volunteer")
        r = step(api, COUNTY_ADMIN, oid, "dispatch", {"volunteer_user_id": li})
        assert r.status_code == 422 and error_code(r) == "validation_error"  # a village volunteer
        village_team = api.get("/volunteer-teams", "official").json()["items"][0]["id"]
        assert step(api, COUNTY_ADMIN, oid, "dispatch", {"team_id": village_team}).status_code == 422
        r = step(api, COUNTY_ADMIN, oid, "dispatch", {"volunteer_user_id": user_id(api, COUNTY_DOCTOR)})
        assert r.status_code == 200 and r.json()["volunteer"] == "钱医生"


class TestTownshipStation:
    def test_the_town_admin_appoints_forms_a_team_and_dispatches_a_township_service(self, api, demo_engine):
        township = unit_id(demo_engine, "清河镇")
        r = api.post(f"/org-units/{township}/staff", "town_admin",
                     json={"phone": "13800000007", "name": "陈志强", "role": "volunteer"})
        assert r.status_code == 201, r.text
        assert api.post(f"/org-units/{township}/staff", "official",
                        json={"phone": "13800000003", "name": "李志愿", "role": "volunteer"}).status_code in (403, 404)
        chen = user_id(api, "neighbour")
        r = api.post("/volunteer-teams", "town_admin", json={"name": "清河镇宣讲队", "org_id": township,
                                                             "member_user_ids": [chen]})
        assert r.status_code == 201, r.text
        assert api.post("/volunteer-teams", "official", json={"name": "越级队", "org_id": township}).status_code == 404
        oid = order(api, "政策宣讲进院坝")["id"]
        # The township volunteer (of 邻村) sees the 所's open order of 示范村 in his pool, not 示范村's own orders.
        pool = {o["id"]: o for o in api.get("/orders?status=open", "neighbour").json()["items"]}
        assert oid in pool and pool[oid]["household_id"] is None
        assert all(o["station_id"] == township for o in pool.values())
        r = step(api, "town_admin", oid, "dispatch", {"volunteer_user_id": chen})
        assert r.status_code == 200 and r.json()["volunteer"] == "陈志强" and r.json()["status"] == "dispatched"
        # The village official cannot re-dispatch or cancel the 所's order.
        assert error_code(step(api, "official", oid, "cancel", {"reason": "不要了"})) == "forbidden"
        assert error_code(step(api, "official", oid, "dispatch", {"volunteer_user_id": chen})) == "forbidden"
        assert step(api, "neighbour", oid, "accept").json()["status"] == "accepted"

    def test_the_town_admin_no_longer_dispatches_the_village_stations_orders(self, api):
        oid = api.post("/orders", "villager", json={"service_id": menu_id(api, "理发")}).json()["id"]
        li = user_id(api, "volunteer")
        assert error_code(step(api, "town_admin", oid, "dispatch", {"volunteer_user_id": li})) == "forbidden"
        assert error_code(step(api, "town_admin", oid, "hand-down", {})) == "forbidden"

    def test_another_township_never_sees_the_order(self, api, demo_engine):
        county_with_team(api, demo_engine)
        county, township = unit_id(demo_engine, "振风县"), unit_id(demo_engine, "清河镇")
        made = api.post("/org-units", COUNTY_ADMIN, json={"kind": "township", "name": "东山镇", "parent_id": county})
        assert made.status_code == 201, made.text
        other = add_person(demo_engine, phone="13700020002", name="吴镇长", role="town_admin", unit="东山镇")
        oid = order(api, "政策宣讲进院坝")["id"]
        for action, body in (("dispatch", {"volunteer_user_id": user_id(api, "volunteer")}), ("hand-down", {}),
                             ("reject", {"reason": "不归我们"})):
            assert error_code(step(api, other, oid, action, body)) == "not_found"
        assert api.get(f"/orders/{oid}", other).status_code == 404
        assert oid not in {o["id"] for o in api.get("/orders", other).json()["items"]}
        assert api.get(f"/volunteer-teams?org_id={township}", other).status_code == 404
        assert api.post("/volunteer-teams", other, json={"name": "越界队", "org_id": township}).status_code == 404
        # The county admin is not the 所: the 所's order is the town admin's to dispatch.
        assert error_code(step(api, COUNTY_ADMIN, oid, "dispatch",
                               {"volunteer_user_id": user_id(api, COUNTY_DOCTOR)})) == "forbidden"


class TestBadges:
    def test_the_town_admins_service_badge_counts_the_sos_new_orders(self, api):
        before = api.get("/me/service-badges", "town_admin").json()["station"]
        official = api.get("/me/service-badges", "official").json()["station"]
        order(api, "政策宣讲进院坝")
        assert api.get("/me/service-badges", "town_admin").json()["station"] == before + 1
        assert api.get("/me/service-badges", "official").json()["station"] == official  # not the village's to do
