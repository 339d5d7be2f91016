"""Issue #15 in service orders, on SQLite and PostgreSQL: 回避 at every door that decides a volunteer's points
(serving, dispatching, rating, confirming, approving hours, approving the waiting credit), only the served
household confirms, the rules within the town's bounds, pending credits, who may read an order (PIPL), and hours
that are finite."""


import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.org.models import Household, Role, RoleAssignment, User
from app.timeutil import utcnow
from app.volunteer.models import ServiceOrder, ServiceOrderPhoto
from tests.conftest import DEMO_HASH, add_person, error_code
from tests.shop.test_goods_api import jpeg_bytes
from tests.volunteer.conftest import SECOND_VOLUNTEER, age_order, balance_of, demo_order, household_card

LI_OFFICIAL = "13800000091"  # 李村干: an official (who also volunteers) of 李志愿's household — 李秀英's
WANG_VOLUNTEER = "13800000092"  # 王小志: a volunteer of 王建国's household


@pytest.fixture
def people(demo_engine):
    """Two more people of 示范村: an official in the volunteer 李志愿's household, a volunteer in 王建国's."""
    with session_for(demo_engine, write=True) as s:
        village = s.exec(select(Household.village_id).where(Household.head_name == "李秀英")).one()
        for phone, name, head, roles in ((LI_OFFICIAL, "李村干", "李秀英", (Role.official, Role.volunteer)),
                                         (WANG_VOLUNTEER, "王小志", "王建国", (Role.volunteer, Role.villager))):
            home = s.exec(select(Household.id).where(Household.head_name == head)).one()
            user = User(name=name, phone=phone, password_hash=DEMO_HASH, household_id=home)
            s.add(user)
            s.flush()
            for role in roles:
                s.add(RoleAssignment(user_id=user.id, role=role, org_id=village))
        s.commit()


@pytest.fixture
def call(api, people):
    """call(method, path, who, body): as a demo account, or one of `people` (logged in here, not cached)."""
    tokens: dict[str, str] = {}

    def headers(who: str) -> dict:
        if who not in (LI_OFFICIAL, WANG_VOLUNTEER):
            return api.headers(who)
        if who not in tokens:
            r = api.client.post("/api/v1/auth/login", json={"phone": who, "password": "demo1234"})
            tokens[who] = r.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[who]}"}

    def send(method: str, path: str, who: str, body=None, **kw):
        return api.client.request(method, f"/api/v1{path}", headers=headers(who), json=body, **kw)

    send.headers = headers
    return send


def user_id(call, who) -> int:
    return call("GET", "/me", who).json()["id"]


def household_of(session, head: str) -> int:
    household = session.exec(select(Household.id).where(Household.head_name == head)).one()
    session.rollback()
    return household


def place(call, who="villager", service="理发", **extra) -> int:
    menu = {s["name"]: s["id"] for s in call("GET", "/services", "official").json()["items"]}
    r = call("POST", "/orders", who, {"service_id": menu[service], "description": "王奶奶血压高，要降压药", **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def force(engine, order_id: int, **values) -> None:
    """Put an order in a state directly (as an order from before these rules could be)."""
    with session_for(engine, write=True) as s:
        s.execute(update(ServiceOrder).where(ServiceOrder.id == order_id).values(**values))
        s.commit()


def done_by(call, engine, order_id: int, volunteer: str, hours: float = 1) -> None:
    """The order taken and completed by `volunteer` (dispatched by the station)."""
    r = call("POST", f"/orders/{order_id}/dispatch", "official", {"volunteer_user_id": user_id(call, volunteer)})
    assert r.status_code == 200, r.text
    assert call("POST", f"/orders/{order_id}/accept", volunteer).status_code == 200
    r = call("POST", f"/orders/{order_id}/complete", volunteer, {"hours": hours, "note": "好了"})
    assert r.status_code == 200, r.text


def recused(r) -> bool:
    return r.status_code == 403 and error_code(r) == "conflict_of_interest"


class TestServing:
    """Take, accept, dispatch, redispatch: never for one's own household, nor an order one placed."""

    def test_take_from_the_pool(self, call, session):
        own = place(call)  # 王建国's household: 王小志's own
        assert recused(call("POST", f"/orders/{own}/accept", WANG_VOLUNTEER))
        zhao = household_of(session, "赵德明")
        placed = place(call, "volunteer", household_id=zhao)  # 李志愿 ordered it for 赵家
        assert recused(call("POST", f"/orders/{placed}/accept", "volunteer"))
        assert call("POST", f"/orders/{own}/accept", "volunteer").status_code == 200  # the legit path
        assert call("POST", f"/orders/{placed}/accept", WANG_VOLUNTEER).status_code == 200

    def test_accept_what_was_sent(self, call, demo_engine):
        own = place(call)
        force(demo_engine, own, status="dispatched", volunteer_id=user_id(call, WANG_VOLUNTEER))
        assert recused(call("POST", f"/orders/{own}/accept", WANG_VOLUNTEER))

    def test_dispatch_and_redispatch(self, call, session):
        own = place(call)
        r = call("POST", f"/orders/{own}/dispatch", "official", {"volunteer_user_id": user_id(call, WANG_VOLUNTEER)})
        assert recused(r) and "回避" in r.json()["error"]["message"]
        zhao = household_of(session, "赵德明")
        placed = place(call, "volunteer", household_id=zhao)
        assert recused(call("POST", f"/orders/{placed}/dispatch", "official",
                            {"volunteer_user_id": user_id(call, "volunteer")}))
        r = call("POST", f"/orders/{own}/dispatch", "official", {"volunteer_user_id": user_id(call, "volunteer")})
        assert r.status_code == 200 and r.json()["status"] == "dispatched"
        r = call("POST", f"/orders/{own}/dispatch", "official", {"volunteer_user_id": user_id(call, WANG_VOLUNTEER)})
        assert recused(r)  # 改派
        assert call("GET", f"/orders/{own}", "official").json()["volunteer"] == "李志愿"

    def test_the_station_page_offers_only_volunteers_who_may_serve(self, call, api):
        own = place(call)
        html = api.client.get(f"/service/orders/{own}", headers=api.headers("official")).text
        assert "志愿者 李志愿" in html and "志愿者 王小志" not in html


class TestConfirming:
    """Rating, the station's confirmation, approving hours: never by the volunteer's household (the credit's),
    the volunteer, nor by whoever placed the order for someone else."""

    def test_rate_only_by_the_served_household(self, call, demo_engine, session):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer")
        before = balance_of(demo_engine, "李秀英")
        assert recused(call("POST", f"/orders/{proxy}/rate", "official", {"stars": 5}))  # the placer
        assert recused(call("POST", f"/orders/{proxy}/rate", "volunteer", {"stars": 5}))  # who did it
        assert balance_of(demo_engine, "李秀英") == before
        own = place(call)
        force(demo_engine, own, status="completed", volunteer_id=user_id(call, WANG_VOLUNTEER),
              claimed_minutes=60, credited_minutes=60, completed_at=utcnow())
        assert recused(call("POST", f"/orders/{own}/rate", "villager", {"stars": 5}))  # credit to his own home
        r = call("POST", f"/orders/{proxy}/rate", "villager", {"stars": 5})  # the served household: legit
        assert r.status_code == 200 and r.json()["status"] == "rated" and r.json()["points"] == 10
        assert balance_of(demo_engine, "李秀英") == before + 10

    def test_the_station_confirms_only_after_the_rating_time_and_not_its_own(self, call, demo_engine, session):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer")
        r = call("POST", f"/orders/{proxy}/confirm", "official")
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"  # placed it: not even later
        age_order(demo_engine, proxy, completed_days=3.1)
        assert recused(call("POST", f"/orders/{proxy}/confirm", "official"))  # the placer
        assert recused(call("POST", f"/orders/{proxy}/confirm", LI_OFFICIAL))  # the volunteer's household
        mine = place(call)
        done_by(call, demo_engine, mine, LI_OFFICIAL)
        age_order(demo_engine, mine, completed_days=3.1)
        assert recused(call("POST", f"/orders/{mine}/confirm", LI_OFFICIAL))  # who did it
        other = place(call)
        done_by(call, demo_engine, other, "volunteer")
        assert error_code(call("POST", f"/orders/{other}/confirm", "official")) == "invalid_state"  # too early
        age_order(demo_engine, other, completed_days=3.1)
        assert call("POST", f"/orders/{other}/confirm", "official").json()["status"] == "confirmed"
        from app.volunteer.service import confirm_due
        with session_for(demo_engine, write=True) as s:  # the orders 回避 kept from 张书记: the scheduled run
            assert set(confirm_due(s)) >= {proxy, mine}
            s.commit()

    def test_approve_hours(self, call, demo_engine, session):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer", hours=3)  # above 理发's hour: waits for the station
        assert recused(call("POST", f"/orders/{proxy}/approve-hours", "official", {"hours": 2}))  # the placer
        assert recused(call("POST", f"/orders/{proxy}/approve-hours", LI_OFFICIAL, {"hours": 2}))  # household
        mine = place(call)
        done_by(call, demo_engine, mine, LI_OFFICIAL, hours=3)
        assert recused(call("POST", f"/orders/{mine}/approve-hours", LI_OFFICIAL, {"hours": 2}))  # who did it
        r = call("POST", f"/orders/{mine}/approve-hours", "official", {"hours": 2})
        assert r.status_code == 200 and r.json()["credited_hours"] == 2

    def test_the_order_page_offers_no_step_the_viewer_may_not_take(self, call, api, demo_engine, session):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer", hours=3)
        age_order(demo_engine, proxy, completed_days=3.1)
        html = api.client.get(f"/service/orders/{proxy}", headers=api.headers("official")).text
        assert "确认服务" not in html and "确认时长" not in html and "提交评价" not in html
        html = api.client.get(f"/service/orders/{proxy}", headers=api.headers("villager")).text
        assert "提交评价" in html and "等您确认" in html


class TestBounds:
    def test_the_rules_stay_within_the_towns_bounds(self, call, api):
        r = call("PUT", "/service-settings", "official", {"points_per_hour": 21})
        assert r.status_code == 422 and r.json()["error"]["message"] == "每小时积分不能超过乡镇设定的 20 分"
        r = call("PUT", "/service-settings", "official", {"monthly_cap": 301})
        assert r.status_code == 422 and "每月积分上限不能超过乡镇设定的 300 分" in r.json()["error"]["message"]
        assert call("PUT", "/service-settings", "official", {"points_per_hour": 20}).status_code == 200
        village = call("GET", "/me", "official").json()["village_id"]
        assert call("PUT", f"/villages/{village}/service-bounds", "official",
                    {"max_points_per_hour": 50}).status_code == 403
        assert call("PUT", f"/villages/{village}/service-bounds", "town_admin",
                    {"max_points_per_hour": 30}).status_code == 200
        assert call("PUT", "/service-settings", "official", {"points_per_hour": 30}).json()["points_per_hour"] == 30
        html = api.client.get("/service/board", headers=api.headers("official")).text
        assert "乡镇设定的上限：每小时积分最多 30 分，每户每月最多 300 分" in html

    def test_a_bound_lowered_later_still_holds(self, call, demo_engine):
        village = call("GET", "/me", "official").json()["village_id"]
        assert call("PUT", "/service-settings", "official", {"points_per_hour": 20}).status_code == 200
        call("PUT", f"/villages/{village}/service-bounds", "town_admin", {"max_points_per_hour": 5})
        oid = place(call)
        done_by(call, demo_engine, oid, "volunteer")
        assert call("POST", f"/orders/{oid}/rate", "villager", {"stars": 5}).json()["points"] == 5


class TestPendingCredit:
    def test_above_the_single_limit_the_credit_waits_and_posts_once(self, call, api, demo_engine):
        village = call("GET", "/me", "official").json()["village_id"]
        assert call("PUT", "/service-settings", "official", {"points_per_hour": 20}).status_code == 200
        r = call("PUT", f"/villages/{village}/award-limits", "town_admin", {"single_limit": 50, "monthly_limit": 500})
        assert r.status_code == 200
        before = balance_of(demo_engine, "李秀英")
        oid = place(call, service="陪同就医")  # 4 hours standard: 80 points
        done_by(call, demo_engine, oid, "volunteer", hours=4)
        r = call("POST", f"/orders/{oid}/rate", "villager", {"stars": 5})
        assert r.status_code == 200 and r.json()["points"] == 80 and r.json()["credit_status"] == "pending"
        assert balance_of(demo_engine, "李秀英") == before
        html = api.client.get(f"/service/orders/{oid}", headers=api.headers("volunteer")).text
        assert "积分待审批" in html and "乡镇管理员审批" in html
        with session_for(demo_engine, write=False) as s:
            order = s.get(ServiceOrder, oid)
            assert order.points == 80 and order.transaction_id is None
        hours = call("GET", "/me/service-hours", "volunteer").json()
        assert hours["pending_points"] == 80 and oid in [o["id"] for o in hours["orders"]]
        earned = hours["total_points"]
        from app.ledger.approvals import credit_request_for
        from app.ledger.models import TxnKind
        from app.ledger.service import Source
        with session_for(demo_engine, write=False) as s:
            request_id = credit_request_for(s, source=Source(TxnKind.service, oid)).id
        assert recused(call("POST", f"/points/awards/{request_id}/approve", LI_OFFICIAL))  # the household
        for _ in range(2):
            r = call("POST", f"/points/awards/{request_id}/approve", "town_admin")
            assert r.status_code == 200 and r.json()["status"] == "posted"
        assert balance_of(demo_engine, "李秀英") == before + 80
        assert call("GET", f"/orders/{oid}", "villager").json()["credit_status"] == "posted"
        assert "+80" in api.client.get(f"/service/orders/{oid}", headers=api.headers("volunteer")).text
        hours = call("GET", "/me/service-hours", "volunteer").json()
        assert (hours["pending_points"], hours["total_points"]) == (0, earned + 80)

    def test_the_station_proposing_a_waiting_credit_cannot_approve_it(self, call, demo_engine):
        village = call("GET", "/me", "official").json()["village_id"]
        call("PUT", f"/villages/{village}/award-limits", "town_admin", {"single_limit": 5, "monthly_limit": 500})
        oid = place(call)
        done_by(call, demo_engine, oid, "volunteer")
        age_order(demo_engine, oid, completed_days=3.1)
        r = call("POST", f"/orders/{oid}/confirm", "official")
        assert r.json()["status"] == "confirmed" and r.json()["credit_status"] == "pending"
        from app.ledger.approvals import credit_request_for
        from app.ledger.models import TxnKind
        from app.ledger.service import Source
        with session_for(demo_engine, write=False) as s:
            request_id = credit_request_for(s, source=Source(TxnKind.service, oid)).id
        assert recused(call("POST", f"/points/awards/{request_id}/approve", "official"))  # the proposer
        assert call("POST", f"/points/awards/{request_id}/approve", "town_admin").status_code == 200


class TestPrivacy:
    def test_a_volunteer_reads_only_orders_that_are_theirs_or_in_the_pool(self, call, api, demo_engine):
        sent = demo_order(demo_engine, "家电维修")  # dispatched to 李志愿
        for path in (f"/api/v1/orders/{sent}", f"/service/orders/{sent}"):
            assert api.client.get(path, headers=api.headers(SECOND_VOLUNTEER)).status_code == 404
        assert call("GET", f"/orders/{sent}", "volunteer").json()["address"] == "示范村一组 12 号"
        with session_for(demo_engine, write=True) as s:  # a photo on it: it follows the order's visibility
            photo = ServiceOrderPhoto(data=jpeg_bytes(), content_type="image/jpeg")
            s.add(photo)
            s.flush()
            s.execute(update(ServiceOrder).where(ServiceOrder.id == sent).values(photo_id=photo.id))
            s.commit()
        photo_url = f"/service/orders/{sent}/photo.jpg"
        assert api.client.get(photo_url, headers=api.headers(SECOND_VOLUNTEER)).status_code == 404
        assert api.client.get(photo_url, headers=api.headers("volunteer")).status_code == 200
        done = demo_order(demo_engine, "教我用手机视频")  # done by 李志愿
        listed = {o["id"] for o in call("GET", "/orders", SECOND_VOLUNTEER).json()["items"]}
        assert sent not in listed and done not in listed

    def test_the_pool_shows_what_a_volunteer_needs_to_decide_only(self, call, api, demo_engine):
        drugs = demo_order(demo_engine, "代购药品")  # open, for 赵德明: "赵大爷的降压药吃完了", 三组 8 号
        pool = {o["id"]: o for o in call("GET", "/orders?status=open", "volunteer").json()["items"]}
        seen = pool[drugs]
        assert seen["title"] == "代购药品" and seen["group"] == "三组"
        assert seen["address"] == seen["description"] == seen["for_name"] == seen["requester"] == ""
        assert seen["household_id"] is None and seen["events"] == []
        one = call("GET", f"/orders/{drugs}", "volunteer").json()
        assert one["description"] == "" and one["events"] == []
        for path in ("/service", f"/service/orders/{drugs}"):
            html = api.client.get(path, headers=api.headers("volunteer")).text
            assert "降压药" not in html and "三组 8 号" not in html and "赵德明" not in html, path
        assert "三组" in api.client.get("/service", headers=api.headers("volunteer")).text
        assert call("GET", f"/orders/{drugs}", "official").json()["description"].startswith("赵大爷")

    def test_once_it_is_theirs_the_volunteer_reads_it_with_names_masked(self, call, demo_engine):
        drugs = demo_order(demo_engine, "代购药品")
        r = call("POST", f"/orders/{drugs}/accept", "volunteer")
        assert r.json()["address"] == "示范村三组 8 号" and "降压药" in r.json()["description"]
        assert r.json()["for_name"] == "赵*明" and r.json()["requester"] == "张书记"  # staff by name
        assert "赵*明" in r.json()["events"][0]["note"] and "赵德明" not in str(r.json()["events"])
        assert call("GET", f"/orders/{drugs}", SECOND_VOLUNTEER).json()["for_name"] == "赵德明"  # his household


@pytest.mark.sqlite_only  # refused by the request's schema and the form's parsing before any SQL
class TestFiniteHours:
    @pytest.mark.parametrize("raw", [b"1e308", b"Infinity", b"NaN", b"-Infinity", b"1" + b"0" * 400])
    def test_json_hours(self, call, api, raw):
        oid = place(call)
        call("POST", f"/orders/{oid}/accept", "volunteer")
        headers = {**api.headers("volunteer"), "Content-Type": "application/json"}
        r = api.client.post(f"/api/v1/orders/{oid}/complete", headers=headers, content=b'{"hours": ' + raw + b"}")
        assert r.status_code == 422, r.text
        r = api.client.post("/api/v1/services", headers={**api.headers("official"), "Content-Type": "application/json"},
                            content=b'{"name": "x", "standard_hours": ' + raw + b"}")
        assert r.status_code == 422, r.text
        r = api.client.put("/api/v1/service-settings", headers={**api.headers("official"),
                                                                "Content-Type": "application/json"},
                           content=b'{"wish_hours": ' + raw + b"}")
        assert r.status_code == 422, r.text

    @pytest.mark.parametrize("text", ["inf", "nan", "1e308", "-inf", "1e999"])
    def test_form_hours(self, call, api, demo_engine, text):
        oid = place(call)
        call("POST", f"/orders/{oid}/accept", "volunteer")
        r = api.client.post(f"/service/orders/{oid}/complete", headers=api.headers("volunteer"),
                            data={"hours": text}, follow_redirects=False)
        assert r.status_code == 422 and "服务时长应为 0 到 24 之间的小时数" in r.text
        pending = demo_order(demo_engine, "代办证件")  # 3.5 hours waiting for the station
        r = api.client.post(f"/service/orders/{pending}/approve-hours", headers=api.headers("official"),
                            data={"hours": text}, follow_redirects=False)
        assert r.status_code == 422 and "小时数" in r.text


THIRD_OFFICIAL = "13800000093"  # 周干事: an official of 示范村 with no household there


class TestCardAtTheStation:
    """A household without a smartphone confirms the service it received at the station with its household card and
    卡密码 (the card proves the household; the official only enters what the villager says)."""

    @pytest.fixture
    def station(self, api, demo_engine):
        add_person(demo_engine, phone=THIRD_OFFICIAL, name="周干事", role=Role.official, unit="示范村")
        token = api.client.post("/api/v1/auth/login", json={"phone": THIRD_OFFICIAL, "password": "demo1234"})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    def rate(self, api, order_id, headers, **body):
        return api.client.post(f"/api/v1/orders/{order_id}/rate-by-card", headers=headers,
                               json={"stars": 4, "comment": "王奶奶说很满意", **body})

    def test_the_served_households_card_confirms_a_proxy_order(self, call, api, demo_engine, session, station):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer")
        card = household_card(demo_engine, proxy, pin="1357")
        before = balance_of(demo_engine, "李秀英")
        assert "凭积分卡评价" in api.client.get(f"/service/orders/{proxy}", headers=station).text
        assert "凭积分卡评价" not in api.client.get(f"/service/orders/{proxy}", headers=api.headers("official")).text
        r = self.rate(api, proxy, api.headers("official"), card_code=card, pin="1357")
        assert recused(r)  # whoever placed it does not enter its confirmation either
        r = self.rate(api, proxy, api.headers("volunteer"), card_code=card, pin="1357")
        assert r.status_code == 403  # a volunteer is not the station
        r = self.rate(api, proxy, station, card_code=card, pin="1357")
        assert r.status_code == 200 and r.json()["status"] == "rated" and r.json()["stars"] == 4
        assert balance_of(demo_engine, "李秀英") == before + 10
        timeline = call("GET", f"/orders/{proxy}", "villager").json()["events"]
        assert any("凭户卡评价" in (e.get("note") or "") for e in timeline)

    def test_a_wrong_pin_is_counted_and_nothing_moves(self, call, api, demo_engine, session, station):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer")
        card = household_card(demo_engine, proxy, pin="1357")
        first = self.rate(api, proxy, station, card_code=card, pin="0000")
        second = self.rate(api, proxy, station, card_code=card, pin="0000")
        assert first.status_code == 400 and "还可尝试" in first.json()["error"]["message"]
        assert first.json()["error"]["message"] != second.json()["error"]["message"]  # one try fewer: counted
        assert call("GET", f"/orders/{proxy}", "official").json()["status"] == "completed"

    def test_another_households_card_does_not_confirm(self, call, api, demo_engine, session, station):
        wang = household_of(session, "王建国")
        proxy = place(call, "official", household_id=wang, for_name="王奶奶")
        done_by(call, demo_engine, proxy, "volunteer")
        zhao = place(call, "official", household_id=household_of(session, "赵德明"))
        card = household_card(demo_engine, zhao, pin="1357")  # 赵德明's card
        r = self.rate(api, proxy, station, card_code=card, pin="1357")
        assert r.status_code == 403 and "不是接受服务的家庭" in r.json()["error"]["message"]
        assert call("GET", f"/orders/{proxy}", "official").json()["status"] == "completed"
