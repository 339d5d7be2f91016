"""婚丧事报备 through the JSON API (shared/api-v1.md "婚丧事报备"): the published standards and who sets them; a
filing checked against them line by line; privacy (the family and the council only); the outcome's points on the
household's history; hostile input. SQLite only: the rules are Python; the money paths run on both engines in
test_service.py and the isolation matrix reads on both."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.org.models import Household
from tests.ceremonies.conftest import WITHIN, day, file, wang
from tests.conftest import add_person, error_code
from tests.councils.conftest import council_id, user_id

pytestmark = pytest.mark.sqlite_only


class TestStandards:
    def test_published_to_the_village_and_set_by_its_officials(self, api, demo_engine):
        village = wang(demo_engine).village_id
        path = f"/villages/{village}/ceremony-standards"
        assert api.get(path, "villager").json() == {"village_id": village, "max_tables": 10, "max_guests": 100,
                                                    "max_cost": 20_000, "max_gift": 200, "other_tables": 0,
                                                    "points": 10}
        put = api.client.put(f"/api/v1{path}", headers=api.headers("official"), json={"max_tables": 6, "points": 5})
        assert put.status_code == 200 and put.json()["max_tables"] == 6 and put.json()["max_guests"] == 100
        assert api.get(path, "villager").json()["points"] == 5
        for who, status in (("villager", 403), ("committee", 403), ("neighbour", 404)):
            r = api.client.put(f"/api/v1{path}", headers=api.headers(who), json={"points": 50})
            assert r.status_code == status, (who, r.text)
        bad = api.client.put(f"/api/v1{path}", headers=api.headers("official"), json={"max_cost": -1})
        assert bad.status_code == 422 and error_code(bad) == "validation_error"
        audit = api.get(f"/villages/{village}/audit", "official").json()["items"]
        assert any("婚丧事酒席桌数上限：10 → 6" in str(a) for a in audit)


class TestFiling:
    def test_within_and_over_are_said_at_once_line_by_line(self, api):
        within = file(api)
        assert within["within_standards"] is True and within["over"] == [] and within["status"] == "filed"
        over = file(api, tables=16, gift_limit=500)
        assert over["within_standards"] is False
        assert [(o["rule"], o["value"], o["limit"]) for o in over["over"]] == [("max_tables", 16, 10),
                                                                                ("max_gift", 500, 200)]
        other = file(api, kind="other", tables=3, guests=20, cost=2000)  # 乔迁: the village holds none
        assert [(o["rule"], o["limit"]) for o in other["over"]] == [("other_tables", 0)]
        assert [f["id"] for f in api.get("/ceremonies", "villager").json()["items"]] == [
            other["id"], over["id"], within["id"]]
        assert {f["id"] for f in api.get("/ceremonies/queue", "committee").json()["items"]} == {
            other["id"], over["id"], within["id"]}
        told = api.get("/me/messages", "committee").json()["items"]
        assert any("婚事报备待备案" in m["text"] for m in told)

    def test_the_same_key_files_once(self, api):
        body = {**WITHIN, "event_date": day(5)}
        first = api.post("/ceremonies", "villager", json=body, key="cer-1")
        again = api.post("/ceremonies", "villager", json=body, key="cer-1")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        other = api.post("/ceremonies", "villager", json={**body, "tables": 9}, key="cer-1")
        assert other.status_code == 409 and error_code(other) == "idempotency_conflict"
        assert len(api.get("/ceremonies", "villager").json()["items"]) == 1

    @pytest.mark.parametrize("change", [
        {"event_date": "2026-02-30"}, {"event_date": "明天"}, {"event_date": day(400)}, {"event_date": day(-60)},
        {"kind": "birthday"}, {"tables": -1}, {"tables": True}, {"cost": 2**63}, {"guests": "80"},
        {"place": "\u202e\u200b"}, {"note": "长" * 201}, {"household_id": 2**31}])
    def test_hostile_input_is_a_clear_422(self, api, change):
        r = api.post("/ceremonies", "villager", json={**WITHIN, "event_date": day(), **change})
        assert r.status_code == 422 and error_code(r) == "validation_error", r.text
        assert api.get("/ceremonies", "villager").json()["items"] == []

    def test_staff_without_a_household_files_only_on_a_households_behalf(self, api):
        r = api.post("/ceremonies", "committee", json={**WITHIN, "event_date": day()})
        assert r.status_code == 403
        neighbour = api.get("/me", "neighbour").json()["household_id"]
        r = api.post("/ceremonies", "official", json={**WITHIN, "event_date": day(), "household_id": neighbour})
        assert r.status_code == 404
        li = api.get("/me", "volunteer").json()["household_id"]
        r = api.post("/ceremonies", "villager", json={**WITHIN, "event_date": day(), "household_id": li})
        assert r.status_code == 404  # a villager files for their own household only


class TestPrivacy:
    def test_the_family_and_the_council_read_it_and_nobody_else(self, api, filing_id):
        for who in ("villager", "official", "committee"):
            r = api.get(f"/ceremonies/{filing_id}", who)
            assert r.status_code == 200 and r.json()["place"] == "村文化礼堂", who
        for who in ("volunteer", "attendant", "neighbour", "town_admin"):  # same village, another household …
            r = api.get(f"/ceremonies/{filing_id}", who)
            assert r.status_code == 404 and error_code(r) == "not_found", who
            assert "村文化礼堂" not in r.text
        assert api.get("/ceremonies/queue", "volunteer").json()["items"] == []
        for who in ("volunteer", "villager"):
            r = api.post(f"/ceremonies/{filing_id}/outcome", who, json={"tables": 8, "guests": 80, "cost": 1})
            assert r.status_code in (403, 404), who
        assert api.get(f"/ceremonies/{2**31}", "official").status_code == 404


    def test_a_member_of_the_red_white_council_answers_it_while_seated(self, api, demo_engine, filing_id):
        """The 红白理事会's members are the council (app/councils): a villager seated on it reads and acknowledges a
        family's filing; the day they leave it, they no longer see it."""
        with session_for(demo_engine, write=False) as s:
            zhao = s.exec(select(Household.id).where(Household.head_name == "赵德明")).one()
        phone = add_person(demo_engine, phone="13900000070", name="赵理事", role="villager", unit="示范村",
                           household_id=zhao)
        fresh = file(api, note="另一件")
        assert api.get(f"/ceremonies/{fresh['id']}", phone).status_code == 404
        council = council_id(demo_engine, "ceremonies")
        seat = api.post(f"/councils/{council}/members", "official", json={"user_id": user_id(demo_engine, phone)})
        assert seat.status_code == 201, seat.text
        assert fresh["id"] in [f["id"] for f in api.get("/ceremonies/queue", phone).json()["items"]]
        done = api.post(f"/ceremonies/{fresh['id']}/acknowledge", phone, json={"advice": "酒席从简"})
        assert done.status_code == 200 and done.json()["status"] == "acknowledged", done.text
        assert api.post(f"/councils/{council}/members/{seat.json()['id']}/remove", "official").status_code == 200
        assert api.get(f"/ceremonies/{fresh['id']}", phone).status_code == 404


class TestOutcomeThroughTheApi:
    def test_points_on_the_households_history_and_its_message(self, api, demo_engine, filing_id):
        household = wang(demo_engine)
        acknowledged = api.get(f"/ceremonies/{filing_id}", "villager").json()
        assert acknowledged["status"] == "acknowledged" and acknowledged["advice"] == "不放鞭炮"
        done = api.post(f"/ceremonies/{filing_id}/outcome", "committee",
                        json={"tables": 8, "guests": 76, "cost": 13_500, "note": "简朴"})
        assert done.status_code == 200, done.text
        body = done.json()
        assert (body["status"], body["within"], body["points"], body["credit_status"]) == ("done", True, 10, "posted")
        history = api.get(f"/households/{household.id}/ledger", "villager").json()["items"]
        assert history[0]["kind"] == "ceremony" and history[0]["amount"] == 10 and "按标准办理" in history[0]["reason"]
        told = api.get("/me/messages", "villager").json()["items"]
        assert any("+10 分已到账" in m["text"] for m in told)
        wrong = api.post(f"/ceremonies/{filing_id}/outcome", "official",
                         json={"tables": 8, "guests": 80, "cost": 1, "within": "yes"})
        assert wrong.status_code == 422
