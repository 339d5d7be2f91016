"""Service orders through the JSON API, on SQLite and PostgreSQL: every step, each wrong actor, each step out of
order, hours → points exactly once, the village's rules."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction, TxnKind
from app.volunteer.models import ServiceOrderEvent
from tests.conftest import error_code
from tests.volunteer.conftest import SECOND_VOLUNTEER, age_order, balance_of, demo_order


def volunteer_id(api, who="volunteer") -> int:
    return api.get("/me", who).json()["id"]


def put(api, who, body):
    return api.client.put("/api/v1/service-settings", headers=api.headers(who), json=body)


def step(api, who, order_id, action, body=None):
    return api.post(f"/orders/{order_id}/{action}", who, json=body)


class TestMenu:
    def test_the_village_menu_has_the_three_levels(self, api):
        items = api.get("/services", "villager").json()["items"]
        names = {s["name"]: s for s in items}
        assert {"理发", "代购药品", "陪同就医", "家电维修", "读报聊天"} <= set(names)
        assert names["理发"]["level"] == "village" and names["理发"]["provider"] == "示范村巧手志愿队"
        assert names["政策宣讲进院坝"]["level"] == "township" and names["义诊体检"]["level"] == "county"
        assert names["陪同就医"]["standard_hours"] == 4

    def test_another_village_sees_only_the_township_and_county_services(self, api):
        names = {s["name"] for s in api.get("/services", "neighbour").json()["items"]}
        assert names == {"政策宣讲进院坝", "义诊体检"}

    def test_an_official_adds_a_service_a_villager_cannot(self, api):
        body = {"name": "磨刀", "category": "生活服务", "standard_hours": 0.5, "provider": "老张"}
        r = api.post("/services", "official", json=body, key="svc-1")
        assert r.status_code == 201 and r.json()["standard_hours"] == 0.5
        assert api.post("/services", "official", json=body, key="svc-1").json()["id"] == r.json()["id"]
        assert sum(s["name"] == "磨刀" for s in api.get("/services", "villager").json()["items"]) == 1
        assert api.post("/services", "villager", json=body).status_code == 403
        assert api.post("/services", "volunteer", json=body).status_code == 403

    def test_the_town_admin_offers_a_township_service(self, api):
        body = {"name": "法律咨询", "level": "township", "standard_hours": 1}
        assert api.post("/services", "official", json=body).status_code == 403
        village = api.get("/me", "official").json()["village_id"]
        assert api.post("/services", "town_admin", json={**body, "village_id": village}).status_code == 201
        assert "法律咨询" in {s["name"] for s in api.get("/services", "neighbour").json()["items"]}

    def test_teams_list_their_members(self, api):
        teams = api.get("/volunteer-teams", "villager").json()["items"]
        assert [t["name"] for t in teams] == ["巧手志愿队"]
        assert {m["name"] for m in teams[0]["members"]} == {"李志愿", "赵小军"}

    def test_a_team_takes_only_volunteers_of_the_village(self, api):
        r = api.post("/volunteer-teams", "official", json={"name": "新队", "member_user_ids": [volunteer_id(api)]})
        assert r.status_code == 201
        r = api.post("/volunteer-teams", "official",
                     json={"name": "新队2", "member_user_ids": [volunteer_id(api, "villager")]})
        assert r.status_code == 422


class TestTheWholeLoop:
    def test_order_dispatch_accept_complete_rate_credits_the_volunteer(self, api, demo_engine, new_order):
        before = balance_of(demo_engine, "李秀英")
        order = new_order(address="示范村一组 12 号", preferred_time="周六上午")
        assert order["status"] == "open" and order["standard_hours"] == 1 and not order["on_behalf"]
        oid, vid = order["id"], volunteer_id(api)
        r = step(api, "official", oid, "dispatch", {"volunteer_user_id": vid})
        assert r.status_code == 200 and r.json()["status"] == "dispatched" and r.json()["volunteer"] == "李志愿"
        assert step(api, "volunteer", oid, "accept").json()["status"] == "accepted"
        r = step(api, "volunteer", oid, "complete", {"hours": 1, "note": "理好了"})
        assert r.json()["status"] == "completed" and r.json()["hours"] == 1 and r.json()["points"] is None
        assert balance_of(demo_engine, "李秀英") == before  # not before the villager confirms
        r = step(api, "villager", oid, "rate", {"stars": 5, "comment": "很好"})
        body = r.json()
        assert r.status_code == 200 and body["status"] == "rated" and body["stars"] == 5 and body["points"] == 10
        assert balance_of(demo_engine, "李秀英") == before + 10
        assert [e["action"] for e in body["events"]] == ["create", "dispatch", "accept", "complete", "rate"]
        assert [e["actor"] for e in body["events"]] == ["王建国", "张书记", "李志愿", "李志愿", "王建国"]
        with session_for(demo_engine, write=False) as s:
            actions = s.exec(select(AuditEntry.action).where(AuditEntry.target_type == "service_order",
                                                             AuditEntry.target_id == oid).order_by(AuditEntry.id)).all()
            assert actions == ["order.create", "order.dispatch", "order.accept", "order.complete", "order.rate"]
            txn = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.service,
                                                         LedgerTransaction.source_id == oid)).one()
            assert "理发" in txn.reason and txn.category == "public_good"
            assert check_ledger(s) == []

    def test_a_rating_sent_again_with_its_key_answers_as_the_first(self, api, demo_engine):
        oid = demo_order(demo_engine, "教我用手机视频")
        before = balance_of(demo_engine, "李秀英")
        first = api.post(f"/orders/{oid}/rate", "villager", json={"stars": 4, "comment": ""}, key="r-1")
        again = api.post(f"/orders/{oid}/rate", "villager", json={"stars": 4, "comment": ""}, key="r-1")
        assert first.status_code == again.status_code == 200 and again.json()["status"] == "rated"
        assert [e["action"] for e in again.json()["events"]].count("rate") == 1
        assert balance_of(demo_engine, "李秀英") == before + first.json()["points"]
        other = api.post(f"/orders/{oid}/rate", "villager", json={"stars": 5, "comment": ""}, key="r-1")
        assert other.status_code == 409  # the same key with another rating is refused

    def test_the_pool_lets_any_volunteer_of_the_village_take_an_order(self, api, new_order):
        oid = new_order()["id"]
        r = step(api, SECOND_VOLUNTEER, oid, "accept")
        assert r.status_code == 200 and r.json()["volunteer"] == "赵小军"
        assert r.json()["events"][-1]["label"] == "抢单"
        # Taken: no longer in the pool, so no longer 李志愿's to read (PIPL: only its volunteer and the station).
        r = step(api, "volunteer", oid, "accept")
        assert r.status_code == 404 and "已被其他志愿者接走" in r.json()["error"]["message"]

    def test_a_team_dispatch_is_accepted_by_one_member(self, api, new_order):
        oid = new_order()["id"]
        team = api.get("/volunteer-teams", "official").json()["items"][0]["id"]
        assert step(api, "official", oid, "dispatch", {"team_id": team}).json()["team"] == "巧手志愿队"
        assert api.get("/me/service-badges", SECOND_VOLUNTEER).json()["volunteer"] == 1
        r = step(api, SECOND_VOLUNTEER, oid, "accept")
        assert r.status_code == 200 and r.json()["volunteer"] == "赵小军"
        assert step(api, "volunteer", oid, "complete", {"hours": 1}).status_code == 403

    def test_an_official_orders_for_an_elderly_villager(self, api, session, new_order):
        from app.org.models import Household
        zhao = session.exec(select(Household).where(Household.head_name == "赵德明")).one().id
        session.rollback()
        menu = {s["name"]: s["id"] for s in api.get("/services", "official").json()["items"]}
        r = api.post("/orders", "official", json={"service_id": menu["理发"], "household_id": zhao,
                                                   "for_name": "赵大爷"})
        assert r.status_code == 201 and r.json()["on_behalf"] and r.json()["for_name"] == "赵大爷"
        assert "代点单" in r.json()["events"][0]["note"]
        assert r.json()["address"] == "示范村三组 8 号"  # the household's address when none was given
        assert api.post("/orders", "villager", json={"service_id": menu["理发"], "household_id": zhao}
                        ).status_code == 404

    def test_a_wish_not_on_the_menu(self, api):
        r = api.post("/orders", "villager", json={"wish": "帮忙搬柜子", "description": "一个人搬不动"})
        assert r.status_code == 201 and r.json()["title"] == "帮忙搬柜子" and r.json()["standard_hours"] == 2
        assert r.json()["service_id"] is None


class TestSideRoads:
    def test_decline_goes_back_to_the_station_with_the_reason(self, api, new_order):
        oid = new_order()["id"]
        step(api, "official", oid, "dispatch", {"volunteer_user_id": volunteer_id(api)})
        assert step(api, "volunteer", oid, "decline", {"reason": " "}).status_code == 422
        r = step(api, "volunteer", oid, "decline", {"reason": "这两天在外地"})
        assert r.json()["status"] == "open" and r.json()["volunteer"] is None
        assert r.json()["address"] == "" and r.json()["events"] == []  # back in the pool: the pool's view
        assert api.get(f"/orders/{oid}", "official").json()["events"][-1]["note"] == "这两天在外地"
        r = step(api, "official", oid, "dispatch", {"volunteer_user_id": volunteer_id(api, SECOND_VOLUNTEER)})
        assert r.json()["volunteer"] == "赵小军"

    def test_redispatch_of_an_accepted_order(self, api, new_order):
        oid = new_order()["id"]
        step(api, "volunteer", oid, "accept")
        r = step(api, "official", oid, "dispatch", {"volunteer_user_id": volunteer_id(api, SECOND_VOLUNTEER)})
        assert r.json()["status"] == "dispatched" and r.json()["events"][-1]["action"] == "redispatch"

    def test_reject_needs_a_reason(self, api, new_order):
        oid = new_order()["id"]
        assert step(api, "official", oid, "reject", {"reason": "\u200b"}).status_code == 422
        r = step(api, "official", oid, "reject", {"reason": "本村暂不提供此服务"})
        assert r.json()["status"] == "rejected" and r.json()["status_label"] == "未受理"

    def test_the_villager_cancels_before_acceptance_not_after(self, api, new_order):
        oid = new_order()["id"]
        assert step(api, "villager", oid, "cancel", {}).json()["status"] == "cancelled"
        oid = new_order()["id"]
        step(api, "volunteer", oid, "accept")
        r = step(api, "villager", oid, "cancel", {})
        assert r.status_code == 409 and error_code(r) == "invalid_state"
        assert step(api, "official", oid, "cancel", {"reason": ""}).status_code == 422
        assert step(api, "official", oid, "cancel", {"reason": "老人住院了"}).json()["status"] == "cancelled"


class TestWrongActors:
    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "volunteer", "attendant", "committee"])
    def test_only_the_station_dispatches(self, api, new_order, who):
        oid = new_order()["id"]
        r = step(api, who, oid, "dispatch", {"volunteer_user_id": volunteer_id(api)})
        assert r.status_code in (403, 404) and error_code(r) in ("forbidden", "not_found")

    def test_only_the_volunteer_it_was_sent_to_accepts(self, api, new_order):
        oid = new_order()["id"]
        step(api, "official", oid, "dispatch", {"volunteer_user_id": volunteer_id(api)})
        assert step(api, SECOND_VOLUNTEER, oid, "accept").status_code in (403, 404)
        assert step(api, "villager", oid, "accept").status_code == 403
        assert step(api, "official", oid, "accept").status_code == 403

    def test_only_the_doer_completes_and_only_the_villager_rates(self, api, new_order):
        oid = new_order()["id"]
        step(api, "volunteer", oid, "accept")
        for who in ("official", "villager", SECOND_VOLUNTEER):
            assert step(api, who, oid, "complete", {"hours": 1}).status_code in (403, 404), who
        step(api, "volunteer", oid, "complete", {"hours": 1})
        for who in ("official", "volunteer", SECOND_VOLUNTEER):
            assert step(api, who, oid, "rate", {"stars": 5}).status_code in (403, 404), who

    def test_another_village_sees_nothing(self, api, new_order):
        oid = new_order()["id"]
        assert api.get(f"/orders/{oid}", "neighbour").status_code == 404
        assert step(api, "neighbour", oid, "accept").status_code == 404
        assert step(api, "neighbour", oid, "cancel", {}).status_code == 404
        assert api.get("/orders", "neighbour").json()["items"] == []


class TestOutOfOrder:
    def test_each_step_out_of_order_is_invalid_state(self, api, new_order):
        oid = new_order()["id"]
        vid = volunteer_id(api)
        refused = [("volunteer", "complete", {"hours": 1}), ("villager", "rate", {"stars": 5}),
                   ("official", "confirm", None), ("official", "approve-hours", {"hours": 1}),
                   ("volunteer", "decline", {"reason": "不去"})]
        for who, action, body in refused:
            r = step(api, who, oid, action, body)
            assert r.status_code == 409 and error_code(r) == "invalid_state", (action, r.text)
        step(api, "volunteer", oid, "accept")
        assert error_code(step(api, "villager", oid, "rate", {"stars": 5})) == "invalid_state"
        assert error_code(step(api, "official", oid, "reject", {"reason": "晚了"})) == "invalid_state"
        step(api, "volunteer", oid, "complete", {"hours": 1})
        assert error_code(step(api, "volunteer", oid, "complete", {"hours": 1})) == "invalid_state"
        assert error_code(step(api, "official", oid, "dispatch", {"volunteer_user_id": vid})) == "invalid_state"
        assert error_code(step(api, "official", oid, "confirm")) == "invalid_state"  # still in the rating time
        step(api, "villager", oid, "rate", {"stars": 4})
        for who, action, body in [("villager", "rate", {"stars": 5}), ("volunteer", "accept", None),
                                  ("official", "cancel", {"reason": "晚了"}), ("villager", "cancel", {})]:
            assert error_code(step(api, who, oid, action, body)) == "invalid_state", action


class TestHoursAndPoints:
    def test_hours_above_the_standard_wait_for_the_station(self, api, demo_engine, new_order):
        before = balance_of(demo_engine, "李秀英")
        oid = new_order()["id"]  # 理发: 1 hour standard
        step(api, "volunteer", oid, "accept")
        assert step(api, "volunteer", oid, "complete", {"hours": 10}).json()["approval"] == "pending"
        assert api.get("/me/service-badges", "official").json()["station"] >= 1
        r = step(api, "villager", oid, "rate", {"stars": 5})
        assert r.json()["status"] == "rated" and r.json()["points"] is None
        assert balance_of(demo_engine, "李秀英") == before
        assert step(api, "official", oid, "approve-hours", {"hours": 12}).status_code == 422
        assert step(api, "volunteer", oid, "approve-hours", {"hours": 1}).status_code == 403
        r = step(api, "official", oid, "approve-hours", {"hours": 1.5})
        assert r.json()["credited_hours"] == 1.5 and r.json()["points"] == 15
        assert balance_of(demo_engine, "李秀英") == before + 15
        assert error_code(step(api, "official", oid, "approve-hours", {"hours": 1})) == "invalid_state"

    def test_the_monthly_cap(self, api, demo_engine, new_order):
        # The demo's 理发 already earned 李秀英's household 10 points this month.
        assert put(api, "official", {"monthly_cap": 25}).json()["monthly_cap"] == 25
        assert put(api, "villager", {"monthly_cap": 999}).status_code == 403
        assert put(api, "official", {"rate_days": 0}).status_code == 422
        before = balance_of(demo_engine, "李秀英")
        points = []
        for _ in range(2):
            oid = new_order()["id"]
            step(api, "volunteer", oid, "accept")
            step(api, "volunteer", oid, "complete", {"hours": 1})
            points.append(step(api, "villager", oid, "rate", {"stars": 5}).json()["points"])
        assert points == [10, 5] and balance_of(demo_engine, "李秀英") == before + 15

    def test_the_station_confirms_after_the_rating_time(self, api, demo_engine, new_order):
        before = balance_of(demo_engine, "赵德明")
        oid = new_order()["id"]
        step(api, SECOND_VOLUNTEER, oid, "accept")
        step(api, SECOND_VOLUNTEER, oid, "complete", {"hours": 1})
        assert error_code(step(api, "official", oid, "confirm")) == "invalid_state"
        age_order(demo_engine, oid, completed_days=3.1)
        assert step(api, "villager", oid, "confirm").status_code == 403
        r = step(api, "official", oid, "confirm")
        assert r.json()["status"] == "confirmed" and r.json()["points"] == 10
        assert balance_of(demo_engine, "赵德明") == before + 10
        assert error_code(step(api, "villager", oid, "rate", {"stars": 1})) == "invalid_state"

    def test_the_command_confirms_what_is_due_once(self, api, demo_engine):
        from app.volunteer.service import confirm_due
        oid = demo_order(demo_engine, "教我用手机视频")  # completed in the demo world
        before = balance_of(demo_engine, "李秀英")
        with session_for(demo_engine, write=True) as s:
            assert confirm_due(s) == []
        age_order(demo_engine, oid, completed_days=4)
        for _ in range(2):
            with session_for(demo_engine, write=True) as s:
                confirm_due(s)
                s.commit()
        order = api.get(f"/orders/{oid}", "villager").json()
        assert order["status"] == "confirmed" and order["events"][-1]["actor"] == "系统"
        assert balance_of(demo_engine, "李秀英") == before + 10

    def test_my_hours(self, api):
        mine = api.get("/me/service-hours", "volunteer").json()
        assert mine["total_hours"] == 1 and mine["orders"][0]["title"] == "理发" and mine["waiting_hours"] == 1

    def test_ratings_are_public_in_the_village(self, api):
        items = api.get("/service-ratings", "committee").json()["items"]
        assert items[0]["stars"] == 5 and items[0]["volunteer"] == "李志愿"
        assert api.get("/service-ratings", "neighbour").json()["items"] == []

    def test_hours_are_bounded(self, api, new_order):
        oid = new_order()["id"]
        step(api, "volunteer", oid, "accept")
        for bad in (0, -1, 25, "x"):
            r = step(api, "volunteer", oid, "complete", {"hours": bad})
            assert r.status_code == 422, bad


class TestInput:
    def test_double_submit_makes_one_order(self, api, demo_engine):
        menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
        body = {"service_id": menu["理发"], "description": "一次"}
        first = api.post("/orders", "villager", json=body, key="twice")
        second = api.post("/orders", "villager", json=body, key="twice")
        assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
        with session_for(demo_engine, write=False) as s:
            assert len(s.exec(select(ServiceOrderEvent).where(ServiceOrderEvent.order_id == first.json()["id"])
                              ).all()) == 1

    def test_invisible_wish_is_refused_and_markup_is_kept_as_text(self, api):
        assert api.post("/orders", "villager", json={"wish": "\u200b\u202e"}).status_code == 422
        r = api.post("/orders", "villager", json={"wish": "<script>x</script>", "description": "<b>hi</b>"})
        assert r.status_code == 201 and r.json()["title"] == "<script>x</script>"

    def test_ids_out_of_range(self, api):
        assert api.get("/orders/99999999999999999999", "villager").status_code == 404
        assert api.post("/orders/0/accept", "volunteer").status_code == 404
        r = api.post("/orders", "villager", json={"service_id": 3000000000})
        assert r.status_code == 422
        r = api.post("/orders/1/dispatch", "official", json={"volunteer_user_id": 2**40})
        assert r.status_code == 422

    def test_a_service_of_another_village_cannot_be_ordered(self, api):
        r = api.post("/services", "official", json={"name": "本村专享"})
        r = api.post("/orders", "neighbour", json={"service_id": r.json()["id"]})
        assert r.status_code == 404

    def test_lists_by_status(self, api):
        items = api.get("/orders?status=open", "volunteer").json()["items"]
        assert {o["title"] for o in items} == {"代购药品", "读报聊天"}
        assert {o["title"] for o in api.get("/orders", "villager").json()["items"]} >= {"理发", "家电维修"}


class TestTeamDispatch:
    """Sent to a team (issue #20): one member declining leaves it with the others; the last one sends it back."""

    def test_one_member_declines_and_another_takes_it(self, api, new_order):
        oid = new_order()["id"]
        team = api.get("/volunteer-teams", "official").json()["items"][0]["id"]
        waiting = {who: api.get("/me/service-badges", who).json()["volunteer"]
                   for who in ("volunteer", SECOND_VOLUNTEER)}
        step(api, "official", oid, "dispatch", {"team_id": team})
        assert api.get("/me/service-badges", "volunteer").json()["volunteer"] == waiting["volunteer"] + 1
        r = step(api, "volunteer", oid, "decline", {"reason": "这两天在外地"})
        assert r.status_code == 200 and r.json()["status"] == "dispatched" and r.json()["team"] == "巧手志愿队"
        assert r.json()["events"][-1]["label"] == "退回派单，队里其他人可接"
        assert api.get("/me/service-badges", "volunteer").json()["volunteer"] == waiting["volunteer"]  # not his now
        assert api.get("/me/service-badges", SECOND_VOLUNTEER).json()["volunteer"] == waiting[SECOND_VOLUNTEER] + 1
        assert step(api, "volunteer", oid, "accept").status_code == 403  # he said no: the others take it
        r = step(api, SECOND_VOLUNTEER, oid, "accept")
        assert r.status_code == 200 and r.json()["volunteer"] == "赵小军"

    def test_the_last_member_to_decline_sends_it_back_to_the_station(self, api, new_order):
        oid = new_order()["id"]
        team = api.get("/volunteer-teams", "official").json()["items"][0]["id"]
        step(api, "official", oid, "dispatch", {"team_id": team})
        step(api, "volunteer", oid, "decline", {"reason": "在外地"})
        r = step(api, SECOND_VOLUNTEER, oid, "decline", {"reason": "生病了"})
        assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["team"] is None
        assert api.get(f"/orders/{oid}", "official").json()["events"][-1]["label"] == "退回派单"
        # Sent to the team again: both may take it once more.
        step(api, "official", oid, "dispatch", {"team_id": team})
        assert step(api, "volunteer", oid, "accept").status_code == 200

    def test_a_member_who_accepted_and_cannot_go_gives_it_back_to_the_team(self, api, new_order):
        oid = new_order()["id"]
        team = api.get("/volunteer-teams", "official").json()["items"][0]["id"]
        step(api, "official", oid, "dispatch", {"team_id": team})
        step(api, SECOND_VOLUNTEER, oid, "accept")
        r = step(api, SECOND_VOLUNTEER, oid, "decline", {"reason": "临时有事"})
        assert r.json()["status"] == "dispatched" and r.json()["volunteer"] is None and r.json()["team"] == "巧手志愿队"
        assert step(api, "volunteer", oid, "accept").json()["volunteer"] == "李志愿"
