"""Shops and the 小微权力清单 from the app (issue #17 items 4 and 6), in a real browser at 390×844: 邻村's new
official opens the village's shop from the empty /shop/manage, pauses it (asked first), and the villager sees 暂停营业;
then closes it. 示范村's official edits one entry of the 小微权力清单: 第 2 版, with 第 1 版 still readable.
Screenshots: test-artifacts/screenshots/shops-*.png and powers-*.png (each measured and checked with axe)."""

import pytest

from app.db import make_engine
from app.org.models import Role
from tests.conftest import DEMO, add_person
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser
NEIGHBOUR_OFFICIAL = "13800000096"


def neighbour_official(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        return add_person(engine, phone=NEIGHBOUR_OFFICIAL, name="邻村书记", role=Role.official, unit="邻村")
    finally:
        engine.dispose()


def test_an_official_opens_pauses_and_closes_the_shop(live_server, new_context, shoot, tmp_path):
    base = live_server
    official, villager = new_context().new_page(), new_context().new_page()
    log_in(official, base, neighbour_official(f"sqlite:///{tmp_path / 'e2e.db'}"))
    log_in(villager, base, DEMO["neighbour"])

    official.goto(f"{base}/shop/manage")
    official.get_by_text("邻村还没有开设积分超市").wait_for()
    shoot(official, "shops-open-empty")
    official.get_by_label("超市名称").fill("邻村积分超市")
    official.get_by_label("合作超市（可不填）").fill("村口便民店")
    official.get_by_role("button", name="开设积分超市").click()
    official.wait_for_url("**/shop/manage?shop_id=*")
    official.get_by_text("积分超市已开设").wait_for()
    assert official.get_by_test_id("shop-status").inner_text() == "营业中"
    assert official.get_by_test_id("appoint-attendant").get_attribute("href").startswith("/org/units/")
    shoot(official, "shops-opened")

    official.locator("#shop-pause summary").click()
    official.get_by_role("button", name="确认暂停营业").wait_for()
    shoot(official, "shops-pause-confirm")
    official.get_by_role("button", name="确认暂停营业").click()
    official.get_by_text("已暂停营业").wait_for()
    assert official.get_by_test_id("shop-status").inner_text() == "暂停营业"
    shoot(official, "shops-paused")

    villager.goto(f"{base}/shop")
    villager.get_by_test_id("shop-paused").wait_for()
    assert "暂停营业" in villager.get_by_test_id("shop-paused").inner_text()
    assert villager.get_by_role("link", name="出示积分码").count() == 0
    shoot(villager, "shops-villager-paused")
    villager.goto(f"{base}/pay")
    assert "暂停营业" in villager.content()  # no pay code while the village's only shop is paused

    official.locator("#shop-close summary").click()
    official.get_by_role("button", name="确认关闭邻村积分超市").click()
    official.get_by_text("超市已关闭").first.wait_for()
    assert official.get_by_test_id("shop-status").inner_text() == "已关闭"
    shoot(official, "shops-closed")
    villager.goto(f"{base}/shop")
    villager.get_by_text("本村还没有开设积分超市").wait_for()


def test_the_official_edits_the_list_and_version_1_stays(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["official"], to="/small-powers")
    assert page.get_by_test_id("powers-version").inner_text() == "第 1 版"
    first = page.locator("details.power").first
    first.locator("summary").first.click()
    first.get_by_text("修改这一项").click()
    first.get_by_label("办理时限（可不填）").fill("20 个工作日")
    shoot(page, "powers-edit")
    first.get_by_role("button", name="保存为新版本").click()
    page.get_by_text("已保存，清单已更新为新版本").wait_for()
    assert page.get_by_test_id("powers-version").inner_text() == "第 2 版"
    shoot(page, "powers-v2")
    page.get_by_role("link", name="历史版本").click()
    page.wait_for_url("**/small-powers/versions")
    shoot(page, "powers-versions")
    page.get_by_role("link", name="第 1 版").click()
    page.get_by_text("这是以前的第 1 版").wait_for()
    assert "30 个工作日" in page.content()
    shoot(page, "powers-v1")
