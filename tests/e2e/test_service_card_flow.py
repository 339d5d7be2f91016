"""A household without a smartphone confirms a service at the station with its household card (issue #15), at
390×844: the official placed the order for 王建国's household and is offered no confirmation; another official of
the village opens 凭积分卡评价, 王奶奶 types the 卡密码, and the order is rated and credited."""

import pytest

from app.db import make_engine
from app.org.models import Role
from tests.conftest import DEMO, add_person
from tests.e2e.conftest import log_in
from tests.volunteer.conftest import household_card

pytestmark = pytest.mark.browser


def second_official(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        return add_person(engine, phone="13800000093", name="周干事", role=Role.official, unit="示范村")
    finally:
        engine.dispose()


def test_the_household_card_confirms_at_the_station(live_server, new_context, shoot, tmp_path):
    base = live_server
    official, volunteer, station = (new_context().new_page() for _ in range(3))
    log_in(official, base, DEMO["official"])
    log_in(volunteer, base, DEMO["volunteer"])
    log_in(station, base, second_official(f"sqlite:///{tmp_path / 'e2e.db'}"))

    official.goto(f"{base}/service/menu")
    official.locator(".menu-item", has_text="理发").first.click()
    official.get_by_label("为谁点单").select_option(label="代王建国家点单（示范村一组 12 号）")
    official.get_by_label("服务对象（如家里老人）").fill("王奶奶")
    official.get_by_role("button", name="提交点单").click()
    official.wait_for_url("**/service/orders/*")
    order_url = official.url.split("?")[0]
    order_id = int(order_url.rsplit("/", 1)[1])

    volunteer.goto(order_url)
    volunteer.get_by_role("button", name="抢单").click()
    volunteer.get_by_text("抢单成功，请按约定时间上门").wait_for()
    volunteer.get_by_label("服务了几个小时（标准 1）").fill("1")
    volunteer.get_by_role("button", name="提交完成").click()
    volunteer.get_by_text("已提交完成，等待村民评价").wait_for()

    official.goto(order_url)
    assert official.get_by_text("村民没有智能手机：凭积分卡评价").count() == 0  # placed it: 回避

    card = household_card(make_engine(f"sqlite:///{tmp_path / 'e2e.db'}"), order_id, pin="1357")
    station.goto(order_url)
    station.get_by_text("村民没有智能手机：凭积分卡评价").click()
    station.get_by_label("积分卡号").fill(card)
    station.get_by_label("卡密码（村民本人输入）").fill("1357")
    station.get_by_role("radio", name="4 星").check()
    station.get_by_label("村民说的话（可不填）").fill("理得很好")
    shoot(station, "service-card-01-station-form")
    station.get_by_role("button", name="凭卡确认评价").click()
    station.get_by_text("已凭户卡记下村民的评价").wait_for()
    assert station.get_by_test_id("order-status").inner_text() == "已评价"
    assert station.get_by_text("凭户卡评价：4 星：理得很好").count() >= 1
    shoot(station, "service-card-02-rated")
