"""A village without a shop (邻村 in the demo) is offered no shop books on 首页 and 我的, and its villagers no
「看看能兑换什么」 that would lead to 本村还没有开设积分超市: the official is offered 开设积分超市 instead
(issue #18)."""

import pytest

from app.org.models import Role
from tests.conftest import add_person
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
BOOKS = ('href="/shop/redemptions"', 'href="/shop/requests?status=all"', 'href="/shop/settlement"')


def test_an_official_without_a_shop_is_offered_to_open_one(web, web_engine):
    sign_in(web, add_person(web_engine, phone="13900000291", name="邻村主任", role=Role.official, unit="邻村"))
    for path in ("/", "/me"):
        page = web.get(path).text
        assert "开设积分超市" in page and not any(link in page for link in BOOKS), path
    assert "本村还没有开设积分超市" not in web.get("/shop/manage").text  # the tile opens the form to open one


def test_an_official_with_a_shop_has_its_books(web):
    sign_in(web, "official")
    page = web.get("/").text
    assert all(link in page for link in BOOKS) and "超市商品" in page and "开设积分超市" not in page


def test_a_villager_is_sent_to_goods_only_where_there_is_a_shop(web):
    sign_in(web, "neighbour")  # 陈志强 of 邻村
    assert 'href="/shop">' not in web.get("/").text
    sign_in(web, "villager")
    assert 'href="/shop">' in web.get("/").text
