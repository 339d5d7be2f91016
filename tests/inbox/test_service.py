"""Each event writes exactly one message to each person it concerns, and none to anyone else (another household,
another village): answers, order steps, 定榜, awards posted and waiting, 扫码兑换 expired or refused."""

import pytest

from app.db import session_for
from app.evaluation.boards import shift_month, this_month
from app.org.models import User
from app.shop.requests.service import expire_due
from tests.conftest import DEMO, add_person
from tests.evaluation.test_api import heads, open_round, score, set_min_notice_days
from tests.inbox.helpers import mark, members, readers, since, user_id

MONTH = shift_month(this_month("Asia/Shanghai"), -2)
OUTSIDER = "13800000099"  # an official of 邻村


@pytest.fixture
def outsider(demo_engine):
    return add_person(demo_engine, phone=OUTSIDER, name="外村干部", role="official", unit="邻村")


def test_an_answered_question_tells_its_asker_once(api, demo_engine):
    disclosure = api.post("/disclosures", "official", json={"category": "finance", "title": "修路",
                                                             "body": "村东路面硬化"}).json()
    q = api.post(f"/disclosures/{disclosure['id']}/questions", "villager", json={"body": "什么时候开工？"}).json()
    before = mark(demo_engine)
    for _ in range(2):  # a double tap answers once
        r = api.post(f"/disclosure-questions/{q['id']}/answer", "official", json={"answer": "下月初"})
        assert r.status_code == 200, r.text
    got = since(demo_engine, before)
    assert readers(got) == [user_id(demo_engine, DEMO["villager"])]
    assert got[0].kind == "question_answer" and "什么时候开工" in got[0].text
    assert got[0].link == f"/disclosures/{disclosure['id']}#questions"


def test_a_round_tells_the_objector_and_then_each_household_its_line(api, demo_engine):
    h = heads(demo_engine)
    set_min_notice_days(api, demo_engine, 0)
    rid = open_round(api, MONTH)
    assert score(api, rid, h["赵德明"], "赡养老人尽心", 8).status_code == 201
    assert score(api, rid, h["李秀英"], "卫生不整洁", 0).status_code == 201
    assert api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 0}).status_code == 200
    line = next(x for x in api.get(f"/evaluations/{rid}", "villager").json()["lines"] if x["household"] == "赵*明")
    obj = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "villager", json={"text": "不属实"}).json()
    before = mark(demo_engine)
    r = api.post(f"/evaluations/{rid}/objections/{obj['id']}/answer", "official",
                 json={"answer": "核实后改为 6 分", "corrected_points": 6})
    assert r.status_code == 200, r.text
    got = since(demo_engine, before)
    assert readers(got) == [user_id(demo_engine, DEMO["villager"])] and got[0].kind == "objection_answer"

    before = mark(demo_engine)
    assert api.post(f"/evaluations/{rid}/finalize", "official").status_code == 200
    assert api.post(f"/evaluations/{rid}/finalize", "official").status_code == 200  # again: nobody told twice
    got = since(demo_engine, before)
    assert readers(got, "round_result") == sorted(members(demo_engine, "赵德明") | members(demo_engine, "李秀英"))
    words = {m.user_id: m.text for m in got if m.kind == "round_result"}
    zhao = next(iter(members(demo_engine, "赵德明")))
    li = next(iter(members(demo_engine, "李秀英")))
    assert "得 6 分，上了红榜" in words[zhao] and "本月未得分，上了黑榜" in words[li]
    assert readers(got, "award") == []  # the round's credit is told with its line, not twice


def test_an_orders_steps_tell_the_served_household_not_the_one_who_took_the_step(api, demo_engine, new_order):
    family = members(demo_engine, "王建国")
    volunteer = user_id(demo_engine, DEMO["volunteer"])
    oid = new_order()["id"]
    before = mark(demo_engine)
    assert api.post(f"/orders/{oid}/dispatch", "official", json={"volunteer_user_id": volunteer}).status_code == 200
    assert api.post(f"/orders/{oid}/accept", "volunteer").status_code == 200
    assert api.post(f"/orders/{oid}/complete", "volunteer", json={"hours": 1}).status_code == 200
    got = since(demo_engine, before)
    assert readers(got, "order") == sorted([*family] * 3)
    assert volunteer not in readers(got)
    texts = [m.text for m in got if m.user_id == user_id(demo_engine, DEMO["villager"])]
    assert [t.split("」")[1] for t in texts] == ["已派单，等志愿者接单", "志愿者已接单", "服务已完成，请评价"]
    before = mark(demo_engine)
    assert api.post(f"/orders/{oid}/rate", "villager", json={"stars": 5}).status_code == 200
    assert readers(since(demo_engine, before), "order") == []  # his own step: nothing to tell him


def test_a_posted_award_tells_the_household_and_a_waiting_one_its_approvers(api, demo_engine, outsider):
    family = members(demo_engine, "王建国")
    household = heads(demo_engine)["王建国"]
    before = mark(demo_engine)
    posted = api.post("/points/awards", "official", json={"household_id": household, "points": 3, "reason": "扫雪"})
    assert posted.status_code == 201, posted.text
    got = since(demo_engine, before)
    assert readers(got) == sorted(family) and all(m.kind == "award" and "+3" in m.text for m in got)

    before = mark(demo_engine)
    waiting = api.post("/points/awards", "official", json={"household_id": household, "points": 300,
                                                           "reason": "救火"})
    assert waiting.status_code == 202, waiting.text
    got = since(demo_engine, before)
    town_admin = user_id(demo_engine, DEMO["town_admin"])
    assert readers(got, "award_pending") == [town_admin]  # the proposer, the household and 邻村 are not told
    assert readers(got, "award") == []
    before = mark(demo_engine)
    assert api.post(f"/points/awards/{waiting.json()['id']}/approve", "town_admin").status_code == 200
    assert readers(since(demo_engine, before), "award") == sorted(family)


def test_a_request_expired_or_refused_tells_the_household(api, demo_engine):
    shop = api.get("/shops", "villager").json()["items"][0]["id"]
    goods = next(g for g in api.get(f"/shops/{shop}/goods", "villager").json()["items"] if g["stock"] > 1)
    items = [{"goods_id": goods["id"], "quantity": 1}]
    family = members(demo_engine, "王建国")
    first = api.post(f"/shops/{shop}/requests", "villager", key="r1", json={"items": items}).json()
    before = mark(demo_engine)
    r = api.post(f"/shops/{shop}/requests/{first['id']}/refuse", "attendant", json={"reason": "缺货"})
    assert r.status_code == 200, r.text
    got = since(demo_engine, before)
    assert readers(got, "shop_request") == sorted(family) and "被店员退回" in got[0].text and "缺货" in got[0].text

    second = api.post(f"/shops/{shop}/requests", "villager", key="r2", json={"items": items}).json()
    before = mark(demo_engine)
    with session_for(demo_engine, write=True) as s:
        from app.shop.requests.models import ShopRequest
        req = s.get(ShopRequest, second["id"])
        assert expire_due(s, request_ids=[req.id], now=req.expires_at.replace(year=req.expires_at.year + 1)) == 1
        s.commit()
    got = since(demo_engine, before)
    assert readers(got, "shop_request") == sorted(family) and "已过期" in got[0].text


def test_a_cancel_by_the_villager_tells_nobody(api, demo_engine):
    shop = api.get("/shops", "villager").json()["items"][0]["id"]
    goods = next(g for g in api.get(f"/shops/{shop}/goods", "villager").json()["items"] if g["stock"] > 1)
    made = api.post(f"/shops/{shop}/requests", "villager", key="c1",
                    json={"items": [{"goods_id": goods["id"], "quantity": 1}]}).json()
    before = mark(demo_engine)
    assert api.post(f"/shops/{shop}/requests/{made['id']}/cancel", "villager").status_code == 200
    assert since(demo_engine, before) == []


def test_notify_writes_once_a_person_and_keeps_the_line_short(demo_engine):
    from app.inbox.service import notify
    villager = user_id(demo_engine, DEMO["villager"])
    before = mark(demo_engine)
    with session_for(demo_engine, write=True) as s:
        household = s.get(User, villager).household_id
        notify(s, kind="award", text="长" * 300, household_id=household, user_ids=[villager, None])
        s.commit()
    got = since(demo_engine, before)
    assert readers(got) == sorted(members(demo_engine, "王建国")) and len(got[0].text) == 200
