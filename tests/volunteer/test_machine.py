"""The state machine from outside, on both databases: every step from every status it does not start from is 409
invalid_state (taken by the one who may take it, so only the status is wrong); the table and the steps agree."""

from datetime import timedelta

from sqlalchemy import update

from app.db import session_for
from app.timeutil import utcnow
from app.volunteer.machine import TRANSITIONS
from app.volunteer.models import OrderStatus, ServiceOrder
from tests.conftest import error_code

S = OrderStatus
# endpoint, who takes it, body, the statuses it may start from (written out here, apart from the table)
STEPS = [
    ("dispatch", "official", "dispatch", {S.open, S.dispatched, S.accepted}),
    ("reject", "official", {"reason": "不受理"}, {S.open}),
    ("accept", "volunteer", None, {S.open, S.dispatched}),
    ("decline", "volunteer", {"reason": "去不了"}, {S.dispatched, S.accepted}),
    ("cancel", "official", {"reason": "取消"}, {S.open, S.dispatched, S.accepted}),
    ("cancel", "villager", {}, {S.open, S.dispatched}),
    ("complete", "volunteer", {"hours": 1}, {S.accepted}),
    ("rate", "villager", {"stars": 3}, {S.completed}),
    ("confirm", "official", None, {S.completed}),
    ("approve-hours", "official", {"hours": 1}, {S.completed, S.rated, S.confirmed}),
]


def put_in(engine, order_id: int, status: str, volunteer_id: int) -> None:
    """The order in `status`, sent to / done by 李志愿, its hours waiting for approval, completed days ago."""
    with session_for(engine, write=True) as s:
        s.execute(update(ServiceOrder).where(ServiceOrder.id == order_id).values(
            status=status, volunteer_id=volunteer_id, team_id=None, approval="pending", claimed_minutes=120,
            completed_at=utcnow() - timedelta(days=10), points=None))
        s.commit()


def test_every_step_from_every_other_status_is_invalid_state(api, demo_engine, new_order):
    order_id = new_order()["id"]
    volunteer = api.get("/me", "volunteer").json()["id"]
    refused = 0
    for status in S:
        put_in(demo_engine, order_id, status, volunteer)
        for action, who, body, starts in STEPS:
            if status in starts:
                continue
            if body == "dispatch":
                body = {"volunteer_user_id": volunteer}
            r = api.post(f"/orders/{order_id}/{action}", who, json=body)
            assert r.status_code == 409 and error_code(r) == "invalid_state", (status, action, who, r.text)
            refused += 1
    assert refused == sum(len(S) - len(starts) for *_, starts in STEPS)


def test_each_step_goes_through_from_where_it_may_start(api, demo_engine, new_order):
    volunteer = api.get("/me", "volunteer").json()["id"]
    for action, who, body, starts in STEPS:
        for status in starts:
            order_id = new_order()["id"]
            put_in(demo_engine, order_id, status, volunteer)
            if body == "dispatch":
                body = {"volunteer_user_id": volunteer}
            r = api.post(f"/orders/{order_id}/{action}", who, json=body)
            assert r.status_code == 200, (status, action, who, r.text)


def test_the_table_names_each_step_once_with_a_label_and_a_refusal():
    assert set(TRANSITIONS) == {"dispatch", "redispatch", "reject", "take", "accept", "decline", "decline_team",
                                "cancel", "withdraw", "complete", "rate", "rate_card", "confirm", "approve_hours",
                                "hand_down"}
    for t in TRANSITIONS.values():
        assert t.source and t.label and t.refusal and t.source <= set(S)
        assert t.target is None or t.target in set(S)
    closed = {S.rejected, S.cancelled}
    assert not any(closed & t.source for t in TRANSITIONS.values())  # nothing leaves a closed order


OTHERS = ["villager", "volunteer", "13800000031", "official", "attendant", "committee", "town_admin", "neighbour"]
MAY = {"dispatch": {"official"}, "reject": {"official"}, "accept": {"volunteer"}, "decline": {"volunteer"},
       "cancel": {"official", "villager"}, "complete": {"volunteer"}, "rate": {"villager"}, "confirm": {"official"},
       "approve-hours": {"official"}}


def test_each_step_refuses_everyone_the_table_does_not_name(api, demo_engine, new_order):
    volunteer = api.get("/me", "volunteer").json()["id"]
    for action, _who, body, starts in STEPS[:5] + STEPS[6:]:
        status = S.dispatched if S.dispatched in starts else sorted(starts)[0]  # sent to 李志愿: not the pool's
        order_id = new_order()["id"]
        put_in(demo_engine, order_id, status, volunteer)
        if body == "dispatch":
            body = {"volunteer_user_id": volunteer}
        for who in OTHERS:
            if who in MAY[action]:
                continue
            r = api.post(f"/orders/{order_id}/{action}", who, json=body)
            assert r.status_code in (403, 404), (action, status, who, r.status_code, r.text)
            # 李志愿 did the service: rating it is 回避's refusal, not the table's (tests/volunteer/test_integrity.py)
            recused = action == "rate" and who == "volunteer"
            assert error_code(r) == "conflict_of_interest" if recused else error_code(r) in ("forbidden", "not_found")
