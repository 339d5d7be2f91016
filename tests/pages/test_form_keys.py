"""Every form that creates something carries a key made when the form was drawn: the same form sent twice (a double
tap on a slow network, a browser without JavaScript) creates one thing."""

import re

import pytest
from sqlmodel import func, select

from app.db import session_for
from app.org.models import Household, User
from app.shop.catalogue.models import Goods, StockMovement
from app.shop.models import Shop
from app.shop.redemption.models import HouseholdCard
from tests.pages.conftest import household_id, sign_in

FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f]{32})"')


def count(engine, stmt) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(stmt).one()


def key_in(html: str) -> str:
    match = FORM_KEY.search(html)
    assert match, "the form carries no form key"
    return match.group(1)


@pytest.fixture
def official(web):
    return sign_in(web, "official")


def twice(web, url: str, data: dict):
    first, second = web.post(url, data=data), web.post(url, data=data)
    return first, second


def test_every_render_makes_a_fresh_key(web, official):
    assert key_in(web.get("/admin/households/new").text) != key_in(web.get("/admin/households/new").text)


def test_register_household(web, web_engine, official):
    data = {"csrf_token": official, "form_key": key_in(web.get("/admin/households/new").text),
            "head_name": "孙立新", "member_name": "孙立新", "member_phone": "13912345678",
            "member_password": "sunlixin2024"}
    first, second = twice(web, "/admin/households", data)  # the password is one-time: its slip, not a redirect
    assert first.status_code == second.status_code == 200 and first.headers["HX-Push-Url"] == second.headers[
        "HX-Push-Url"]
    assert count(web_engine, select(func.count()).where(Household.head_name == "孙立新")) == 1
    data["form_key"] = key_in(web.get("/admin/households/new").text)  # a new form: a second 孙立新 is allowed
    data["member_phone"] = "13912345679"
    assert web.post("/admin/households", data=data).status_code == 200
    assert count(web_engine, select(func.count()).where(Household.head_name == "孙立新")) == 2


def test_add_member(web, web_engine, official):
    wang = household_id(web_engine, "王建国")
    data = {"csrf_token": official, "form_key": key_in(web.get(f"/admin/households/{wang}").text), "name": "王小明"}
    first, second = twice(web, f"/admin/households/{wang}/members", data)
    assert first.status_code == second.status_code == 303
    assert count(web_engine, select(func.count()).where(User.name == "王小明")) == 1


def test_award(web, web_engine, official):
    wang = household_id(web_engine, "王建国")
    data = {"csrf_token": official, "form_key": key_in(web.get(f"/admin/households/{wang}").text), "points": "15",
            "reason": "清理河道", "category": "hygiene"}
    twice(web, f"/admin/households/{wang}/awards", data)
    assert '<p class="balance" data-testid="balance">615</p>' in web.get(f"/admin/households/{wang}").text


def test_new_goods_and_restock(web, web_engine, official):
    with session_for(web_engine, write=False) as s:
        shop_id = s.exec(select(Shop.id)).first()
    data = {"csrf_token": official, "form_key": key_in(web.get(f"/shop/manage?shop_id={shop_id}").text),
            "shop_id": str(shop_id), "name": "测试香皂", "points_price": "8", "stock": "5"}
    first, second = twice(web, "/shop/manage/goods", data)
    assert first.headers["location"] == second.headers["location"]
    assert count(web_engine, select(func.count()).where(Goods.name == "测试香皂")) == 1
    goods_id = int(re.search(r"/goods/(\d+)", first.headers["location"]).group(1))
    page = web.get(f"/shop/manage/goods/{goods_id}").text
    restock = {"csrf_token": official, "form_key": key_in(page), "kind": "restock", "quantity": "20", "reason": "进货"}
    twice(web, f"/shop/manage/goods/{goods_id}/stock", restock)
    with session_for(web_engine, write=False) as s:
        assert s.get(Goods, goods_id).stock == 25
        assert s.exec(select(func.count()).where(StockMovement.goods_id == goods_id)).one() == 2  # initial + restock


def test_issue_card_twice_keeps_the_first_card(web, web_engine, official):
    wang = household_id(web_engine, "王建国")
    data = {"csrf_token": official, "form_key": key_in(web.get(f"/admin/households/{wang}/card").text),
            "pin": "2468", "pin_again": "2468"}
    first, second = twice(web, f"/admin/households/{wang}/card", data)
    assert first.status_code == 200 and "请现在打印" in first.text
    assert second.status_code == 409 and "刚刚已经发出" in second.text
    with session_for(web_engine, write=False) as s:
        cards = s.exec(select(HouseholdCard).where(HouseholdCard.household_id == wang)).all()
    assert len(cards) == 1 and cards[0].revoked_at is None  # the printed card still works
