"""The 服务 badge counts only what needs the person (issue #18): the villager's orders waiting for his rating, the
volunteer's orders offered to or accepted by him and not done, the station's undispatched, overdue and hours to
approve. The demo world: 王建国's household has 2 orders to rate of its 6; 李志愿 1 sent and 1 accepted; the station
2 undispatched (one overdue) and 1 with hours to approve."""

import pytest

from tests.volunteer.conftest import SECOND_VOLUNTEER, age_order, demo_order

pytestmark = pytest.mark.sqlite_only  # counts read by SQL the service tests run on both engines


def badges(api, who) -> dict:
    r = api.get("/me/service-badges", who)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_villager_counts_only_orders_waiting_for_his_rating(api, demo_engine, new_order):
    assert badges(api, "villager")["total"] == 2  # 教我用手机视频, 代办证件: done, not yet rated
    new_order()  # a new order waits for the station, not for him
    assert badges(api, "villager")["mine"] == 2
    oid = demo_order(demo_engine, "教我用手机视频")
    assert api.post(f"/orders/{oid}/rate", "villager", json={"stars": 5}).status_code == 200
    assert badges(api, "villager") == {"volunteer": 0, "station": 0, "mine": 1, "total": 1}


def test_the_volunteer_counts_what_was_sent_to_him_or_he_took_and_not_the_pool(api, demo_engine):
    assert badges(api, "volunteer")["volunteer"] == 2  # 家电维修 sent, 陪同就医 accepted; the pool's 2 are not his
    oid = demo_order(demo_engine, "陪同就医")
    assert api.post(f"/orders/{oid}/complete", "volunteer", json={"hours": 1}).status_code == 200
    assert badges(api, "volunteer")["volunteer"] == 1
    assert badges(api, SECOND_VOLUNTEER)["volunteer"] == 0  # his 代办证件 is done: it waits for others


def test_the_station_counts_undispatched_overdue_and_hours_to_approve(api, demo_engine):
    assert badges(api, "official")["station"] == 3  # 代购药品 (late), 读报聊天, 代办证件's hours
    repair = demo_order(demo_engine, "家电维修")  # dispatched, on time: the volunteer's to act on
    age_order(demo_engine, repair, days=4)  # not done within 3 days: now the station's too
    assert badges(api, "official")["station"] == 4


def test_someone_with_nothing_waiting_has_no_badge(api):
    assert badges(api, "neighbour")["total"] == 0
    r = api.client.get("/service/badge", headers=api.headers("neighbour"))
    assert r.text == "<span hidden></span>"
