"""村务公开 through the JSON API, on both databases: publish, list, read receipts, revisions, questions, each wrong
role, another village, hostile text."""

import pytest
from sqlmodel import select

from app.disclosure.models import DisclosureRead, DisclosureVersion
from app.ids import MAX_ID
from tests.conftest import error_code

SCRIPT = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def publish(api, who="official", **body):
    payload = {"category": "finance", "title": "11月财务公开", "body": "| 科目 | 金额 |\n|---|---|\n| 路灯 | 100 |"}
    payload.update(body)
    return api.post("/disclosures", who, json=payload)


class TestPublish:
    def test_official_publishes_and_villager_lists_newest_first(self, api):
        r = publish(api)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["version"] == 1 and made["category"] == "finance" and made["author"] == "张书记"
        items = api.get("/disclosures", "villager").json()["items"]
        assert items[0]["id"] == made["id"] and items[0]["read"] is False
        assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)

    def test_list_by_category(self, api):
        publish(api, category="party", title="党费公示")
        items = api.get("/disclosures?category=party", "villager").json()["items"]
        assert items and {i["category"] for i in items} == {"party"}
        assert error_code(api.get("/disclosures?category=nope", "villager")) == "validation_error"

    def test_demo_village_has_all_four_categories(self, api):
        items = api.get("/disclosures?limit=100", "villager").json()["items"]
        assert {i["category"] for i in items} == {"party", "affairs", "finance", "service"}
        assert 5 <= len(items) <= 8

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who,status", [("villager", 403), ("volunteer", 403), ("committee", 403),
                                            ("attendant", 403), ("neighbour", 403), ("town_admin", 403)])
    def test_others_cannot_publish(self, api, who, status):
        assert publish(api, who).status_code == status

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body", [{"category": "gossip"}, {"title": "\u200b \u200b"}, {"body": "\u2066\u2069"},
                                      {"title": "长" * 101}, {"title": None}])
    def test_bad_input_is_refused(self, api, body):
        r = publish(api, **body)
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_double_submit_makes_one(self, api):
        first = api.post("/disclosures", "official", key="k-1", json={"category": "party", "title": "一", "body": "x"})
        again = api.post("/disclosures", "official", key="k-1", json={"category": "party", "title": "一", "body": "x"})
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        other = api.post("/disclosures", "official", key="k-1", json={"category": "party", "title": "二", "body": "x"})
        assert error_code(other) == "idempotency_conflict"

    def test_hostile_text_comes_back_as_text(self, api):
        made = publish(api, title=SCRIPT[:100], body=SCRIPT).json()
        got = api.get(f"/disclosures/{made['id']}", "villager").json()
        assert got["body"] == SCRIPT  # the API hands back what was written; pages escape it


class TestReading:
    def test_opening_records_the_households_read_once(self, api, demo_engine):
        made = publish(api).json()
        r = api.get(f"/disclosures/{made['id']}", "villager")
        assert r.status_code == 200 and r.json()["read"] is True
        api.get(f"/disclosures/{made['id']}", "villager")
        from app.db import session_for
        with session_for(demo_engine, write=False) as s:
            reads = s.exec(select(DisclosureRead).where(DisclosureRead.disclosure_id == made["id"])).all()
        assert len(reads) == 1
        assert api.get("/disclosures?limit=100", "villager").json()["items"][0]["read"] is True

    def test_unread_count_drops_when_read(self, api):
        before = api.get("/disclosures/unread-count", "villager").json()["count"]
        made = publish(api).json()
        assert api.get("/disclosures/unread-count", "villager").json()["count"] == before + 1
        api.get(f"/disclosures/{made['id']}", "villager")
        assert api.get("/disclosures/unread-count", "villager").json()["count"] == before
        assert api.get("/disclosures/unread-count", "official").json()["count"] == 0  # no household

    def test_official_sees_read_rate_and_unread_households(self, api):
        made = publish(api).json()
        rate = api.get(f"/disclosures/{made['id']}/reads", "official").json()
        assert rate["read"] == 0 and rate["households"] >= 3
        assert "王建国" in [h["head_name"] for h in rate["unread"]]
        api.get(f"/disclosures/{made['id']}", "villager")
        rate = api.get(f"/disclosures/{made['id']}/reads", "official").json()
        assert rate["read"] == 1 and "王建国" not in [h["head_name"] for h in rate["unread"]]
        assert 0 < rate["rate"] < 1

    def test_official_marks_a_household_informed_offline(self, api):
        made = publish(api).json()
        zhao = next(h for h in api.get(f"/disclosures/{made['id']}/reads", "official").json()["unread"]
                    if h["head_name"] == "赵德明")
        r = api.post(f"/disclosures/{made['id']}/reads", "official", json={"household_id": zhao["household_id"]})
        assert r.status_code == 201 and r.json()["informed"] is True
        again = api.post(f"/disclosures/{made['id']}/reads", "official", json={"household_id": zhao["household_id"]})
        assert again.status_code == 201
        rate = api.get(f"/disclosures/{made['id']}/reads", "official").json()
        assert rate["read"] == 1 and rate["informed"] == 1

    def test_informed_refuses_another_villages_household(self, api):
        made = publish(api).json()
        chen = api.get("/me", "neighbour").json()["household_id"]
        r = api.post(f"/disclosures/{made['id']}/reads", "official", json={"household_id": chen})
        assert r.status_code == 404
        r = api.post(f"/disclosures/{made['id']}/reads", "official", json={"household_id": MAX_ID + 1})
        assert r.status_code in (404, 422)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "volunteer", "committee"])
    def test_read_rate_is_for_officials(self, api, who):
        made = publish(api).json()
        assert api.get(f"/disclosures/{made['id']}/reads", who).status_code == 403
        assert api.post(f"/disclosures/{made['id']}/reads", who, json={"household_id": 1}).status_code == 403

    def test_town_admin_reads_the_rate(self, api):
        made = publish(api).json()
        assert api.get(f"/disclosures/{made['id']}/reads", "town_admin").status_code == 200

    def test_another_village_never_sees_or_reads(self, api, demo_engine):
        made = publish(api).json()
        assert made["id"] not in [i["id"] for i in api.get("/disclosures", "neighbour").json()["items"]]
        for path in ("", "/versions", "/versions/1", "/questions", "/reads"):
            assert api.get(f"/disclosures/{made['id']}{path}", "neighbour").status_code == 404, path
        from app.db import session_for
        with session_for(demo_engine, write=False) as s:
            assert not s.exec(select(DisclosureRead).where(DisclosureRead.disclosure_id == made["id"])).all()

    @pytest.mark.parametrize("bad", ["0", str(MAX_ID + 1), "-1", "abc"])
    def test_ids_out_of_range(self, api, bad):
        assert api.get(f"/disclosures/{bad}", "villager").status_code in (404, 422)


class TestRevisions:
    def test_revision_is_a_new_version_and_every_version_stays(self, api):
        made = publish(api, body="第一行\n第二行").json()
        r = api.post(f"/disclosures/{made['id']}/revisions", "official",
                     json={"title": "11月财务公开（更正）", "body": "第一行\n第二行改", "reason": "金额笔误"})
        assert r.status_code == 201 and r.json()["version"] == 2 and r.json()["reason"] == "金额笔误"
        current = api.get(f"/disclosures/{made['id']}", "villager").json()
        assert current["version"] == 2 and current["body"] == "第一行\n第二行改"
        versions = api.get(f"/disclosures/{made['id']}/versions", "villager").json()["items"]
        assert [v["version"] for v in versions] == [2, 1]
        first = api.get(f"/disclosures/{made['id']}/versions/1", "villager").json()
        assert first["body"] == "第一行\n第二行" and first["reason"] == ""
        assert api.get(f"/disclosures/{made['id']}/versions/3", "villager").status_code == 404

    def test_revision_needs_reason_and_a_change(self, api):
        made = publish(api).json()
        no_reason = api.post(f"/disclosures/{made['id']}/revisions", "official",
                             json={"title": "t", "body": "b", "reason": " \u200b"})
        assert error_code(no_reason) == "validation_error"
        same = api.post(f"/disclosures/{made['id']}/revisions", "official",
                        json={"title": made["title"], "body": made["body"], "reason": "无"})
        assert error_code(same) == "validation_error"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who,status", [("villager", 403), ("committee", 403), ("neighbour", 404)])
    def test_others_cannot_revise(self, api, who, status):
        made = publish(api).json()
        r = api.post(f"/disclosures/{made['id']}/revisions", who, json={"title": "t", "body": "b", "reason": "r"})
        assert r.status_code == status

    def test_versions_are_append_only(self, demo_engine):
        from sqlalchemy import update
        from sqlalchemy.exc import DBAPIError

        from app.db import session_for
        with session_for(demo_engine, write=True) as s, pytest.raises(DBAPIError):
            s.execute(update(DisclosureVersion).values(body="改写"))
            s.flush()


class TestQuestions:
    def test_villager_asks_others_see_no_name_official_does_and_answers(self, api):
        made = publish(api).json()
        r = api.post(f"/disclosures/{made['id']}/questions", "villager", json={"body": "路灯为什么花这么多？"})
        assert r.status_code == 201 and r.json()["asker"] == "王建国" and r.json()["mine"] is True
        qid = r.json()["id"]
        seen = api.get(f"/disclosures/{made['id']}/questions", "volunteer").json()["items"]
        assert seen[0]["body"] == "路灯为什么花这么多？" and seen[0]["asker"] is None
        assert api.get(f"/disclosures/{made['id']}/questions", "official").json()["items"][0]["asker"] == "王建国"
        assert qid in [q["id"] for q in api.get("/disclosure-questions", "official").json()["items"]]
        r = api.post(f"/disclosure-questions/{qid}/answer", "official", json={"answer": "换了 20 盏灯，发票在村委会"})
        assert r.status_code == 200 and r.json()["answer"].startswith("换了")
        assert api.get(f"/disclosures/{made['id']}/questions", "volunteer").json()["items"][0]["answer"]
        assert qid not in [q["id"] for q in api.get("/disclosure-questions", "official").json()["items"]]
        again = api.post(f"/disclosure-questions/{qid}/answer", "official", json={"answer": "另一个答复"})
        assert error_code(again) == "invalid_state"

    def test_asker_may_show_name(self, api):
        made = publish(api).json()
        api.post(f"/disclosures/{made['id']}/questions", "villager", json={"body": "问", "show_name": True})
        assert api.get(f"/disclosures/{made['id']}/questions", "volunteer").json()["items"][0]["asker"] == "王建国"

    def test_question_rules(self, api):
        made = publish(api).json()
        assert api.post(f"/disclosures/{made['id']}/questions", "official", json={"body": "问"}).status_code == 403
        assert api.post(f"/disclosures/{made['id']}/questions", "neighbour", json={"body": "问"}).status_code == 404
        r = api.post(f"/disclosures/{made['id']}/questions", "villager", json={"body": "\u200b"})
        assert error_code(r) == "validation_error"
        q = api.post(f"/disclosures/{made['id']}/questions", "villager", key="q1", json={"body": SCRIPT}).json()
        twice = api.post(f"/disclosures/{made['id']}/questions", "villager", key="q1", json={"body": SCRIPT}).json()
        assert q["id"] == twice["id"] and q["body"] == SCRIPT
        for who, status in (("villager", 403), ("committee", 403), ("neighbour", 404)):
            assert api.post(f"/disclosure-questions/{q['id']}/answer", who, json={"answer": "a"}).status_code == status
        assert api.get("/disclosure-questions", "villager").status_code == 403
