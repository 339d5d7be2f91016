"""Helpers for the service-order tests: the demo world's orders by title, the second volunteer, clock moves."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.ledger.accounts import household_account
from app.org.models import Household
from app.volunteer.models import ServiceOrder

SECOND_VOLUNTEER = "13800000031"  # 赵小军, of 赵德明's household, in 巧手志愿队 with 李志愿


def demo_order(engine, title: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(ServiceOrder.id).where(ServiceOrder.title == title)).one()


def balance_of(engine, head: str) -> int:
    with session_for(engine, write=False) as s:
        household = s.exec(select(Household).where(Household.head_name == head)).one()
        return household_account(s, household_id=household.id).balance


def age_order(engine, order_id: int, *, days: float = 0, completed_days: float = 0) -> None:
    """Move an order's clock back (as if it was placed / completed that long ago)."""
    with session_for(engine, write=True) as s:
        order = s.get(ServiceOrder, order_id)
        values = {}
        if days:
            values["created_at"] = order.created_at - timedelta(days=days)
        if completed_days:
            values["completed_at"] = order.completed_at - timedelta(days=completed_days)
        s.execute(update(ServiceOrder).where(ServiceOrder.id == order_id).values(**values))
        s.commit()


@pytest.fixture
def new_order(api):
    """A fresh order of 王建国's from the menu (理发), open."""
    def make(title: str = "理发", **extra):
        menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
        r = api.post("/orders", "villager", json={"service_id": menu[title], "description": "测试订单", **extra})
        assert r.status_code == 201, r.text
        return r.json()
    return make


def household_card(engine, order_id: int, *, pin: str) -> str:
    """A household card (with its 卡密码) for the household an order serves, as an official prints it."""
    from app.org.access import load_actor
    from app.org.models import User
    from app.shop.redemption.paycodes import issue_card
    from tests.conftest import TEST_SECRET

    with session_for(engine, write=True) as s:
        order = s.get(ServiceOrder, order_id)
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        code, _ = issue_card(s, actor=official, household=s.get(Household, order.household_id), pin=pin,
                             secret=TEST_SECRET)
        s.commit()
    return code


def township_order(engine, *, phone: str = "13800000004", title: str = "政策宣讲进院坝") -> int:
    """An open order of a 所 (or 中心) service, placed by the villager `phone` for their household: its id."""
    from app.org.access import load_actor
    from app.org.models import User
    from app.volunteer import service
    from app.volunteer.models import VolunteerService

    with session_for(engine, write=True) as s:
        villager = load_actor(s, s.exec(select(User).where(User.phone == phone)).one())
        offered = s.exec(select(VolunteerService.id).where(VolunteerService.name == title)).one()
        order = service.place_order(s, actor=villager, service_id=offered, wish="", description="想听听医保新政策",
                                    address="", preferred_time="周末", household_id=None, for_name="",
                                    idempotency_key=None)
        s.commit()
        return order.id


def isolation_ids(engine) -> dict:
    """For tests/test_isolation.py: an order of 示范村 in the state each step needs (the step's insider succeeds)."""
    ids = {name: demo_order(engine, title) for name, title in (
        ("order_id", "代购药品"), ("dispatched_order_id", "家电维修"), ("accepted_order_id", "陪同就医"),
        ("completed_order_id", "教我用手机视频"), ("pending_order_id", "代办证件"))}
    age_order(engine, ids["completed_order_id"], completed_days=4)  # past the rating time: the station may confirm
    with session_for(engine, write=False) as s:
        from app.volunteer.models import VolunteerService, VolunteerTeam
        ids["service_id"] = s.exec(select(VolunteerService.id).where(VolunteerService.name == "理发")).one()
        ids["team_id"] = s.exec(select(VolunteerTeam.id).where(VolunteerTeam.name == "巧手志愿队")).one()
        ids["volunteer_user_id"] = s.exec(select(ServiceOrder.volunteer_id).where(
            ServiceOrder.id == ids["accepted_order_id"])).one()
    ids["dispatch_to"] = f"user:{ids['volunteer_user_id']}"
    with session_for(engine, write=True) as s:  # 志愿者注册: 王建国 (the demo villager) waits for the station
        from app.org.models import User
        from app.volunteer.models import VolunteerApplication
        villager = s.exec(select(User).where(User.phone == "13800000004")).one()
        household = s.get(Household, villager.household_id)
        application = VolunteerApplication(village_id=household.village_id, user_id=villager.id,
                                           open_user_id=villager.id, skills="理发")
        s.add(application)
        s.commit()
        ids["application_id"] = application.id
    ids["card_code"] = household_card(engine, ids["completed_order_id"], pin="2468")
    ids["township_order_id"] = township_order(engine)
    from tests.shop.test_goods_api import jpeg_bytes
    with session_for(engine, write=True) as s:  # a photo on the completed order
        from app.volunteer.models import ServiceOrderPhoto
        photo = ServiceOrderPhoto(data=jpeg_bytes(), content_type="image/jpeg")
        s.add(photo)
        s.flush()
        s.execute(update(ServiceOrder).where(ServiceOrder.id == ids["completed_order_id"]).values(photo_id=photo.id))
        s.commit()
    by_state = {"accept": "dispatched_order_id", "decline": "dispatched_order_id", "complete": "accepted_order_id",
                "rate": "completed_order_id", "rate-by-card": "completed_order_id", "confirm": "completed_order_id",
                "photo": "completed_order_id",
                "approve-hours": "pending_order_id", "photo.jpg": "completed_order_id"}
    by_state["hand-down"] = "township_order_id"  # a 所 service, open: the town admin hands it down
    ids["by_route"] = {f"{prefix}/orders/{{order_id}}/{step}": {"order_id": ids[key]}
                       for step, key in by_state.items() for prefix in ("/api/v1", "/service")}
    return ids


ISOLATION_CASES = {
    ("GET", "/api/v1/services"): "list",
    ("POST", "/api/v1/services"): {"name": "越界服务", "village_id": "{village_id}"},
    ("GET", "/api/v1/volunteer-teams"): "list",
    ("POST", "/api/v1/volunteer-teams"): {"name": "越界队", "village_id": "{village_id}"},
    ("POST", "/api/v1/volunteer-teams/{team_id}/members"): {"user_id": "{volunteer_user_id}"},
    ("GET", "/api/v1/service-settings"): "village_query",
    ("PUT", "/api/v1/service-settings"): {"monthly_cap": 300, "village_id": "{village_id}"},
    ("POST", "/api/v1/orders"): {"service_id": "{service_id}", "household_id": "{household_id}"},
    ("GET", "/api/v1/orders"): "list",
    ("GET", "/api/v1/orders/{order_id}"): None,
    ("POST", "/api/v1/orders/{order_id}/dispatch"): {"volunteer_user_id": "{volunteer_user_id}"},
    ("POST", "/api/v1/orders/{order_id}/reject"): {"reason": "不受理"},
    ("POST", "/api/v1/orders/{order_id}/accept"): ("volunteer", {}),
    ("POST", "/api/v1/orders/{order_id}/decline"): ("volunteer", {"reason": "没空"}),
    ("POST", "/api/v1/orders/{order_id}/cancel"): {"reason": "取消"},
    ("POST", "/api/v1/orders/{order_id}/complete"): ("volunteer", {"hours": 1, "note": "好"}),
    ("PUT", "/api/v1/orders/{order_id}/photo"): ("volunteer", "photo"),
    ("POST", "/api/v1/orders/{order_id}/rate"): ("villager", {"stars": 5, "comment": "好"}),
    ("POST", "/api/v1/orders/{order_id}/rate-by-card"): {"stars": 5, "card_code": "{card_code}", "pin": "2468"},
    ("POST", "/api/v1/orders/{order_id}/confirm"): {},
    ("POST", "/api/v1/orders/{order_id}/approve-hours"): {"hours": 2},
    ("GET", "/api/v1/service-ratings"): "list",
    ("GET", "/service/menu"): "village_query",
    ("GET", "/service/order/new"): "list",
    ("GET", "/service/ratings"): "village_query",
    ("POST", "/service/orders"): {"service_id": "{service_id}", "household_id": "{household_id}"},
    ("GET", "/service/orders/{order_id}"): None,
    ("GET", "/service/orders/{order_id}/photo.jpg"): None,
    ("POST", "/service/orders/{order_id}/dispatch"): {"to": "{dispatch_to}"},
    ("POST", "/service/orders/{order_id}/reject"): {"reason": "不受理"},
    ("POST", "/service/orders/{order_id}/accept"): ("volunteer", {}),
    ("POST", "/service/orders/{order_id}/decline"): ("volunteer", {"reason": "没空"}),
    ("POST", "/service/orders/{order_id}/cancel"): {"reason": "取消"},
    ("POST", "/service/orders/{order_id}/complete"): ("volunteer", {"hours": "1", "note": "好"}),
    ("POST", "/service/orders/{order_id}/photo"): ("volunteer", "photo"),
    ("POST", "/service/orders/{order_id}/rate"): ("villager", {"stars": "5", "comment": "好"}),
    ("POST", "/service/orders/{order_id}/rate-by-card"): {"stars": "5", "card_code": "{card_code}", "pin": "2468"},
    ("POST", "/service/orders/{order_id}/confirm"): {},
    ("POST", "/service/orders/{order_id}/approve-hours"): {"hours": "2"},
    ("GET", "/service/board"): "village_query",
    ("POST", "/service/board/confirm"): {"village_id": "{village_id}"},
    ("POST", "/service/board/settings"): {"village_id": "{village_id}", "points_per_hour": "10", "monthly_cap": "200",
                                          "dispatch_hours": "24", "complete_days": "3", "rate_days": "3"},
    ("POST", "/service/board/services"): {"village_id": "{village_id}", "name": "越界服务", "standard_hours": "1"},
    ("POST", "/service/board/teams"): {"village_id": "{village_id}", "name": "越界队",
                                       "member_ids": "{volunteer_user_id}"},
}
ISOLATION_CASES[("GET", "/service/centre")] = ("town_admin", None)
ISOLATION_CASES[("GET", "/service")] = "village_query"  # the tab switches village for a town admin (issue #18)
ISOLATION_CASES[("POST", "/service/centre/services")] = ("town_admin", {"name": "法律咨询", "standard_hours": "1"})
# 中心 and 所 act (issue #20): the town admin forms the 所's team and hands its order down to the village's 站.
ISOLATION_CASES[("POST", "/service/centre/teams")] = ("town_admin", {"name": "镇医疗志愿队"})
ISOLATION_CASES[("POST", "/api/v1/orders/{order_id}/hand-down")] = ("town_admin", {"note": "请村里安排"})
ISOLATION_CASES[("POST", "/service/orders/{order_id}/hand-down")] = ("town_admin", {"note": "请村里安排"})
# 志愿者注册 (issue #17): a villager applies in their own village only; the station reviews its village's.
ISOLATION_CASES.update({
    ("GET", "/api/v1/villages/{village_id}/volunteer-applications"): None,
    ("POST", "/api/v1/volunteer-applications/{application_id}/approve"): {},
    ("POST", "/api/v1/volunteer-applications/{application_id}/decline"): {"reason": "人够了"},
    ("GET", "/service/applications"): "village_query",
    ("POST", "/service/applications/{application_id}/approve"): {},
    ("POST", "/service/applications/{application_id}/decline"): {"reason": "人够了"},
})
ISOLATION_SELF_ONLY = {("GET", "/api/v1/me/service-hours"), ("GET", "/api/v1/me/service-badges"),
                       ("GET", "/service/badge"), ("GET", "/service/record"),
                       ("POST", "/api/v1/volunteer-applications"), ("GET", "/service/volunteer"),
                       ("POST", "/service/volunteer")}
