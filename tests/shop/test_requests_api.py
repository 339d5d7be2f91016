"""扫码兑换 through the JSON API, on both databases: request → hold → 核销 → receipt; cancel, refuse and expiry give
the points back; one code, one redemption; prices fixed at request time; other villages see nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.ledger.accounts import household_account
from app.ledger.check import check_ledger
from app.ledger.models import Account, AccountKind
from app.shop.requests.models import ShopRequest
from app.shop.requests.service import expire_due
from app.timeutil import utcnow
from tests.conftest import error_code
from tests.shop.conftest import balance, stock


def make(api, shop_id, lines, key="k1", who="villager"):
    items = [{"goods_id": g, "quantity": q} for g, q in lines]
    return api.post(f"/shops/{shop_id}/requests", who, json={"items": items}, key=key)


def fulfil(api, shop_id, code, key="f1", who="attendant"):
    return api.post(f"/shops/{shop_id}/requests/fulfil", who, json={"code": code}, key=key)


def books_balance(engine) -> None:
    with session_for(engine, write=False) as s:
        assert check_ledger(s) == []


def held(engine) -> int:
    with session_for(engine, write=False) as s:
        return sum(a.balance for a in s.exec(select(Account).where(Account.kind == AccountKind.hold)))


class TestRequestAndFulfil:
    def test_request_holds_then_fulfil_pays_the_shop(self, api, shop_id, goods, demo_engine):
        soap, rice = goods["soap"], goods["rice"]
        start = balance(api)
        r = make(api, shop_id, [(soap["id"], 2), (rice["id"], 1)])
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "pending" and body["total_points"] == 40
        assert body["code"].isdigit() and len(body["code"]) <= 20
        assert [(i["name"], i["quantity"], i["points"]) for i in body["items"]] == [("测试肥皂", 2, 10),
                                                                                     ("测试大米", 1, 30)]
        assert balance(api) == start - 40 and held(demo_engine) == 40
        assert stock(api, shop_id, soap["id"]) == 10  # nothing leaves the shelf before the 核销
        books_balance(demo_engine)

        seen = api.post(f"/shops/{shop_id}/requests/lookup", "attendant", json={"code": body["code"]})
        assert seen.status_code == 200 and seen.json()["household_name"] == "王*国" and seen.json()["code"] is None

        done = fulfil(api, shop_id, body["code"])
        assert done.status_code == 201, done.text
        receipt = done.json()
        assert receipt["total_points"] == 40 and receipt["balance_after"] == start - 40
        assert receipt["household_name"] == "王*国" and receipt["shop_id"] == shop_id  # the attendant's (issue #15)
        assert {i["name"]: i["quantity"] for i in receipt["items"]} == {"测试肥皂": 2, "测试大米": 1}
        assert balance(api) == start - 40 and held(demo_engine) == 0
        assert stock(api, shop_id, soap["id"]) == 8 and stock(api, shop_id, rice["id"]) == 2
        # the receipt on the villager's phone, and the request closed
        mine = api.get("/me/redemptions", "villager").json()["items"]
        assert mine[0]["id"] == receipt["id"]
        hid = api.get("/me", "villager").json()["household_id"]
        hold_line = api.get(f"/households/{hid}/ledger", "villager").json()["items"][0]
        assert hold_line["kind"] == "hold" and hold_line["description"].endswith("（已核销）")
        req = api.get("/me/requests", "villager").json()["items"][0]
        assert req["status"] == "fulfilled" and req["redemption_id"] == receipt["id"] and req["code"] is None
        books_balance(demo_engine)

    def test_same_key_answers_again_other_key_refused(self, api, shop_id, goods, demo_engine):
        code = make(api, shop_id, [(goods["soap"]["id"], 1)]).json()["code"]
        first = fulfil(api, shop_id, code, key="a")
        again = fulfil(api, shop_id, code, key="a")
        other = fulfil(api, shop_id, code, key="b")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        assert other.status_code == 409 and error_code(other) == "invalid_state"
        assert stock(api, shop_id, goods["soap"]["id"]) == 9
        books_balance(demo_engine)

    def test_double_tap_on_submit_makes_one_request(self, api, shop_id, goods):
        start = balance(api)
        a = make(api, shop_id, [(goods["soap"]["id"], 1)], key="same")
        b = make(api, shop_id, [(goods["soap"]["id"], 1)], key="same")
        assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
        assert balance(api) == start - 5

    def test_price_change_after_request_leaves_it_alone(self, api, shop_id, goods, demo_engine):
        rice = goods["rice"]
        body = make(api, shop_id, [(rice["id"], 2)]).json()
        assert body["total_points"] == 60
        assert api.patch(f"/shops/{shop_id}/goods/{rice['id']}", "attendant",
                         json={"points_price": 99}).status_code == 200
        assert api.get("/me/requests", "villager").json()["items"][0]["total_points"] == 60
        receipt = fulfil(api, shop_id, body["code"]).json()
        assert receipt["total_points"] == 60 and receipt["items"][0]["unit_points"] == 30
        books_balance(demo_engine)

    def test_not_enough_points(self, api, shop_id, demo_engine):
        r = api.post(f"/shops/{shop_id}/goods", "attendant", json={"name": "电视机", "points_price": 5000, "stock": 2})
        start = balance(api)
        refused = make(api, shop_id, [(r.json()["id"], 1)])
        assert refused.status_code == 409 and error_code(refused) == "insufficient_points"
        assert balance(api) == start and held(demo_engine) == 0

    def test_out_of_stock_at_request(self, api, shop_id, goods):
        r = make(api, shop_id, [(goods["rice"]["id"], 4)])
        assert r.status_code == 409 and error_code(r) == "out_of_stock"


class TestGivingBack:
    def test_cancel_returns_points(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        body = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()
        r = api.post(f"/shops/{shop_id}/requests/{body['id']}/cancel", "villager")
        assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["code"] is None
        assert balance(api) == start and held(demo_engine) == 0
        again = api.post(f"/shops/{shop_id}/requests/{body['id']}/cancel", "villager")
        assert again.status_code == 200 and balance(api) == start
        late = fulfil(api, shop_id, body["code"])
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        books_balance(demo_engine)

    def test_only_the_household_cancels(self, api, shop_id, goods):
        body = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()
        for who, status in (("attendant", 404), ("official", 404), ("neighbour", 404)):
            assert api.post(f"/shops/{shop_id}/requests/{body['id']}/cancel", who).status_code == status

    def test_expiry_returns_points_lazily_and_by_command(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        first = make(api, shop_id, [(goods["rice"]["id"], 1)], key="e1").json()
        second = make(api, shop_id, [(goods["soap"]["id"], 1)], key="e2").json()
        with session_for(demo_engine, write=True) as s:
            s.execute(update(ShopRequest).values(expires_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        late = fulfil(api, shop_id, first["code"])
        assert late.status_code == 409 and "过期" in late.json()["error"]["message"]
        assert balance(api) == start and held(demo_engine) == 0  # both expired on the way
        statuses = {r["id"]: r["status"] for r in api.get("/me/requests", "villager").json()["items"]}
        assert statuses[first["id"]] == statuses[second["id"]] == "expired"
        books_balance(demo_engine)

    def test_expire_command(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        make(api, shop_id, [(goods["rice"]["id"], 1)])
        with session_for(demo_engine, write=True) as s:
            assert expire_due(s, now=utcnow() + timedelta(hours=1)) == 1
            s.commit()
        assert balance(api) == start
        books_balance(demo_engine)

    def test_refuse_with_reason(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        body = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()
        r = api.post(f"/shops/{shop_id}/requests/{body['id']}/refuse", "attendant", json={"reason": "<b>缺货</b>"})
        assert r.status_code == 200 and r.json()["status"] == "refused" and r.json()["closed_reason"] == "<b>缺货</b>"
        assert balance(api) == start
        blank = api.post(f"/shops/{shop_id}/requests/{body['id']}/refuse", "attendant", json={"reason": "\u200b"})
        assert blank.status_code in (409, 422)
        books_balance(demo_engine)

    def test_drop_item_needs_consent(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        soap, rice = goods["soap"], goods["rice"]
        body = make(api, shop_id, [(soap["id"], 1), (rice["id"], 1)]).json()
        r = api.post(f"/shops/{shop_id}/requests/{body['id']}/drop", "attendant", json={"goods_id": rice["id"]})
        assert r.status_code == 200 and r.json()["total_points"] == 5 and r.json()["needs_consent"]
        assert balance(api) == start - 5
        waiting = fulfil(api, shop_id, body["code"])
        assert waiting.status_code == 409
        last = api.post(f"/shops/{shop_id}/requests/{body['id']}/drop", "attendant", json={"goods_id": soap["id"]})
        assert last.status_code == 409
        assert api.post(f"/shops/{shop_id}/requests/{body['id']}/consent", "villager").status_code == 200
        done = fulfil(api, shop_id, body["code"], key="f2")
        assert done.status_code == 201 and done.json()["total_points"] == 5
        assert [i["name"] for i in done.json()["items"]] == ["测试肥皂"]
        assert stock(api, shop_id, rice["id"]) == 3
        books_balance(demo_engine)

    def test_consent_carries_the_total_it_agrees_to(self, api, shop_id, goods, demo_engine):
        """Issue #15: the phone showed the total after one drop; a second drop came before 同意. The consent to the
        old total is refused (409 total_changed), the request still waits, nothing is debited; the new one passes."""
        start = balance(api)
        soap, rice = goods["soap"], goods["rice"]
        oil = api.post(f"/shops/{shop_id}/goods", "attendant", json={"name": "测试油", "points_price": 20,
                                                                     "stock": 5}).json()
        body = make(api, shop_id, [(soap["id"], 1), (rice["id"], 1), (oil["id"], 1)]).json()
        url = f"/shops/{shop_id}/requests/{body['id']}"
        shown = api.post(f"{url}/drop", "attendant", json={"goods_id": rice["id"]}).json()["total_points"]
        assert shown == 25
        assert api.post(f"{url}/drop", "attendant", json={"goods_id": oil["id"]}).json()["total_points"] == 5
        r = api.post(f"{url}/consent", "villager", json={"total_points": shown})
        assert r.status_code == 409 and error_code(r) == "total_changed"
        assert "5 积分" in r.json()["error"]["message"] and "25 积分" in r.json()["error"]["message"]
        now = api.get(url, "villager").json()
        assert now["needs_consent"] and now["status"] == "pending"
        assert fulfil(api, shop_id, body["code"]).status_code == 409  # still waiting for the villager
        assert balance(api) == start - 5 and stock(api, shop_id, soap["id"]) == 10
        r = api.post(f"{url}/consent", "villager", json={"total_points": 5})
        assert r.status_code == 200 and not r.json()["needs_consent"]
        assert api.post(f"{url}/consent", "villager", json={"total_points": "5"}).status_code == 422
        done = fulfil(api, shop_id, body["code"], key="f2")
        assert done.status_code == 201 and done.json()["total_points"] == 5 and balance(api) == start - 5
        books_balance(demo_engine)

    def test_reversal_of_a_fulfilled_request_gives_points_to_the_household(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        code = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()["code"]
        receipt = fulfil(api, shop_id, code).json()
        r = api.post(f"/redemptions/{receipt['id']}/reversal", "official", json={"reason": "拿错了"}, key="rv")
        assert r.status_code == 200, r.text
        assert balance(api) == start and held(demo_engine) == 0
        books_balance(demo_engine)


class TestWhoMay:
    def test_another_village(self, api, shop_id, goods):
        r = make(api, shop_id, [(goods["soap"]["id"], 1)], who="neighbour")
        assert r.status_code == 404 and error_code(r) == "not_found"
        code = make(api, shop_id, [(goods["soap"]["id"], 1)]).json()["code"]
        assert fulfil(api, shop_id, code, who="neighbour").status_code == 404
        assert api.get(f"/shops/{shop_id}/requests", "neighbour").status_code == 404

    def test_only_staff_fulfil(self, api, shop_id, goods):
        code = make(api, shop_id, [(goods["soap"]["id"], 1)]).json()["code"]
        assert fulfil(api, shop_id, code, who="official").status_code == 403
        assert fulfil(api, shop_id, code, who="villager").status_code in (403, 404)

    def test_shop_list_for_staff_with_masked_names(self, api, shop_id, goods):
        make(api, shop_id, [(goods["soap"]["id"], 1)])
        for who, name in (("attendant", "王*国"), ("official", "王建国")):  # officials read names in full (#15)
            items = api.get(f"/shops/{shop_id}/requests?status=pending", who).json()["items"]
            assert items and items[0]["household_name"] == name and items[0]["code"] is None
        assert api.get(f"/shops/{shop_id}/requests?status=bogus", "attendant").status_code == 422
        assert api.get(f"/shops/{shop_id}/requests", "villager").status_code == 403

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("code", ["", "abc", "77", "7712345678901234", "77123456789012345", "<script>"])
    def test_bad_codes(self, api, shop_id, code):
        r = fulfil(api, shop_id, code)
        assert r.status_code == 400 and error_code(r) == "invalid_pay_code"

    def test_hostile_ids_and_bodies(self, api, shop_id):
        assert api.post(f"/shops/{2**31}/requests", "villager", json={"items": []}, key="x").status_code == 404
        assert api.post(f"/shops/{shop_id}/requests/{2**31}/cancel", "villager").status_code == 404
        assert make(api, shop_id, []).status_code == 422
        assert make(api, shop_id, [(2**31, 1)]).status_code == 422
        assert make(api, shop_id, [(1, 0)]).status_code == 422

    def test_minutes_set_by_officials(self, api, shop_id, goods):
        assert api.client.put(f"/api/v1/shops/{shop_id}/request-minutes", json={"minutes": 30},
                              headers=api.headers("attendant")).status_code == 403
        r = api.client.put(f"/api/v1/shops/{shop_id}/request-minutes", json={"minutes": 30},
                           headers=api.headers("official"))
        assert r.status_code == 200 and r.json()["minutes"] == 30
        body = make(api, shop_id, [(goods["soap"]["id"], 1)]).json()
        from datetime import datetime

        left = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) - utcnow()
        assert timedelta(minutes=29) < left <= timedelta(minutes=30)
        assert api.client.put(f"/api/v1/shops/{shop_id}/request-minutes", json={"minutes": 1},
                              headers=api.headers("official")).status_code == 422


def test_history_shows_the_hold(api, shop_id, goods, demo_engine):
    make(api, shop_id, [(goods["soap"]["id"], 2)])
    hid = api.get("/me", "villager").json()["household_id"]
    lines = api.get(f"/households/{hid}/ledger", "villager").json()["items"]
    assert lines[0]["amount"] == -10 and lines[0]["kind"] == "hold" and "测试肥皂 ×2" in lines[0]["description"]
    assert lines[0]["description"].endswith("（待核销）")
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=hid).balance == lines[0]["balance_after"]


def test_check_ledger_finds_a_request_closed_without_its_points_back(api, shop_id, goods, demo_engine):
    make(api, shop_id, [(goods["soap"]["id"], 1)])
    books_balance(demo_engine)
    with session_for(demo_engine, write=True) as s:
        s.execute(update(ShopRequest).values(status="cancelled"))
        s.commit()
    with session_for(demo_engine, write=False) as s:
        problems = check_ledger(s)
    assert len(problems) == 1 and "holds 5 but its open shop requests total 0" in problems[0]


def test_every_step_is_in_the_audit_log(api, shop_id, goods):
    soap, rice = goods["soap"], goods["rice"]
    first = make(api, shop_id, [(soap["id"], 1), (rice["id"], 1)], key="a1").json()
    api.post(f"/shops/{shop_id}/requests/{first['id']}/drop", "attendant", json={"goods_id": rice["id"]})
    api.post(f"/shops/{shop_id}/requests/{first['id']}/consent", "villager")
    fulfil(api, shop_id, first["code"])
    second = make(api, shop_id, [(soap["id"], 1)], key="a2").json()
    api.post(f"/shops/{shop_id}/requests/{second['id']}/cancel", "villager")
    third = make(api, shop_id, [(soap["id"], 1)], key="a3").json()
    api.post(f"/shops/{shop_id}/requests/{third['id']}/refuse", "attendant", json={"reason": "缺货"})
    village_id = api.get(f"/shops/{shop_id}/request-minutes", "official").json()["village_id"]
    actions = {e["action"] for e in api.get(f"/villages/{village_id}/audit?limit=100", "official").json()["items"]}
    assert {"shop_request.create", "shop_request.drop", "shop_request.consent", "shop_request.fulfil",
            "shop_request.cancel", "shop_request.refuse"} <= actions


def test_reading_one_request(api, shop_id, goods):
    body = make(api, shop_id, [(goods["soap"]["id"], 1)]).json()
    path = f"/shops/{shop_id}/requests/{body['id']}"
    assert api.get(path, "villager").json()["code"] == body["code"]
    for who, name in (("attendant", "王*国"), ("official", "王建国"), ("town_admin", "王建国")):
        r = api.get(path, who)
        assert r.status_code == 200 and r.json()["code"] is None and r.json()["household_name"] == name
    for who in ("volunteer", "committee", "neighbour"):
        assert api.get(path, who).status_code == 404


@pytest.mark.sqlite_only  # words, not storage
def test_the_audit_log_says_what_happened_to_the_points(api, shop_id, goods, demo_engine):
    """Issue #18: a request holds points, its 核销 redeems them, a cancel returns them — and a finance disclosure is
    财务 — each line in its own true words, never a hold or a 核销 called a return (退回) or a raw code."""
    from app.audit.models import AuditEntry
    from app.audit.service import in_words

    kept = make(api, shop_id, [(goods["soap"]["id"], 1)], key="a1").json()
    assert fulfil(api, shop_id, kept["code"], key="a2").status_code == 201
    dropped = make(api, shop_id, [(goods["rice"]["id"], 1)], key="a3").json()
    assert api.post(f"/shops/{shop_id}/requests/{dropped['id']}/cancel", "villager").status_code == 200
    published = api.post("/disclosures", "official", json={"category": "finance", "title": "十一月账目",
                                                           "body": "收入 100 元"})
    assert published.status_code == 201, published.text
    with session_for(demo_engine, write=False) as s:
        lines = [in_words(e) for e in s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()[-5:]]
    soap, rice = goods["soap"]["points_price"], goods["rice"]["points_price"]
    assert [(line.action, line.detail) for line in lines] == [
        ("提交扫码兑换", f"预留 {soap} 分"), ("核销扫码兑换", f"兑换 {soap} 分"),
        ("提交扫码兑换", f"预留 {rice} 分"), ("取消扫码兑换", f"退回 {rice} 分"), ("发布公开", "财务")]
