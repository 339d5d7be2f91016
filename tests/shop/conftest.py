"""Shop fixtures: the demo shop, fresh goods, pay codes."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.shop.models import Shop


@pytest.fixture
def shop_id(demo_engine) -> int:
    with session_for(demo_engine, write=False) as s:
        return s.exec(select(Shop.id).where(Shop.name == "振风超市")).one()


@pytest.fixture
def goods(api, shop_id):
    """Two goods of our own in the demo shop: 肥皂 (5 points, 10 in stock) and 大米 (30 points, 3 in stock)."""
    soap = api.post(f"/shops/{shop_id}/goods", "attendant", json={"name": "测试肥皂", "points_price": 5, "stock": 10})
    rice = api.post(f"/shops/{shop_id}/goods", "attendant", json={"name": "测试大米", "points_price": 30, "stock": 3})
    assert soap.status_code == rice.status_code == 201, soap.text
    return {"soap": soap.json(), "rice": rice.json()}


def pay_code(api, who="villager") -> str:
    r = api.get("/me/pay-code", who)
    assert r.status_code == 200, r.text
    return r.json()["code"]


def redeem(api, shop_id, code, lines, key=None, who="attendant"):
    items = [{"goods_id": g, "quantity": q} for g, q in lines]
    return api.post(f"/shops/{shop_id}/redemptions", who, json={"pay_code": code, "items": items}, key=key)


def balance(api, who="villager") -> int:
    hid = api.get("/me", who).json()["household_id"]
    return api.get(f"/households/{hid}", who).json()["balance"]


def stock(api, shop_id, goods_id) -> int:
    items = api.get(f"/shops/{shop_id}/goods?include_inactive=true", "attendant").json()["items"]
    return next(g["stock"] for g in items if g["id"] == goods_id)
