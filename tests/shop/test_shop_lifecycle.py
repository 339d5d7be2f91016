"""Shops from the app (issue #17 item 4), on both databases: an official opens, pauses, resumes and closes a shop;
while it is not open every door that starts something refuses (409 in the API's shape), what is open can still be
cancelled, and closing gives every held point back (check-ledger clean)."""

import json

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.ledger.check import check_ledger
from app.shop.models import ShopAction
from tests.conftest import add_person, error_code
from tests.shop.conftest import balance, pay_code, redeem

SECOND_OFFICIAL = "13800000091"
NEIGHBOUR_OFFICIAL = "13800000092"


def set_status(api, shop_id, status, who="official"):
    return api.patch(f"/shops/{shop_id}", who, json={"status": status})


def make_request(api, shop_id, goods_id, key="req-1", who="villager"):
    return api.post(f"/shops/{shop_id}/requests", who, json={"items": [{"goods_id": goods_id, "quantity": 1}]},
                    key=key)


def audit(engine) -> list[str]:
    with session_for(engine, write=False) as s:
        return list(s.exec(select(AuditEntry.action).where(AuditEntry.target_type == "shop")
                           .order_by(AuditEntry.id)))


def village_id(api, who="official") -> int:
    return api.get("/me", who).json()["village_id"]


def books_clean(engine) -> None:
    with session_for(engine, write=False) as s:
        assert check_ledger(s) == []


class TestOpen:
    def test_an_official_opens_a_shop_for_the_village(self, api, demo_engine):
        vid = village_id(api)
        r = api.post("/shops", "official", json={"village_id": vid, "name": " 第二超市 ", "partner": "村口便民店"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body == {"id": body["id"], "name": "第二超市", "village_id": vid, "partner_name": "村口便民店",
                        "partner": "村口便民店", "status": "open"}
        assert body["id"] in [s["id"] for s in api.get("/shops", "villager").json()["items"]]
        assert audit(demo_engine) == [ShopAction.shop_open.value]

    def test_a_double_tap_makes_one_shop(self, api):
        vid = village_id(api)
        first = api.post("/shops", "official", json={"village_id": vid, "name": "第二超市"}, key="open-1")
        again = api.post("/shops", "official", json={"village_id": vid, "name": "第二超市"}, key="open-1")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        other = api.post("/shops", "official", json={"village_id": vid, "name": "第二超市"})
        assert other.status_code == 409 and error_code(other) == "conflict"
        assert "同名" in other.json()["error"]["message"] or "名为" in other.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body, field", [({"name": "   "}, "名称"), ({"name": "\u200b\u200b"}, "名称"),
                                             ({"name": "店" * 101}, "100")])
    def test_bad_names_are_refused_plainly(self, api, body, field):
        r = api.post("/shops", "official", json={"village_id": village_id(api), **body})
        assert r.status_code == 422 and error_code(r) == "validation_error" and field in r.json()["error"]["message"]

    def test_only_the_villages_officials_open_a_shop(self, api, demo_engine):
        vid = village_id(api)
        villager = api.post("/shops", "villager", json={"village_id": vid, "name": "我的店"})
        assert villager.status_code == 403 and error_code(villager) == "forbidden"
        attendant = api.post("/shops", "attendant", json={"village_id": vid, "name": "我的店"})
        assert attendant.status_code == 403
        add_person(demo_engine, phone=NEIGHBOUR_OFFICIAL, name="邻村书记", role="official", unit="邻村")
        other = api.post("/shops", NEIGHBOUR_OFFICIAL, json={"village_id": vid, "name": "别村的店"})
        assert other.status_code == 404 and error_code(other) == "not_found"
        huge = api.post("/shops", "official", json={"village_id": 2**70, "name": "店"})
        assert huge.status_code in (404, 422)


class TestStatusMatrix:
    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("path, expected", [
        (["paused"], ["paused"]),
        (["paused", "open"], ["paused", "open"]),
        (["closed"], ["closed"]),
        (["paused", "closed"], ["paused", "closed"]),
    ])
    def test_allowed_moves(self, api, shop_id, demo_engine, path, expected):
        for status, want in zip(path, expected, strict=True):
            r = set_status(api, shop_id, status)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == want
        labels = {"paused": ShopAction.shop_pause.value, "open": ShopAction.shop_resume.value,
                  "closed": ShopAction.shop_close.value}
        assert audit(demo_engine) == [labels[s] for s in path]

    def test_the_same_status_twice_changes_nothing(self, api, shop_id, demo_engine):
        assert set_status(api, shop_id, "paused").status_code == 200
        again = set_status(api, shop_id, "paused")
        assert again.status_code == 200 and again.json()["status"] == "paused"
        assert audit(demo_engine) == [ShopAction.shop_pause.value]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("change", [{"status": "open"}, {"status": "paused"}, {"name": "新名字"}])
    def test_closed_is_for_good(self, api, shop_id, change):
        assert set_status(api, shop_id, "closed").status_code == 200
        r = api.patch(f"/shops/{shop_id}", "official", json=change)
        assert r.status_code == 409 and error_code(r) == "invalid_state" and "已关闭" in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_an_unknown_status_is_refused(self, api, shop_id):
        r = set_status(api, shop_id, "sleeping")
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_rename_is_audited(self, api, shop_id, demo_engine):
        r = api.patch(f"/shops/{shop_id}", "official", json={"name": "振风积分超市", "partner": "便民店"})
        assert r.status_code == 200 and r.json()["name"] == "振风积分超市" and r.json()["partner"] == "便民店"
        assert audit(demo_engine) == [ShopAction.shop_update.value]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_who_may_change_it(self, api, shop_id, demo_engine):
        assert set_status(api, shop_id, "paused", who="villager").status_code == 403
        assert set_status(api, shop_id, "paused", who="attendant").status_code == 403
        assert set_status(api, shop_id, "paused", who="town_admin").status_code == 403
        neighbour = set_status(api, shop_id, "paused", who="neighbour")
        assert neighbour.status_code == 404 and error_code(neighbour) == "not_found"
        assert set_status(api, 2**70, "paused").status_code in (404, 422)
        assert audit(demo_engine) == []


@pytest.fixture(params=["paused", "closed"])
def not_open(request, api, shop_id) -> str:
    """The shop after its official paused or closed it: what the refusals say."""
    status = request.param
    assert set_status(api, shop_id, status).status_code == 200
    return status


CODES = {"paused": "shop_paused", "closed": "shop_closed"}
WORDS = {"paused": "暂停营业", "closed": "已关闭"}


def refused(response, status) -> None:
    assert response.status_code == 409, response.text
    assert error_code(response) == CODES[status]
    assert WORDS[status] in response.json()["error"]["message"]


class TestEveryDoorRefuses:
    def test_pay_code(self, api, not_open):
        refused(api.get("/me/pay-code", "villager"), not_open)

    def test_redemption_and_counter_scan_with_a_code_from_before(self, api, shop_id, goods, demo_engine):
        code = pay_code(api)  # shown before the pause: still refused at the counter
        assert set_status(api, shop_id, "paused").status_code == 200
        start = balance(api)
        refused(api.post(f"/shops/{shop_id}/payer", "attendant", json={"pay_code": code}), "paused")
        refused(redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="r-1"), "paused")
        assert balance(api) == start
        assert set_status(api, shop_id, "open").status_code == 200
        done = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="r-2")
        assert done.status_code == 201, done.text  # resumed: the same code works again within its minute

    def test_a_confirmation_asked_before_the_pause(self, api, shop_id, goods):
        vid = village_id(api)
        assert api.client.put(f"/api/v1/villages/{vid}/shop-settings", headers=api.headers("official"),
                              json={"confirm_above": 0}).status_code == 200
        asked = redeem(api, shop_id, pay_code(api), [(goods["soap"]["id"], 1)], key="c-1")
        assert asked.status_code == 202, asked.text
        assert set_status(api, shop_id, "paused").status_code == 200
        start = balance(api)
        r = api.post(f"/me/confirmations/{asked.json()['id']}", "villager",
                     json={"decision": "confirm", "total_points": 5})
        refused(r, "paused")
        assert balance(api) == start

    def test_request_create(self, api, shop_id, goods, not_open):
        start = balance(api)
        refused(make_request(api, shop_id, goods["soap"]["id"]), not_open)
        assert balance(api) == start

    def test_request_fulfil_and_lookup_while_paused_then_after_resume(self, api, shop_id, goods, demo_engine):
        made = make_request(api, shop_id, goods["soap"]["id"])
        assert made.status_code == 201, made.text
        code = made.json()["code"]
        assert set_status(api, shop_id, "paused").status_code == 200
        refused(api.post(f"/shops/{shop_id}/requests/lookup", "attendant", json={"code": code}), "paused")
        refused(api.post(f"/shops/{shop_id}/requests/fulfil", "attendant", json={"code": code}, key="f-1"), "paused")
        assert set_status(api, shop_id, "open").status_code == 200
        done = api.post(f"/shops/{shop_id}/requests/fulfil", "attendant", json={"code": code}, key="f-2")
        assert done.status_code == 201, done.text
        books_clean(demo_engine)

    def test_a_paused_shops_request_can_still_be_cancelled(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        made = make_request(api, shop_id, goods["rice"]["id"])
        assert balance(api) == start - 30
        assert set_status(api, shop_id, "paused").status_code == 200
        cancel = api.post(f"/shops/{shop_id}/requests/{made.json()['id']}/cancel", "villager")
        assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
        assert balance(api) == start
        books_clean(demo_engine)


class TestClose:
    def test_closing_gives_every_held_point_back(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        first = make_request(api, shop_id, goods["rice"]["id"], key="a")
        second = make_request(api, shop_id, goods["soap"]["id"], key="b")
        assert first.status_code == second.status_code == 201
        assert balance(api) == start - 35
        assert set_status(api, shop_id, "closed").status_code == 200
        assert balance(api) == start
        mine = api.get("/me/requests", "villager").json()["items"]
        closed = {r["id"]: r["status"] for r in mine}
        assert closed[first.json()["id"]] == closed[second.json()["id"]] == "refused"
        books_clean(demo_engine)
        with session_for(demo_engine, write=False) as s:
            entry = s.exec(select(AuditEntry).where(AuditEntry.action == ShopAction.shop_close.value)).one()
            detail = json.loads(entry.detail) if isinstance(entry.detail, str) else entry.detail
            assert detail["requests_released"] == 2 and detail["points_returned"] == 35

    def test_a_closed_shop_takes_no_new_goods(self, api, shop_id):
        assert set_status(api, shop_id, "closed").status_code == 200
        r = api.post(f"/shops/{shop_id}/goods", "official", json={"name": "新货", "points_price": 5, "stock": 1})
        assert r.status_code == 409 and error_code(r) == "shop_closed"

    def test_a_closed_shop_is_not_listed_to_villagers_but_its_books_stay(self, api, shop_id, goods):
        code = pay_code(api)
        receipt = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="r")
        assert receipt.status_code == 201
        assert set_status(api, shop_id, "closed").status_code == 200
        assert shop_id not in [s["id"] for s in api.get("/shops", "villager").json()["items"]]
        staff = {s["id"]: s["status"] for s in api.get("/shops", "official").json()["items"]}
        assert staff[shop_id] == "closed"
        for who in ("official", "attendant", "villager"):
            again = api.get(f"/redemptions/{receipt.json()['id']}", who)
            assert again.status_code == 200 and again.json()["total_points"] == 5
        assert [r["id"] for r in api.get("/me/redemptions", "villager").json()["items"]][0] == receipt.json()["id"]
