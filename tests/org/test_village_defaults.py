"""A new village starts with sensible defaults (issue #17 item 6), on both databases: the plan's six-category
criteria catalogue, the service menu template and the 小微权力清单 (第 1 版) — made by `POST /org-units` and by
`create-admin --tree` (app.org.setup.ensure_county) — editable, with a 7th category 其他 allowed."""

from sqlmodel import func, select

from app.db import session_for
from app.disclosure.models import SmallPower, SmallPowerVersion
from app.disclosure.powers import DEFAULT_POWERS
from app.evaluation.criteria import DEFAULT_CRITERIA
from app.evaluation.models import Criterion
from app.org.models import OrgKind, OrgUnit
from app.org.setup import ensure_county
from app.volunteer.catalogue import DEFAULT_MENU
from app.volunteer.models import VolunteerService
from tests.conftest import add_person

SIX = {"hard_work", "filial", "customs", "hygiene", "law", "public_good"}
NEW_OFFICIAL = "13800000093"


def new_village(api, name="柳林村") -> int:
    town = api.get("/me", "town_admin").json()["roles"][0]["org_id"]
    made = api.post("/org-units", "town_admin", json={"kind": "village", "name": name, "parent_id": town})
    assert made.status_code == 201, made.text
    return made.json()["id"]


class TestANewVillageFromTheApi:
    def test_it_has_the_criteria_the_menu_and_the_list(self, api):
        vid = new_village(api)
        criteria = api.get(f"/criteria?village_id={vid}", "town_admin").json()["items"]
        assert len(criteria) == len(DEFAULT_CRITERIA)
        assert {c["category"] for c in criteria} == SIX
        assert {c["name"] for c in criteria} >= {"赡养老人尽心", "红白喜事简办", "庭院整洁、垃圾分类"}
        menu = api.get(f"/services?village_id={vid}", "town_admin").json()["items"]
        own = [s for s in menu if s["level"] == "village"]
        assert {s["name"] for s in own} == {m[0] for m in DEFAULT_MENU}
        assert all(s["provider"] == "柳林村新时代文明实践站" for s in own)
        powers = api.get(f"/villages/{vid}/small-powers", "town_admin").json()
        assert powers["version"] == 1 and len(powers["items"]) == len(DEFAULT_POWERS)
        assert powers["items"][0]["name"] == "低保申请" and powers["items"][0]["steps"].count("\n") == 4

    def test_its_official_edits_them_and_adds_a_seventh_category(self, api, demo_engine):
        vid = new_village(api)
        add_person(demo_engine, phone=NEW_OFFICIAL, name="柳林村书记", role="official", unit="柳林村")
        other = api.post("/criteria", NEW_OFFICIAL, json={"village_id": vid, "category": "other",
                                                          "name": "参加村集体劳动", "points": 3})
        assert other.status_code == 201, other.text
        first = api.get(f"/criteria?village_id={vid}", NEW_OFFICIAL).json()["items"][0]
        changed = api.patch(f"/criteria/{first['id']}", NEW_OFFICIAL, json={"points": 8})
        assert changed.status_code == 200 and changed.json()["points"] == 8
        assert {c["category"] for c in api.get(f"/criteria?village_id={vid}", NEW_OFFICIAL).json()["items"]} \
            == SIX | {"other"}

    def test_an_unknown_category_is_still_refused(self, api):
        r = api.post("/criteria", "official", json={"village_id": api.get("/me", "official").json()["village_id"],
                                                    "category": "sports", "name": "篮球", "points": 1})
        assert r.status_code == 422

    def test_a_township_gets_nothing(self, api, demo_engine):
        with session_for(demo_engine, write=False) as s:
            county_id = s.exec(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.county)).one()
            before = s.exec(select(func.count()).select_from(Criterion)).one()
        add_person(demo_engine, phone="13800000094", name="县管理员", role="county_admin", unit="振风县")
        town = api.post("/org-units", "13800000094", json={"kind": "township", "name": "柳林镇",
                                                           "parent_id": county_id})
        assert town.status_code == 201
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(func.count()).select_from(Criterion)).one() == before


class TestANewVillageFromTheCommandLine:
    def test_ensure_county_starts_new_villages_once(self, engine):
        for _ in range(2):  # run twice: the second run changes nothing
            with session_for(engine, write=True) as s:
                ensure_county(s, name="振风县", tree={"柳林镇": ["柳林村", "河口村"]})
                s.commit()
        with session_for(engine, write=False) as s:
            for name in ("柳林村", "河口村"):
                vid = s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()
                assert len(s.exec(select(Criterion).where(Criterion.village_id == vid)).all()) \
                    == len(DEFAULT_CRITERIA)
                assert len(s.exec(select(VolunteerService).where(VolunteerService.org_id == vid)).all()) \
                    == len(DEFAULT_MENU)
                assert [v.version for v in s.exec(select(SmallPowerVersion)
                                                  .where(SmallPowerVersion.village_id == vid))] == [1]
                assert len(s.exec(select(SmallPower).where(SmallPower.village_id == vid)).all()) \
                    == len(DEFAULT_POWERS)
