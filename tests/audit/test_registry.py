"""The audit log takes only declared actions, each with its Chinese label, and says every line in words."""

import re

import pytest
from sqlmodel import select

import app.models  # noqa: F401  (every domain declares its actions on import)
from app.audit.registry import ACTIONS, TARGETS, AuditAction, declare_actions, label_of
from app.audit.service import record_action
from app.db import session_for
from app.shop.catalogue.models import Goods
from app.shop.models import Shop
from tests.pages.conftest import sign_in

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_declared_action_has_a_chinese_label():
    assert len(ACTIONS) >= 18
    unlabelled = [code for code, action in ACTIONS.items() if not HAN.search(action.label or "")]
    assert unlabelled == [], f"give these audit actions a Chinese label: {unlabelled}"


def test_every_target_has_a_chinese_noun():
    assert {"household", "user", "goods", "redemption", "account"} <= set(TARGETS)
    assert all(HAN.search(noun) for noun in TARGETS.values())


def test_an_undeclared_action_is_refused(session):
    with pytest.raises(ValueError, match="undeclared audit action"):
        record_action(session, actor_id=None, action="goods.steal", village_id=None, target_type="goods",
                      target_id=None)
    with pytest.raises(ValueError, match="undeclared audit target"):
        record_action(session, actor_id=None, action="goods.create", village_id=None, target_type="spaceship",
                      target_id=None)


def test_an_action_declared_twice_is_refused():
    class Clash(AuditAction):
        again = "goods.create", "重复"

    with pytest.raises(ValueError, match="declared twice"):
        declare_actions(Clash)


def test_an_unknown_code_reads_as_other():
    assert label_of("goods.create") == "上架商品" and label_of("nothing.here") == "其他操作"


@pytest.fixture
def web_shop(web_engine):
    with session_for(web_engine, write=False) as s:
        shop = s.exec(select(Shop).where(Shop.name == "振风超市")).one()
        eggs = s.exec(select(Goods).where(Goods.shop_id == shop.id, Goods.name.like("鸡蛋%"))).one()
        return shop.id, eggs.id, eggs.name


def test_the_log_names_every_action_and_its_target(web, web_engine, web_shop):
    """Goods, stock, card and reversal actions read as an official would say them."""
    shop_id, eggs_id, eggs_name = web_shop
    csrf = sign_in(web, "official")
    post = lambda url, **data: web.post(url, data={"csrf_token": csrf, **data})  # noqa: E731
    assert post("/shop/manage/goods", shop_id=str(shop_id), name="测试香皂", points_price="8",
                stock="5").status_code == 303
    assert post(f"/shop/manage/goods/{eggs_id}/stock", kind="restock", quantity="20",
                reason="镇上批发").status_code == 303
    assert post(f"/shop/manage/goods/{eggs_id}/stock", kind="damage", quantity="2", reason="破损").status_code == 303
    assert post(f"/shop/manage/goods/{eggs_id}/edit", name=eggs_name, points_price="31",
                low_stock_threshold="5").status_code == 303
    household = web.get("/admin/households?q=王建国").text
    hid = re.search(r'/admin/households/(\d+)"', household).group(1)
    assert post(f"/admin/households/{hid}/card", pin="2468", pin_again="2468").status_code == 200
    rid = _redeem_eggs(web, shop_id, eggs_id)
    assert post(f"/shop/redemptions/{rid}/reverse", reason="拿错了").status_code == 303
    html = web.get("/admin/audit").text
    assert "其他操作" not in html and "成员：" not in html
    assert "上架商品</strong> 商品 测试香皂" in html and "8 积分 · 库存 5" in html
    assert f"进货</strong> 商品 {eggs_name}" in html and "数量 +20" in html
    assert f"损耗</strong> 商品 {eggs_name}" in html and "数量 -2" in html
    assert f"修改商品</strong> 商品 {eggs_name}" in html and "积分价格：25 → 31" in html
    assert "发放积分卡</strong> 农户 王建国" in html
    assert f"撤销兑换</strong> 兑换 #{rid}" in html and "退回 31 分" in html and "拿错了" in html


def _redeem_eggs(web, shop_id: int, eggs_id: int) -> int:
    """The villager shows a code, the attendant redeems one egg tray (through the JSON API, by Bearer token)."""
    def bearer(phone: str) -> dict:
        r = web.post("/api/v1/auth/login", json={"phone": phone, "password": "demo1234"})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    code = web.get("/api/v1/me/pay-code", headers=bearer("13800000004")).json()["code"]
    r = web.post(f"/api/v1/shops/{shop_id}/redemptions", headers=bearer("13800000002"),
                 json={"pay_code": code, "items": [{"goods_id": eggs_id, "quantity": 1}]})
    assert r.status_code == 201, r.text
    return r.json()["id"]
