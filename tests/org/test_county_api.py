"""The county's tree and its staff through the JSON API (issue #17 items 1 and 2), on both engines."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.org.models import OrgAction, OrgUnit, Role, User
from app.shop.models import Shop, ShopStaff
from tests.conftest import DEMO, add_person, error_code

COUNTY_ADMIN = "13800000060"


def county_admin(engine) -> str:
    """振风县's county admin (the demo world has none): their phone."""
    return add_person(engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")


def unit_id(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def shop_id(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Shop.id).where(Shop.name == "振风超市")).one()


def make(api, who, kind, name, parent_id):
    return api.post("/org-units", who, json={"kind": kind, "name": name, "parent_id": parent_id})


def appoint(api, who, unit, role, phone="13911110001", name="新同志", **extra):
    return api.post(f"/org-units/{unit}/staff", who, json={"phone": phone, "name": name, "role": role, **extra})


def audit_actions(engine) -> list[str]:
    with session_for(engine, write=False) as s:
        return list(s.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def ids(demo_engine) -> dict[str, int]:
    county_admin(demo_engine)
    return {name: unit_id(demo_engine, name) for name in ("振风县", "清河镇", "示范村", "邻村")}


class TestCreateUnit:
    def test_the_county_admin_makes_townships_and_their_villages(self, api, ids, demo_engine):
        town = make(api, COUNTY_ADMIN, "township", " 柳林镇 ", ids["振风县"])
        assert town.status_code == 201, town.text
        assert town.json() == {"id": town.json()["id"], "kind": "township", "name": "柳林镇",
                               "parent_id": ids["振风县"]}
        village = make(api, COUNTY_ADMIN, "village", "柳林村", town.json()["id"])
        assert village.status_code == 201 and village.json()["parent_id"] == town.json()["id"]
        got = api.get(f"/org-units/{town.json()['id']}", COUNTY_ADMIN).json()
        assert [c["name"] for c in got["children"]] == ["柳林村"]
        assert audit_actions(demo_engine)[-2:] == [OrgAction.unit_create.value] * 2

    def test_a_town_admin_makes_villages_of_their_township_only(self, api, ids):
        assert make(api, "town_admin", "village", "新村", ids["清河镇"]).status_code == 201
        other = make(api, COUNTY_ADMIN, "township", "柳林镇", ids["振风县"]).json()["id"]
        assert make(api, "town_admin", "village", "越界村", other).status_code == 404
        assert make(api, "town_admin", "township", "自封镇", ids["振风县"]).status_code == 403

    def test_an_official_makes_the_groups_of_their_village(self, api, ids):
        group = make(api, "official", "group", "一组", ids["示范村"])
        assert group.status_code == 201 and group.json()["kind"] == "group"
        assert make(api, "official", "group", "一组", ids["邻村"]).status_code == 404
        assert make(api, "official", "village", "新村", ids["清河镇"]).status_code == 403
        names = [c["name"] for c in api.get(f"/org-units/{ids['示范村']}", "villager").json()["children"]]
        assert names == ["一组"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "attendant", "volunteer", "committee"])
    def test_anyone_else_is_refused(self, api, ids, who):
        r = make(api, who, "group", "一组", ids["示范村"])
        assert r.status_code == 403 and error_code(r) == "forbidden"

    def test_a_unit_goes_under_its_kind_of_parent_and_is_named(self, api, ids):
        assert make(api, COUNTY_ADMIN, "village", "直属村", ids["振风县"]).status_code == 422
        assert make(api, COUNTY_ADMIN, "county", "二县", ids["振风县"]).status_code == 422
        assert make(api, "official", "group", "\u200b ", ids["示范村"]).status_code == 422
        assert make(api, "official", "group", "组" * 101, ids["示范村"]).status_code == 422


class TestReadAndRename:
    def test_another_village_is_not_found(self, api, ids):
        assert api.get(f"/org-units/{ids['邻村']}", "official").status_code == 404
        assert api.get(f"/org-units/{ids['振风县']}", "villager").status_code == 404
        assert api.get(f"/org-units/{ids['示范村']}", "neighbour").status_code == 404

    def test_rename_by_who_may_make_it(self, api, ids, demo_engine):
        r = api.patch(f"/org-units/{ids['示范村']}", "town_admin", json={"name": "示范新村"})
        assert r.status_code == 200 and r.json()["name"] == "示范新村"
        assert api.patch(f"/org-units/{ids['示范村']}", "official", json={"name": "自改"}).status_code == 403
        assert api.patch(f"/org-units/{ids['邻村']}", "official", json={"name": "他改"}).status_code == 404
        assert audit_actions(demo_engine)[-1] == OrgAction.unit_rename.value

    def test_a_village_is_never_deleted(self, api, ids):
        r = api.client.delete(f"/api/v1/org-units/{ids['示范村']}", headers=api.headers(COUNTY_ADMIN))
        assert r.status_code == 405


MATRIX = [  # who, unit, role, status
    (COUNTY_ADMIN, "清河镇", "town_admin", 201), (COUNTY_ADMIN, "示范村", "official", 201),
    (COUNTY_ADMIN, "示范村", "committee", 403), (COUNTY_ADMIN, "振风县", "county_admin", 422),
    ("town_admin", "示范村", "official", 201), ("town_admin", "清河镇", "town_admin", 403),
    ("town_admin", "示范村", "volunteer", 403),
    ("official", "示范村", "committee", 201), ("official", "示范村", "volunteer", 201),
    ("official", "示范村", "official", 403), ("official", "清河镇", "town_admin", 404),
    ("official", "邻村", "volunteer", 404),
    ("villager", "示范村", "volunteer", 403), ("attendant", "示范村", "volunteer", 403),
    ("neighbour", "示范村", "volunteer", 404),
]


class TestAppoint:
    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "unit", "role", "status"), MATRIX,
                             ids=[f"{w}-{u}-{r}" for w, u, r, _ in MATRIX])
    def test_who_may_appoint_whom(self, api, ids, who, unit, role, status):
        r = appoint(api, who, ids[unit], role)
        assert r.status_code == status, r.text
        if status == 201:
            assert r.json()["role"] == role and r.json()["org_id"] == ids[unit]

    def test_an_attendant_joins_a_shop_of_the_village(self, api, ids, demo_engine):
        shop = shop_id(demo_engine)
        assert appoint(api, "official", ids["示范村"], "attendant").status_code == 422  # no shop named
        r = appoint(api, "official", ids["示范村"], "attendant", shop_id=shop)
        assert r.status_code == 201
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(ShopStaff).where(ShopStaff.user_id == r.json()["user_id"])).one().shop_id == shop
        staff = api.get(f"/org-units/{ids['示范村']}/staff", "official").json()["items"]
        assert {"user_id": r.json()["user_id"], "name": "新同志", "phone": "13911110001", "role": "attendant",
                "shop_id": shop} in staff

    def test_a_shop_of_another_village_is_not_found(self, api, ids, demo_engine):
        made = make(api, COUNTY_ADMIN, "village", "柳林村", ids["清河镇"]).json()["id"]
        r = appoint(api, COUNTY_ADMIN, made, "official", phone="13911110002")
        token = api.post("/auth/login", json={"phone": "13911110002", "password": r.json()["one_time_password"]})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        changed = api.client.post("/api/v1/me/password", headers=headers, json={"password": "my-own-pass-97"})
        headers = {"Authorization": f"Bearer {changed.json()['access_token']}"}
        r = api.client.post(f"/api/v1/org-units/{made}/staff", headers=headers,
                            json={"phone": "13911110003", "name": "店员", "role": "attendant",
                                  "shop_id": shop_id(demo_engine)})  # 振风超市 is 示范村's
        assert r.status_code == 404, r.text

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_nobody_appoints_themselves(self, api, ids):
        r = appoint(api, "official", ids["示范村"], "volunteer", phone=DEMO["official"])
        assert r.status_code == 403 and error_code(r) == "forbidden"
        assert appoint(api, COUNTY_ADMIN, ids["示范村"], "official", phone=COUNTY_ADMIN).status_code == 403

    def test_an_existing_user_gets_the_role_added(self, api, ids):
        before = api.get("/me", "villager").json()
        r = appoint(api, "official", ids["示范村"], "volunteer", phone=DEMO["villager"], name="别的名字")
        assert r.status_code == 201 and "one_time_password" not in r.json()
        assert r.json()["user_id"] == before["id"]
        after = api.get("/me", "villager").json()  # the same session goes on, now a volunteer too
        assert {x["role"] for x in after["roles"]} == {"villager", "volunteer"}
        assert after["household_id"] == before["household_id"] and after["name"] == "王建国"

    def test_a_duplicate_role_is_a_conflict(self, api, ids):
        r = appoint(api, "official", ids["示范村"], "volunteer", phone=DEMO["volunteer"])
        assert r.status_code == 409 and error_code(r) == "conflict"

    def test_a_new_user_must_change_the_one_time_password(self, api, ids):
        r = appoint(api, "town_admin", ids["示范村"], "official", phone="13911110009", name="钱主任")
        assert r.status_code == 201
        one_time = r.json()["one_time_password"]
        login = api.post("/auth/login", json={"phone": "13911110009", "password": one_time})
        assert login.status_code == 200 and login.json()["user"]["must_change_password"] is True
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        held = api.client.get("/api/v1/households", headers=headers)
        assert held.status_code == 403 and error_code(held) == "password_change_required"
        changed = api.client.post("/api/v1/me/password", headers=headers, json={"password": "my-own-pass-97"})
        assert changed.status_code == 200
        headers = {"Authorization": f"Bearer {changed.json()['access_token']}"}
        assert api.client.get("/api/v1/households", headers=headers).status_code == 200
        listed = api.get(f"/org-units/{ids['示范村']}/staff", "town_admin").json()["items"]
        assert {"user_id": r.json()["user_id"], "name": "钱主任", "phone": "13911110009", "role": "official",
                "shop_id": None} in listed


class TestStaffList:
    def test_those_who_appoint_and_the_officials_read_it(self, api, ids):
        listed = api.get(f"/org-units/{ids['示范村']}/staff", "official").json()["items"]
        assert {(x["name"], x["role"]) for x in listed} >= {("张书记", "official"), ("刘店长", "attendant"),
                                                            ("孙老师", "committee"), ("李志愿", "volunteer")}
        assert all(x["role"] != "villager" for x in listed)
        assert api.get(f"/org-units/{ids['示范村']}/staff", "town_admin").status_code == 200
        assert api.get(f"/org-units/{ids['清河镇']}/staff", COUNTY_ADMIN).json()["items"][0]["name"] == "周镇长"

    def test_others_are_refused_or_do_not_find_it(self, api, ids):
        assert api.get(f"/org-units/{ids['示范村']}/staff", "villager").status_code == 403
        assert api.get(f"/org-units/{ids['示范村']}/staff", "committee").status_code == 403
        assert api.get(f"/org-units/{ids['示范村']}/staff", "neighbour").status_code == 404
        assert api.get(f"/org-units/{ids['清河镇']}/staff", "official").status_code == 404


def remove(api, who, unit, user_id, role):
    return api.client.delete(f"/api/v1/org-units/{unit}/staff/{user_id}", params={"role": role},
                             headers=api.headers(who))


class TestRemove:
    @pytest.fixture(autouse=True)
    def forget_tokens(self, api):
        """A removal moves the token version on: the run's cached demo tokens must not outlive this world."""
        yield
        for who in ("committee", "attendant", "town_admin", "volunteer"):
            api.tokens.pop(who, None)

    def test_removal_revokes_at_once_and_keeps_the_record(self, api, ids, demo_engine):
        committee = api.get("/me", "committee").json()["id"]
        token = api.headers("committee")
        assert api.client.get("/api/v1/me", headers=token).status_code == 200
        r = remove(api, "official", ids["示范村"], committee, "committee")
        assert r.status_code == 204
        assert api.client.get("/api/v1/me", headers=token).status_code == 401
        api.tokens.pop("committee")
        assert api.get("/me", "committee").json()["roles"] == []
        listed = api.get(f"/org-units/{ids['示范村']}/staff", "official").json()["items"]
        assert committee not in [x["user_id"] for x in listed]
        assert audit_actions(demo_engine)[-1] == OrgAction.staff_remove.value
        with session_for(demo_engine, write=False) as s:
            assert s.get(User, committee) is not None  # what they did stays on record
        assert remove(api, "official", ids["示范村"], committee, "committee").status_code == 404

    def test_an_attendant_leaves_the_shop(self, api, ids, demo_engine):
        attendant = api.get("/me", "attendant").json()["id"]
        assert remove(api, "official", ids["示范村"], attendant, "attendant").status_code == 204
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(ShopStaff).where(ShopStaff.user_id == attendant)).first() is None

    def test_nobody_removes_themselves_nor_outside_their_reach(self, api, ids):
        official = api.get("/me", "official").json()["id"]
        town_admin = api.get("/me", "town_admin").json()["id"]
        assert remove(api, "official", ids["示范村"], official, "official").status_code == 403
        assert remove(api, "town_admin", ids["清河镇"], town_admin, "town_admin").status_code == 403
        assert remove(api, COUNTY_ADMIN, ids["清河镇"], town_admin, "town_admin").status_code == 204
        volunteer = api.get("/me", "volunteer").json()["id"]
        assert remove(api, "neighbour", ids["示范村"], volunteer, "volunteer").status_code == 404
        assert remove(api, "villager", ids["示范村"], volunteer, "volunteer").status_code == 403
