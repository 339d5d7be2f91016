"""村规民约 over HTTP: the text in force, an amendment proposed and walked through 四议两公开 to its new version (the
steps through the decisions' own route), the history with votes and changes, the 大体检; who may, and hostile input.
Another village is 404 on both engines; the rest runs on SQLite (tests/compact/test_service.py covers the engines)."""

from datetime import date

import pytest

from app.compact.models import CHECK_ITEMS
from tests.conftest import error_code


def vid(api, who="official") -> int:
    return api.get("/me", who).json()["village_id"]


def steps(api, decision_id: int, *, resolve_for: int = 35) -> None:
    today = date.today().isoformat()
    for step, body in [("propose", {"attendance": 5}), ("discuss", {"attendance": 7}),
                       ("review", {"attendance": 30, "expected": 36, "votes_for": 28, "votes_against": 1,
                                   "votes_abstain": 1}),
                       ("resolve", {"attendance": 40, "expected": 45, "votes_for": resolve_for,
                                    "votes_against": 40 - resolve_for, "votes_abstain": 0}),
                       ("publish", {"attendance": 3})]:
        r = api.post(f"/decisions/{decision_id}/steps", "official", json={"step": step, "held_on": today, **body})
        if r.status_code == 409:
            return
        assert r.status_code == 201, r.text


def test_another_village_reads_and_writes_nothing(api):
    mine = vid(api)
    made = api.post(f"/villages/{mine}/compact/amendments", "official",
                    json={"reason": "改", "articles": [{"number": 1, "text": "学法守法，人人有责。"}]})
    assert made.status_code == 201, made.text
    assert api.get(f"/villages/{mine}/compact", "neighbour").status_code == 404
    assert api.get(f"/compact-amendments/{made.json()['id']}", "neighbour").status_code == 404
    assert api.post(f"/villages/{mine}/compact/amendments", "neighbour", json={"reason": "越界", "body": "第一条 越界"}
                    ).status_code == 404
    theirs = vid(api, "neighbour")
    assert api.get(f"/villages/{theirs}/compact", "official").status_code == 404
    assert api.get(f"/villages/{theirs}/compact", "neighbour").json()["title"] == "邻村村规民约"


@pytest.mark.sqlite_only
class TestFlow:
    def test_amendment_through_to_the_new_version_and_its_history(self, api):
        mine = vid(api)
        before = api.get(f"/villages/{mine}/compact", "villager").json()
        assert before["version"] == 2 and len(before["articles"]) == 8 and before["amendment_id"]
        made = api.post(f"/villages/{mine}/compact/amendments", "committee", key="amend-1", json={
            "reason": "新增节约用水条款", "articles": [{"number": 9, "text": "节约用水，不私接水管。"}],
            "discussed_on": date.today().isoformat(), "discussion": "议事会 9 人到会，都同意"})
        assert made.status_code == 201, made.text
        again = api.post(f"/villages/{mine}/compact/amendments", "committee", key="amend-1", json={
            "reason": "新增节约用水条款", "articles": [{"number": 9, "text": "节约用水，不私接水管。"}],
            "discussed_on": date.today().isoformat(), "discussion": "议事会 9 人到会，都同意"})
        assert again.status_code == 201 and again.json()["id"] == made.json()["id"]  # a double submit: one
        amendment = made.json()
        assert amendment["status"] == "voting" and amendment["diff"][-1] == {"kind": "added",
                                                                             "text": "第九条　节约用水，不私接水管。"}
        decision = api.get(f"/decisions/{amendment['decision_id']}", "villager").json()
        assert decision["summary"].startswith("村规民约修订")
        steps(api, amendment["decision_id"])
        after = api.get(f"/villages/{mine}/compact", "villager").json()
        assert after["version"] == 3 and after["articles"][-1]["label"] == "第九条"
        assert after["amendment_id"] == amendment["id"] and after["decision_id"] == amendment["decision_id"]
        history = api.get(f"/villages/{mine}/compact/versions", "villager").json()["items"]
        assert [v["version"] for v in history] == [3, 2, 1]
        assert history[0]["amendment"]["votes"][1]["votes_for"] == 35 and history[-1]["amendment"] is None
        listed = api.get(f"/villages/{mine}/compact/amendments", "villager").json()["items"]
        assert [a["status"] for a in listed] == ["published", "published"]

    def test_a_rejected_amendment_is_listed_and_changes_nothing(self, api):
        mine = vid(api)
        made = api.post(f"/villages/{mine}/compact/amendments", "official",
                        json={"reason": "取消门前三包", "articles": [{"number": 3, "text": ""}]}).json()
        steps(api, made["decision_id"], resolve_for=10)
        assert api.get(f"/compact-amendments/{made['id']}", "villager").json()["status"] == "rejected"
        assert api.get(f"/villages/{mine}/compact", "villager").json()["version"] == 2
        compact = api.get(f"/villages/{mine}/compact", "villager").json()
        direct = api.post(f"/disclosures/{compact['disclosure_id']}/revisions", "official",
                          json={"title": "改", "body": "第一条 改", "reason": "直接改"})
        assert error_code(direct) == "invalid_state"

    def test_the_seam_for_the_councils(self, api):
        made = api.post(f"/villages/{vid(api)}/compact/amendments", "official",
                        json={"reason": "改", "articles": [{"number": 1, "text": "学法守法，人人有责。"}]}).json()
        r = api.client.put(f"/api/v1/compact-amendments/{made['id']}/discussion", headers=api.headers("official"),
                           json={"discussed_on": date.today().isoformat(), "discussion": "村民议事会讨论同意"})
        assert r.status_code == 200 and r.json()["discussion"] == "村民议事会讨论同意"
        late = api.client.put(f"/api/v1/compact-amendments/{made['id']}/discussion",
                              headers=api.headers("official"), json={"discussed_on": "2999-01-01", "discussion": "x"})
        assert error_code(late) == "validation_error"

    def test_the_checkup_from_the_township(self, api):
        mine = vid(api)
        items = [{"item": k.value, "passed": k.value != "enforceable", "note": "没有写执行人" if k.value ==
                  "enforceable" else ""} for k in CHECK_ITEMS]
        r = api.post(f"/villages/{mine}/compact/checkups", "town_admin", json={"items": items, "note": "须修订"})
        assert r.status_code == 201, r.text
        assert r.json()["passed"] is False and r.json()["result_label"] == "未通过，须修订"
        assert api.get(f"/villages/{mine}/compact", "villager").json()["latest_checkup"]["id"] == r.json()["id"]
        assert api.get(f"/compact-checkups/{r.json()['id']}", "villager").status_code == 200
        year = api.get("/compact-checkups", "town_admin").json()
        assert {row["village"]: row["checked"] for row in year["items"]} == {"示范村": True, "邻村": False}
        assert api.post(f"/villages/{mine}/compact/checkups", "official", json={"items": items}).status_code == 403
        assert api.get("/compact-checkups", "official").status_code == 403

    @pytest.mark.parametrize("body", [
        {"reason": "改", "body": "第一条 \u202e反转\u202c 内容" * 3000},
        {"reason": "", "articles": [{"number": 1, "text": "x"}]},
        {"reason": "改", "articles": [{"number": 2**31, "text": "x"}]},
        {"reason": "改", "articles": [{"number": 99, "text": "x"}]},
        {"reason": "改"},
        {"reason": "改", "body": "第一条 a", "articles": [{"number": 1, "text": "b"}]},
        {"reason": "改", "body": "第一条 a", "discussed_on": "2026-13-40"},
    ])
    def test_hostile_input_is_a_clear_422(self, api, body):
        r = api.post(f"/villages/{vid(api)}/compact/amendments", "official", json=body)
        assert r.status_code in (413, 422) and error_code(r) in ("validation_error", "too_large"), r.text

    def test_ids_past_the_range_are_404(self, api):
        assert api.get(f"/compact-amendments/{2**31}", "official").status_code == 404
        assert api.get(f"/villages/{2**40}/compact", "official").status_code == 404
