"""四议两公开 votes mean something (村民委员会组织法 第二十六条; 党支部工作条例): a 党员大会 votes with half or more
of its members present, a 村民代表会议 with two thirds; a resolution passes with more than half of those present
for it. A vote that fails, or a meeting without a quorum, is recorded with its outcome and ends the decision."""

import re

import pytest

from tests.conftest import error_code
from tests.disclosure.test_files_decisions_api import step
from tests.pages.conftest import sign_in


def at_review(api) -> int:
    """A decision whose next step is the 党员大会审议."""
    did = api.post("/decisions", "official", json={"title": "修建文化广场"}).json()["id"]
    assert step(api, did, "propose").status_code == step(api, did, "discuss").status_code == 201
    return did


def at_resolve(api) -> int:
    did = at_review(api)
    assert step(api, did, "review", attendance=30, expected=36, votes_for=30, votes_against=0,
                votes_abstain=0).json()["outcome"] == "passed"
    return did


class TestMajority:
    def test_a_vote_lost_is_recorded_and_ends_the_decision(self, api):
        did = at_review(api)
        r = step(api, did, "review", attendance=19, expected=20, votes_for=5, votes_against=14, votes_abstain=0)
        assert r.status_code == 201 and r.json()["outcome"] == "rejected" and r.json()["outcome_label"] == "未通过"
        got = api.get(f"/decisions/{did}", "villager").json()
        assert got["status"] == "failed" and got["steps"][-1]["outcome_label"] == "未通过"
        r = step(api, did, "resolve", attendance=40, expected=45, votes_for=40, votes_against=0, votes_abstain=0)
        assert r.status_code == 409 and "未通过" in r.json()["error"]["message"]
        assert len(api.get(f"/decisions/{did}", "villager").json()["steps"]) == 3

    def test_half_of_those_present_is_not_a_majority(self, api):
        did = at_resolve(api)
        r = step(api, did, "resolve", attendance=40, expected=45, votes_for=20, votes_against=20, votes_abstain=0)
        assert r.json()["outcome"] == "rejected"

    def test_more_than_half_of_those_present_passes(self, api):
        did = at_resolve(api)
        r = step(api, did, "resolve", attendance=40, expected=45, votes_for=21, votes_against=10, votes_abstain=9)
        assert r.json()["outcome"] == "passed"
        assert api.get(f"/decisions/{did}", "villager").json()["status"] == "publish"


class TestQuorum:
    def test_a_meeting_without_quorum_decides_nothing(self, api):
        did = at_resolve(api)
        r = step(api, did, "resolve", attendance=10, expected=45, votes_for=10, votes_against=0, votes_abstain=0)
        assert r.status_code == 201 and r.json()["outcome"] == "no_quorum"
        assert r.json()["outcome_label"] == "不足法定人数"
        assert api.get(f"/decisions/{did}", "villager").json()["status"] == "failed"
        assert error_code(step(api, did, "publish")) == "invalid_state"

    def test_without_quorum_the_votes_may_stay_empty(self, api):
        did = at_review(api)
        r = step(api, did, "review", attendance=3, expected=20)
        assert r.status_code == 201 and r.json()["outcome"] == "no_quorum" and r.json()["votes_for"] is None

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("name,attendance,expected,outcome", [
        ("resolve", 30, 45, "passed"),  # two thirds exactly
        ("resolve", 29, 45, "no_quorum"),
        ("review", 10, 20, "passed"),  # half exactly
        ("review", 9, 20, "no_quorum"),
    ])
    def test_the_bar_for_each_meeting(self, api, name, attendance, expected, outcome):
        did = at_resolve(api) if name == "resolve" else at_review(api)
        r = step(api, did, name, attendance=attendance, expected=expected, votes_for=attendance, votes_against=0,
                 votes_abstain=0)
        assert r.json()["outcome"] == outcome

    @pytest.mark.parametrize("expected", [None, 0])
    def test_a_vote_needs_the_expected_count(self, api, expected):
        did = at_review(api)
        extra = {} if expected is None else {"expected": expected}
        r = step(api, did, "review", votes_for=9, votes_against=0, votes_abstain=0, **extra)
        assert r.status_code == 422 and "应到人数" in r.json()["error"]["message"]
        assert api.get(f"/decisions/{did}", "villager").json()["status"] == "review"


@pytest.mark.sqlite_only  # page markup
def test_the_page_shows_the_outcome(web):
    token = sign_in(web, "official")
    made = web.post("/decisions", data={"csrf_token": token, "title": "修建文化广场"})
    did = re.search(r"/decisions/(\d+)", made.headers["location"]).group(1)
    page = web.get(f"/decisions/{did}").text
    for name, extra in [("propose", {}), ("discuss", {}),
                        ("review", {"expected": "20", "votes_for": "5", "votes_against": "14", "votes_abstain": "0"})]:
        if name == "review":
            assert "须有半数以上党员到会" in page  # the form says what the meeting needs
        r = web.post(f"/decisions/{did}/steps", data={"csrf_token": token, "step": name, "held_on": "2030-01-01",
                                                       "attendance": "19", **extra})
        assert r.status_code == 303, r.text
        page = web.get(f"/decisions/{did}").text
    assert "未通过" in page and "该事项到此结束" in page and "记录下一步" not in page
    assert "党员大会审议未通过，事项已结束" in web.get("/decisions").text
