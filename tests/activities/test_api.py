"""文明实践活动 through the API, on SQLite and PostgreSQL: publish → sign up (full, double, cancel) → check in by the
organiser's code (valid, expired, another activity's) or the list → close: each attendee's household credited once
(closing twice or at once), no-shows listed, the organiser's own household left to a second person (回避); who sees
what; hostile input."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.activities import service
from app.activities.models import Activity
from app.db import session_for
from app.ledger.check import check_ledger
from app.org.access import load_actor
from app.org.models import User
from app.timeutil import utcnow
from tests.activities.conftest import balance_of, household_id, in_a_day, other_township, start, user_id
from tests.conftest import TEST_SECRET, add_person, error_code
from tests.ledger.test_races import in_transaction, run_all
from tests.shop.test_goods_api import jpeg_bytes


def code_for(api, activity_id: int, who: str = "official") -> str:
    r = api.get(f"/activities/{activity_id}/checkin-code", who)
    assert r.status_code == 200, r.text
    assert r.json()["url"].endswith(f"/a/{r.json()['token']}")
    return r.json()["token"]


class TestPublish:
    def test_a_station_publishes_for_its_village(self, api, new_activity):
        made = new_activity(points=8, places=20, kind="义诊")
        assert made["status"] == "open" and made["taken"] == 0 and made["points"] == 8 and made["kind"] == "义诊"
        assert made["organiser"] == "示范村新时代文明实践站" and made["may_organise"] is True
        seen = api.get(f"/activities/{made['id']}", "villager").json()
        assert seen["title"] == "村口卫生大扫除" and seen["may_organise"] is False and seen["signups"] is None
        assert made["id"] in [a["id"] for a in api.get("/activities", "volunteer").json()["items"]]

    def test_a_villager_cannot_publish(self, api):
        r = api.post("/activities", "villager", json={"title": "我的活动", "starts_at": in_a_day(), "place": "家",
                                                       "places": 3, "points": 1})
        assert r.status_code == 403 and error_code(r) == "forbidden"

    def test_a_village_activity_is_not_the_neighbours(self, api, new_activity):
        made = new_activity()
        r = api.get(f"/activities/{made['id']}", "neighbour")
        assert r.status_code == 404 and error_code(r) == "not_found"
        assert made["id"] not in [a["id"] for a in api.get("/activities", "neighbour").json()["items"]]
        assert api.post(f"/activities/{made['id']}/signups", "neighbour").status_code == 404

    def test_a_township_activity_reaches_its_villages_only(self, api, demo_engine, new_activity):
        outsider = other_township(demo_engine)
        made = new_activity("town_admin", title="政策宣讲会")
        assert made["organiser"].endswith("新时代文明实践所")
        for who in ("villager", "neighbour"):  # 示范村 and 邻村 are both 清河镇's
            assert api.get(f"/activities/{made['id']}", who).status_code == 200
        assert api.post(f"/activities/{made['id']}/signups", "neighbour").status_code == 201
        r = api.get(f"/activities/{made['id']}", outsider)
        assert r.status_code == 404
        assert api.get("/activities", outsider).json()["items"] == []
        assert api.post(f"/activities/{made['id']}/signups", outsider).status_code == 404

    def test_an_official_cannot_publish_for_the_township(self, api):
        township = api.get("/me", "town_admin").json()["roles"][0]["org_id"]
        r = api.post("/activities", "official", json={"title": "越级", "starts_at": in_a_day(), "place": "镇上",
                                                       "places": 3, "points": 1, "org_id": township})
        assert r.status_code in (403, 404)

    def test_the_same_key_publishes_once(self, api):
        body = {"title": "文艺演出", "starts_at": in_a_day(), "place": "戏台", "places": 50, "points": 2}
        first = api.post("/activities", "official", json=body, key="act-1")
        again = api.post("/activities", "official", json=body, key="act-1")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]


class TestHostileInput:
    @pytest.mark.sqlite_only  # refused by the request's schema before any SQL: the same on both engines
    @pytest.mark.parametrize("change", [{"places": 2**70}, {"places": 0}, {"points": -1}, {"points": 2**70},
                                        {"starts_at": "99999-01-01T00:00:00+08:00"},
                                        {"starts_at": "2001-01-01T09:00:00+08:00"}, {"title": "\u202e\u200b "},
                                        {"title": "长" * 41}, {"places": True}, {"hours": float("inf")}])
    def test_refused_in_words(self, api, change):
        body = {"title": "大扫除", "starts_at": in_a_day(), "place": "村口", "places": 3, "points": 1, **change}
        r = api.client.post("/api/v1/activities", headers=api.headers("official"),
                            content=__import__("json").dumps(body).replace("Infinity", "1e999"),
                            )
        assert r.status_code == 422, r.text
        assert error_code(r) == "validation_error"

    def test_bidi_controls_are_taken_out_of_the_title(self, new_activity):
        made = new_activity(title="\u202e大扫除\u200b")
        assert made["title"] == "大扫除"

    @pytest.mark.sqlite_only  # refused by the body's size before it is read
    def test_a_huge_body_is_refused_before_it_is_read(self, api):
        r = api.post("/activities", "official", json={"title": "大" * 2_000_000, "starts_at": in_a_day(),
                                                       "place": "村口", "places": 3, "points": 1})
        assert r.status_code == 413

    def test_ids_beyond_64_bits_name_nothing(self, api):
        assert api.get(f"/activities/{2**70}", "villager").status_code == 404
        assert api.post(f"/activities/{2**70}/signups", "villager").status_code == 404


class TestSignups:
    def test_a_double_tap_is_one_signup(self, api, new_activity):
        made = new_activity()
        first = api.post(f"/activities/{made['id']}/signups", "villager")
        again = api.post(f"/activities/{made['id']}/signups", "villager")
        assert first.status_code == again.status_code == 201 and first.json() == again.json()
        assert api.get(f"/activities/{made['id']}", "official").json()["taken"] == 1

    def test_full_is_refused_and_a_cancel_frees_the_place(self, api, new_activity):
        made = new_activity(places=1)
        assert api.post(f"/activities/{made['id']}/signups", "villager").status_code == 201
        r = api.post(f"/activities/{made['id']}/signups", "volunteer")
        assert r.status_code == 409 and error_code(r) == "activity_full" and "名额已满" in r.json()["error"]["message"]
        cancelled = api.post(f"/activities/{made['id']}/signups/cancel", "villager")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert api.post(f"/activities/{made['id']}/signups", "volunteer").status_code == 201
        assert api.get(f"/activities/{made['id']}", "official").json()["taken"] == 1

    def test_no_cancel_once_it_has_started(self, api, demo_engine, new_activity):
        made = new_activity()
        api.post(f"/activities/{made['id']}/signups", "villager")
        start(demo_engine, made["id"])
        r = api.post(f"/activities/{made['id']}/signups/cancel", "villager")
        assert r.status_code == 409 and error_code(r) == "invalid_state"
        late = api.post(f"/activities/{made['id']}/signups", "volunteer")
        assert late.status_code == 409 and error_code(late) == "invalid_state"

    def test_the_last_place_goes_to_one_of_many_at_once(self, demo_engine, new_activity):
        made = new_activity(places=1)
        phones = ["13800000003", "13800000004", "13800000031", "13800000001"]

        def work(i):
            def body(session):
                actor = load_actor(session, session.exec(select(User).where(User.phone == phones[i])).one())
                return service.sign_up(session, actor=actor, activity=session.get(Activity, made["id"])).user_id
            return in_transaction(demo_engine, body)

        results = run_all(3, work)  # three villagers with households (the official has none)
        assert len([r for r in results if isinstance(r, int)]) == 1, results
        assert all(isinstance(r, service.ActivityFull) for r in results if not isinstance(r, int)), results
        with session_for(demo_engine, write=False) as s:
            assert s.get(Activity, made["id"]).taken == 1


class TestCheckIn:
    def test_the_organisers_code_checks_a_participant_in(self, api, new_activity):
        made = new_activity()
        api.post(f"/activities/{made['id']}/signups", "villager")
        r = api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": code_for(api, made["id"])})
        assert r.status_code == 200 and r.json()["attended"] is True and r.json()["checkin_way"] == "qr"

    def test_a_walk_in_takes_a_free_place(self, api, new_activity):
        made = new_activity(places=1)
        r = api.post(f"/activities/{made['id']}/checkin", "volunteer", json={"token": code_for(api, made["id"])})
        assert r.status_code == 200 and r.json()["checkin_way"] == "walk_in"
        full = api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": code_for(api, made["id"])})
        assert full.status_code == 409 and error_code(full) == "activity_full"

    def test_an_expired_code_is_refused(self, api, demo_engine, new_activity):
        made = new_activity()
        api.post(f"/activities/{made['id']}/signups", "villager")
        with session_for(demo_engine, write=False) as s:
            official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
            old, _ = service.checkin_code(s, actor=official, activity=s.get(Activity, made["id"]), secret=TEST_SECRET,
                                          now=utcnow() - timedelta(seconds=service.CHECKIN_SECONDS + 1))
        r = api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": old})
        assert r.status_code == 410 and error_code(r) == "checkin_code_expired"
        assert api.get(f"/activities/{made['id']}", "villager").json()["my_signup"]["attended"] is False

    def test_another_activitys_code_or_a_forged_one_is_refused(self, api, new_activity):
        made, other = new_activity(), new_activity(title="义诊")
        api.post(f"/activities/{made['id']}/signups", "villager")
        r = api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": code_for(api, other["id"])})
        assert r.status_code == 400 and error_code(r) == "invalid_checkin_code" and "另一个活动" in r.text
        token = code_for(api, made["id"])
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")
        for bad in (forged, "", "1-2", f"{made['id']}-99999999999-x", "\u202e" * 50):
            r = api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": bad})
            assert r.status_code == 400 and error_code(r) == "invalid_checkin_code", bad

    def test_only_the_organiser_shows_the_code(self, api, new_activity):
        made = new_activity()
        for who in ("villager", "volunteer", "committee"):
            assert api.get(f"/activities/{made['id']}/checkin-code", who).status_code == 403


class TestAttendanceAndClose:
    def test_list_close_credit_once_and_no_shows(self, api, demo_engine, new_activity):
        made = new_activity(points=5)
        for who in ("villager", "volunteer", "13800000031"):
            assert api.post(f"/activities/{made['id']}/signups", who).status_code == 201
        wang, li = balance_of(demo_engine, "王建国"), balance_of(demo_engine, "李秀英")
        api.post(f"/activities/{made['id']}/checkin", "villager", json={"token": code_for(api, made["id"])})
        r = api.post(f"/activities/{made['id']}/attendance", "official",
                     json={"user_ids": [user_id(demo_engine, "13800000003")]})
        assert r.status_code == 200
        assert sorted(s["checkin_way"] or "" for s in r.json()["signups"]) == ["", "list", "qr"]
        early = api.post(f"/activities/{made['id']}/close", "official")
        assert early.status_code == 409 and error_code(early) == "invalid_state"
        start(demo_engine, made["id"])
        closed = api.post(f"/activities/{made['id']}/close", "official")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert [s["name"] for s in closed.json()["no_shows"]] == ["赵小军"]
        again = api.post(f"/activities/{made['id']}/close", "official")
        assert again.status_code == 200
        assert balance_of(demo_engine, "王建国") == wang + 5 and balance_of(demo_engine, "李秀英") == li + 5
        mine = api.get(f"/activities/{made['id']}", "villager").json()["my_signup"]
        assert mine["credit_status"] == "posted" and mine["points"] == 5
        ledger = api.get(f"/households/{household_id(demo_engine, '王建国')}/ledger", "villager").json()["items"]
        assert ledger[0]["kind"] == "activity" and "村口卫生大扫除" in ledger[0]["reason"]
        late = api.post(f"/activities/{made['id']}/checkin", "13800000031", json={"token": "x"})
        assert late.status_code == 400  # a closed activity takes no code at all
        with session_for(demo_engine, write=False) as s:
            assert check_ledger(s) == []

    def test_two_members_of_one_household_are_credited_together_once(self, api, demo_engine, new_activity):
        made = new_activity(points=3)
        li = balance_of(demo_engine, "李秀英")
        second = add_person(demo_engine, phone="13900000201", name="李二", role="villager", unit="示范村",
                            household_id=household_id(demo_engine, "李秀英"))
        for who in ("volunteer", second):
            api.post(f"/activities/{made['id']}/signups", who)
        api.post(f"/activities/{made['id']}/attendance", "official",
                 json={"user_ids": [user_id(demo_engine, p) for p in ("13800000003", second)]})
        start(demo_engine, made["id"])
        api.post(f"/activities/{made['id']}/close", "official")
        assert balance_of(demo_engine, "李秀英") == li + 6

    def test_closing_at_once_credits_once(self, demo_engine, api, new_activity):
        made = new_activity(points=4)
        api.post(f"/activities/{made['id']}/signups", "villager")
        api.post(f"/activities/{made['id']}/attendance", "official",
                 json={"user_ids": [user_id(demo_engine, "13800000004")]})
        start(demo_engine, made["id"])
        before = balance_of(demo_engine, "王建国")

        def work(i):
            def body(session):
                actor = load_actor(session, session.exec(select(User).where(User.phone == "13800000001")).one())
                return service.close_activity(session, actor=actor, activity=session.get(Activity, made["id"])).status
            return in_transaction(demo_engine, body)

        assert run_all(4, work) == ["closed"] * 4
        assert balance_of(demo_engine, "王建国") == before + 4

    def test_the_organisers_own_household_waits_for_a_second_person(self, api, demo_engine, new_activity):
        """回避: an official who joins their own activity does not credit their own household by closing it; the
        ledger keeps that credit for another official or the town admin."""
        organiser = add_person(demo_engine, phone="13900000301", name="赵干部", role="official", unit="示范村",
                               household_id=household_id(demo_engine, "赵德明"))
        made = new_activity(organiser, points=5)
        zhao, wang = balance_of(demo_engine, "赵德明"), balance_of(demo_engine, "王建国")
        for who in (organiser, "villager"):
            assert api.post(f"/activities/{made['id']}/signups", who).status_code == 201
        api.post(f"/activities/{made['id']}/attendance", organiser,
                 json={"user_ids": [user_id(demo_engine, p) for p in (organiser, "13800000004")]})
        start(demo_engine, made["id"])
        closed = api.post(f"/activities/{made['id']}/close", organiser).json()
        assert balance_of(demo_engine, "王建国") == wang + 5
        assert balance_of(demo_engine, "赵德明") == zhao
        assert closed["my_signup"]["credit_status"] == "pending"
        waiting = [w for w in api.get("/points/awards/pending", "town_admin").json()["items"]
                   if w["source_kind"] == "activity"]
        assert len(waiting) == 1 and waiting[0]["points"] == 5
        assert api.post(f"/points/awards/{waiting[0]['id']}/approve", organiser).status_code == 403
        assert api.post(f"/points/awards/{waiting[0]['id']}/approve", "town_admin").status_code == 200
        assert balance_of(demo_engine, "赵德明") == zhao + 5

    def test_only_the_organiser_ticks_and_closes(self, api, demo_engine, new_activity):
        made = new_activity()
        api.post(f"/activities/{made['id']}/signups", "villager")
        uid = user_id(demo_engine, "13800000004")
        for who in ("villager", "volunteer", "committee"):
            r = api.post(f"/activities/{made['id']}/attendance", who, json={"user_ids": [uid]})
            assert r.status_code == 403
            assert api.post(f"/activities/{made['id']}/close", who).status_code == 403
        stranger = api.post(f"/activities/{made['id']}/attendance", "official",
                            json={"user_ids": [user_id(demo_engine, "13800000003")]})
        assert stranger.status_code == 422 and error_code(stranger) == "validation_error"
        unticked = api.post(f"/activities/{made['id']}/attendance", "official",
                            json={"user_ids": [uid], "absent_user_ids": []})
        assert unticked.json()["signups"][0]["attended"] is True
        back = api.post(f"/activities/{made['id']}/attendance", "official", json={"user_ids": [],
                                                                               "absent_user_ids": [uid]})
        assert back.json()["signups"][0]["attended"] is False

    def test_photos_after_closing(self, api, demo_engine, new_activity):
        made = new_activity()
        files = {"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")}
        headers = api.headers("official")
        early = api.client.post(f"/api/v1/activities/{made['id']}/photos", headers=headers, files=files)
        assert early.status_code == 409
        start(demo_engine, made["id"])
        api.post(f"/activities/{made['id']}/close", "official")
        done = api.client.post(f"/api/v1/activities/{made['id']}/photos", headers=headers, files=files)
        assert done.status_code == 201 and len(done.json()["photo_urls"]) == 1
        shown = api.client.get(done.json()["photo_urls"][0], headers=api.headers("villager"))
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert api.client.get(done.json()["photo_urls"][0], headers=api.headers("neighbour")).status_code == 404
        bad = api.client.post(f"/api/v1/activities/{made['id']}/photos", headers=headers,
                              files={"photo": ("p.jpg", b"not an image", "image/jpeg")})
        assert bad.status_code == 422
