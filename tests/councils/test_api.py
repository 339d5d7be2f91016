"""一约四会 through the JSON API, on SQLite and PostgreSQL: the village's councils (names masked for villagers),
an official appoints, records a meeting, adds resolutions, publishes it as a 村务 disclosure; villagers read only
what is published; another village gets 404; hostile input is a clear 4xx."""

from tests.conftest import error_code
from tests.councils.conftest import council_id, user_id, village_id


def _meeting(api, cid: int, present: list[int], key: str | None = None):
    return api.post(f"/councils/{cid}/meetings", "official", key=key,
                    json={"held_on": "2026-12-01", "place": "村委会", "topics": "修订村规民约第八条",
                          "attendee_ids": present})


class TestCouncils:
    def test_the_four_councils_names_in_full_for_officials_masked_for_villagers(self, api, demo_engine):
        village = village_id(demo_engine)
        staff = api.get(f"/villages/{village}/councils", "official").json()["items"]
        assert [c["name"] for c in staff] == ["村民议事会", "红白理事会", "道德评议会", "禁毒禁赌会"]
        assert "王建国" in [m["name"] for m in staff[0]["members"]]
        seen = api.get(f"/villages/{village}/councils", "volunteer").json()["items"][0]["members"]
        assert "王*国" in [m["name"] for m in seen] and "王建国" not in [m["name"] for m in seen]
        own = api.get(f"/villages/{village}/councils", "villager").json()["items"][0]["members"]
        assert "王建国" in [m["name"] for m in own]  # one's own name in full
        assert api.get(f"/villages/{village}/councils", "neighbour").status_code == 404
        cid = council_id(demo_engine, "assembly")
        assert api.get(f"/councils/{cid}", "neighbour").status_code == 404

    def test_appoint_and_remove(self, api, demo_engine):
        cid, zhao = council_id(demo_engine, "drugs"), user_id(demo_engine, "赵小军")
        made = api.post(f"/councils/{cid}/members", "official", key="seat-1",
                        json={"user_id": zhao, "title": "副会长", "end_on": "2029-12-31"})
        again = api.post(f"/councils/{cid}/members", "official", key="seat-1",
                         json={"user_id": zhao, "title": "副会长", "end_on": "2029-12-31"})
        assert made.status_code == again.status_code == 201 and made.json()["id"] == again.json()["id"]
        assert made.json()["name"] == "赵小军" and made.json()["active"]
        assert error_code(api.post(f"/councils/{cid}/members", "villager", json={"user_id": zhao})) == "forbidden"
        gone = api.post(f"/councils/{cid}/members/{made.json()['id']}/remove", "official")
        assert gone.status_code == 200 and gone.json()["active"] is False
        members = api.get(f"/councils/{cid}", "villager").json()["members"]
        assert zhao not in [m["user_id"] for m in members]
        outsider = api.post(f"/councils/{cid}/members", "official", json={"user_id": user_id(demo_engine,
                                                                                            "13800000007")})
        assert outsider.status_code == 404

    def test_a_meeting_passes_a_resolution_and_is_published_for_the_village(self, api, demo_engine):
        cid = council_id(demo_engine, "assembly")
        present = [user_id(demo_engine, p) for p in ("13800000004", "13800000003", "13800000005")]
        made = _meeting(api, cid, present, key="m-1")
        assert made.status_code == 201, made.text
        meeting = made.json()
        assert _meeting(api, cid, present, key="m-1").json()["id"] == meeting["id"]
        assert (meeting["expected"], meeting["attendance"], meeting["quorum"]) == (4, 3, True)
        assert api.get(f"/council-meetings/{meeting['id']}", "villager").status_code == 404  # not yet published
        village = api.get("/me", "official").json()["village_id"]
        amendment = api.post(f"/villages/{village}/compact/amendments", "official", json={
            "reason": "写清丧事天数", "articles": [{"number": 1, "text": "学法守法，人人有责。"}]}).json()["id"]
        named = {"subject_type": "compact_amendment", "subject_id": amendment}
        for wrong in ({**named, "subject_id": amendment + 1000}, {**named, "subject_type": "bylaw_amendment"}):
            r = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official", json={"text": "x", **wrong})
            assert r.status_code == 422 and error_code(r) == "validation_error", r.text
        res = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official",
                       json={"text": "同意修订第八条", "votes_for": 3, "votes_against": 0, "votes_abstain": 0, **named})
        assert res.status_code == 201 and res.json()["outcome"] == "passed" and res.json()["subject_id"] == amendment
        assert api.get(f"/compact-amendments/{amendment}", "villager").json()["council_votes"] == []  # unpublished
        published = api.post(f"/council-meetings/{meeting['id']}/publish", "official")
        assert published.status_code == 200 and published.json()["status"] == "published"
        disclosure_id = published.json()["disclosure_id"]
        text = api.get(f"/disclosures/{disclosure_id}", "villager").json()
        assert text["category"] == "affairs" and "同意修订第八条" in text["body"] and "王\\*国" in text["body"]
        read = api.get(f"/council-meetings/{meeting['id']}", "villager").json()
        assert read["resolutions"][0]["outcome_label"] == "通过"
        assert read["resolutions"][0]["subject_link"] == f"/compact/amendments/{amendment}"
        votes = api.get(f"/compact-amendments/{amendment}", "villager").json()["council_votes"]
        assert [(v["meeting_id"], v["text"], v["votes_for"], v["outcome_label"]) for v in votes] == [
            (meeting["id"], "同意修订第八条", 3, "通过")]
        late = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official",
                        json={"text": "再加一条", "votes_for": 3, "votes_against": 0, "votes_abstain": 0})
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        assert api.get(f"/council-meetings/{meeting['id']}", "neighbour").status_code == 404

    def test_hostile_input_is_a_clear_4xx(self, api, demo_engine):
        cid = council_id(demo_engine, "assembly")
        present = [user_id(demo_engine, "13800000004")]
        for body in ({"held_on": "2026-02-30", "place": "x", "topics": "y", "attendee_ids": present},
                     {"held_on": "2999-01-01", "place": "x", "topics": "y", "attendee_ids": present},
                     {"held_on": "2026-12-01", "place": "\u202e\u200b", "topics": "y", "attendee_ids": present},
                     {"held_on": "2026-12-01", "place": "x", "topics": "y", "attendee_ids": [2**31]},
                     {"held_on": "2026-12-01", "place": "x", "topics": "y" * 501, "attendee_ids": present}):
            r = api.post(f"/councils/{cid}/meetings", "official", json=body)
            assert r.status_code == 422, (body, r.text)
        assert api.get(f"/councils/{2**31}", "official").status_code == 404
        meeting = _meeting(api, cid, present).json()  # 1 of 4: no quorum
        assert meeting["quorum"] is False
        r = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official",
                     json={"text": "x", "votes_for": 2**40, "votes_against": 0, "votes_abstain": 0})
        assert r.status_code == 422
        none = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official", json={"text": "人不够"})
        assert none.status_code == 201 and none.json()["outcome"] == "no_quorum"
        r = api.post(f"/council-meetings/{meeting['id']}/resolutions", "official",
                     json={"text": "x", "subject_type": "Bad Type!", "subject_id": 1})
        assert r.status_code == 422
