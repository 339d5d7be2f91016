"""Helpers for the activity tests: a fresh activity through the API, its clock moved, balances, and for
tests/test_isolation.py an activity of 示范村 in the state each route needs."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.activities.models import Activity
from app.db import session_for
from app.ledger.accounts import household_account
from app.org.models import Household, OrgKind, OrgUnit, Role, RoleAssignment, User
from app.timeutil import local, utcnow
from tests.conftest import DEMO_HASH


def in_a_day() -> str:
    return (utcnow() + timedelta(days=1)).isoformat()


@pytest.fixture
def new_activity(api):
    """An activity of 示范村's station (the demo official), tomorrow: its JSON."""
    def make(who: str = "official", **extra):
        body = {"title": "村口卫生大扫除", "starts_at": in_a_day(), "place": "村委会广场", "places": 10, "points": 5,
                **extra}
        r = api.post("/activities", who, json=body)
        assert r.status_code == 201, r.text
        return r.json()
    return make


def start(engine, activity_id: int) -> None:
    """As if the activity began an hour ago."""
    with session_for(engine, write=True) as s:
        s.execute(update(Activity).where(Activity.id == activity_id).values(starts_at=utcnow() - timedelta(hours=1)))
        s.commit()


def balance_of(engine, head: str) -> int:
    with session_for(engine, write=False) as s:
        household = s.exec(select(Household).where(Household.head_name == head)).one()
        return household_account(s, household_id=household.id).balance


def household_id(engine, head: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household.id).where(Household.head_name == head)).one()


def user_id(engine, phone: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(User.id).where(User.phone == phone)).one()


def other_township(engine) -> str:
    """东山乡 → 东山村 with a villager (13900000101), under the same county: their phone."""
    with session_for(engine, write=True) as s:
        county = s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.county)).first()
        town = OrgUnit(kind=OrgKind.township, name="东山乡", parent_id=county.id)
        s.add(town)
        s.flush()
        village = OrgUnit(kind=OrgKind.village, name="东山村", parent_id=town.id)
        s.add(village)
        s.flush()
        household = Household(village_id=village.id, head_name="东山户")
        s.add(household)
        s.flush()
        user = User(name="东山人", phone="13900000101", password_hash=DEMO_HASH, household_id=household.id)
        s.add(user)
        s.flush()
        s.add(RoleAssignment(user_id=user.id, role=Role.villager, org_id=village.id))
        s.commit()
    return "13900000101"


def isolation_ids(engine) -> dict:
    """Activities of 示范村 with 王建国 signed up: one started (the list, the code, closing), one tomorrow (signing up
    and withdrawing), one closed (photos); and a check-in code of the started one that stays good for years."""
    from app.activities import service
    from app.org.access import load_actor
    from tests.conftest import TEST_SECRET
    from tests.shop.test_goods_api import jpeg_bytes

    with session_for(engine, write=True) as s:
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        villager = load_actor(s, s.exec(select(User).where(User.phone == "13800000004")).one())
        made = []
        for title in ("隔离测试活动", "隔离测试已结束", "隔离测试明天"):
            activity = service.create_activity(
                s, actor=official, org_id=None, title=title, kind="其他", place="村委会", description="",
                starts_at=utcnow() + timedelta(days=1), places=5, points=1, hours=None, walk_ins=True,
                idempotency_key=None)
            service.sign_up(s, actor=villager, activity=activity)
            made.append(activity)
        s.execute(update(Activity).where(Activity.id.in_([a.id for a in made[:2]]))
                  .values(starts_at=utcnow() - timedelta(hours=1)))
        s.flush()
        s.refresh(made[1])
        service.close_activity(s, actor=official, activity=made[1])
        photo = service.add_photo(s, actor=official, activity=made[1], photo=(jpeg_bytes(), "image/jpeg"))
        token, _ = service.checkin_code(s, actor=official, activity=made[0], secret=TEST_SECRET,
                                        now=utcnow() + timedelta(days=3650))
        s.commit()
        return {"activity_id": made[0].id, "closed_activity_id": made[1].id, "upcoming_activity_id": made[2].id,
                "activity_user_id": villager.id, "activity_user_ids": [villager.id], "activity_code": token,
                "activity_photo_id": photo.id}


SOON = local(utcnow() + timedelta(days=30))  # a time an activity may be published for
ISOLATION_SELF_ONLY = {
    # The address in a check-in QR: only a redirect (to sign in, or to the activity's page, which checks the village).
    ("GET", "/a/{token}"),
    # The caller's own activities, a card and the publish form of their own unit.
    ("GET", "/activities/home-card"), ("GET", "/activities/new"),
}
ISOLATION_CASES = {
    ("GET", "/api/v1/activities"): "list",
    ("GET", "/activities"): "list",
    ("POST", "/api/v1/activities"): {"title": "越界活动", "starts_at": SOON.isoformat(), "place": "村委会",
                                     "places": 3, "points": 1, "org_id": "{village_id}"},
    ("POST", "/activities/new"): {"title": "越界活动", "date": SOON.strftime("%Y-%m-%d"), "time": "09:00",
                                  "place": "村委会", "places": "3", "points": "1", "org_id": "{village_id}"},
    ("GET", "/api/v1/activities/{activity_id}"): None,
    ("GET", "/activities/{activity_id}"): None,
    ("GET", "/api/v1/activities/{activity_id}/checkin-code"): None,
    ("GET", "/activities/{activity_id}/qr"): None,
    ("GET", "/activities/{activity_id}/qr/code"): None,
    ("GET", "/activities/{activity_id}/checkin"): None,
    ("POST", "/api/v1/activities/{activity_id}/attendance"): {"user_ids": "{activity_user_ids}"},
    ("POST", "/activities/{activity_id}/attendance"): {"present": "{activity_user_id}"},
    ("POST", "/api/v1/activities/{activity_id}/close"): {},
    ("POST", "/activities/{activity_id}/close"): {},
    ("POST", "/api/v1/activities/{activity_id}/photos"): ("official", "photo", {"activity_id": "closed_activity_id"}),
    ("POST", "/activities/{activity_id}/photos"): ("official", "photo", {"activity_id": "closed_activity_id"}),
    ("GET", "/activities/{activity_id}/photos/{photo_id}.jpg"): ("official", None, {
        "activity_id": "closed_activity_id", "photo_id": "activity_photo_id"}),
    # A villager's own steps: 王建国 of 示范村 is the insider; 邻村's people may not sign up (not found).
    ("POST", "/api/v1/activities/{activity_id}/signups"): ("villager", {}, {"activity_id": "upcoming_activity_id"}),
    ("POST", "/activities/{activity_id}/signup"): ("villager", {}, {"activity_id": "upcoming_activity_id"}),
    ("POST", "/api/v1/activities/{activity_id}/signups/cancel"): ("villager", {},
                                                                  {"activity_id": "upcoming_activity_id"}),
    ("POST", "/activities/{activity_id}/withdraw"): ("villager", {}, {"activity_id": "upcoming_activity_id"}),
    ("POST", "/api/v1/activities/{activity_id}/checkin"): ("villager", {"token": "{activity_code}"}),
    ("POST", "/activities/{activity_id}/checkin"): ("villager", {"code": "{activity_code}"}),
}
