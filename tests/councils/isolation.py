"""For tests/test_isolation.py: the 一约四会 routes. 示范村's councils and a meeting not yet published are read
and changed by 示范村's officials only; 邻村's official gets 403/404."""

from sqlmodel import select

from app.councils.models import Council, CouncilKind, CouncilMember
from app.db import session_for
from app.org.models import User

COUNCILS_SELF_ONLY = {("GET", "/councils")}  # the caller's own village (or one they cover: ?village_id=)
MEMBER = {"member_id": "council_member_id"}
MEETING = {"meeting_id": "council_meeting_id"}
VOTE = {"text": "x", "votes_for": 1, "votes_against": 0, "votes_abstain": 0}
COUNCILS_CASES = {
    ("GET", "/api/v1/villages/{village_id}/councils"): None,
    ("GET", "/api/v1/councils/{council_id}"): None,
    ("POST", "/api/v1/councils/{council_id}/members"): {"user_id": "{council_person_id}"},
    ("POST", "/api/v1/councils/{council_id}/members/{member_id}/remove"): ("official", None, MEMBER),
    ("GET", "/api/v1/councils/{council_id}/meetings"): None,
    ("POST", "/api/v1/councils/{council_id}/meetings"): {"held_on": "2026-12-01", "place": "x", "topics": "y",
                                                          "attendee_ids": []},
    ("GET", "/api/v1/council-meetings/{meeting_id}"): ("official", None, MEETING),
    ("POST", "/api/v1/council-meetings/{meeting_id}/resolutions"): ("official", VOTE, MEETING),
    ("POST", "/api/v1/council-meetings/{meeting_id}/publish"): ("official", None, MEETING),
    ("GET", "/councils/{council_id}"): None,
    ("POST", "/councils/{council_id}/members"): {"user_id": "{council_person_id}"},
    ("POST", "/councils/{council_id}/members/{member_id}/remove"): ("official", {}, MEMBER),
    ("GET", "/councils/{council_id}/meetings/new"): None,
    ("POST", "/councils/{council_id}/meetings"): {"held_on": "2026-12-01", "place": "x", "topics": "y"},
    ("GET", "/council-meetings/{meeting_id}"): ("official", None, MEETING),
    ("POST", "/council-meetings/{meeting_id}/resolutions"): ("official", {"text": "x", "votes_for": "1"}, MEETING),
    ("POST", "/council-meetings/{meeting_id}/publish"): ("official", {}, MEETING),
}


def councils_world(api, engine) -> dict:
    """示范村's 村民议事会, one of its seats, a person not on it, and a meeting recorded but not published."""
    with session_for(engine, write=False) as s:
        council = s.exec(select(Council).where(Council.village_id == _village(s), Council.kind == CouncilKind.assembly)
                         ).one()
        member = s.exec(select(CouncilMember).where(CouncilMember.council_id == council.id)).first()
        person = s.exec(select(User.id).where(User.name == "赵小军")).one()
    made = api.post(f"/councils/{council.id}/meetings", "official", json={
        "held_on": "2026-12-01", "place": "村委会", "topics": "议题", "attendee_ids": [member.user_id]})
    assert made.status_code == 201, made.text
    return {"council_id": council.id, "council_member_id": member.id, "council_person_id": person,
            "council_meeting_id": made.json()["id"]}


def _village(s) -> int:
    from app.org.models import OrgUnit

    return s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()
