"""Service orders in three phones at 390×844: the villager orders (点单), the station dispatches (派单), the volunteer
accepts and completes (接单 → 完成), the villager rates (评单); the volunteer's hours and record follow."""

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_order_dispatch_accept_complete_rate(live_server, new_context, shoot):
    base = live_server
    villager, official, volunteer = (new_context().new_page() for _ in range(3))
    log_in(villager, base, DEMO["villager"], to="/")
    log_in(official, base, DEMO["official"], to="/")
    log_in(volunteer, base, DEMO["volunteer"], to="/")

    # 点单: the 服务 tab, the menu, the form
    villager.locator(".tabbar a[href='/service']").click()
    villager.wait_for_url(f"{base}/service")
    villager.locator(".tabbar a[href='/service'] .tab-badge").wait_for()
    shoot(villager, "service-01-villager-tab")
    villager.get_by_test_id("order-start").click()
    villager.wait_for_url(f"{base}/service/menu")
    shoot(villager, "service-02-menu")
    villager.locator(".menu-item", has_text="理发").first.click()
    villager.get_by_label("给谁服务（不填就是您自己）").fill("家里老母亲")
    villager.get_by_label("说明一下情况").fill("老人腿脚不便，请上门理发")
    villager.get_by_label("希望什么时候").fill("周六上午")
    shoot(villager, "service-03-order-form")
    villager.get_by_role("button", name="提交点单").click()
    villager.wait_for_url("**/service/orders/*")
    assert villager.get_by_test_id("order-status").inner_text() == "待派单"
    order_url = villager.url.split("?")[0]
    shoot(villager, "service-04-ordered")

    # 派单: the station's board shows it as new; the official sends it to 李志愿
    official.goto(f"{base}/service")
    official.get_by_test_id("board-link").click()
    official.wait_for_url("**/service/board")
    shoot(official, "service-05-board")
    official.goto(order_url)
    official.get_by_label("派给").select_option(label="志愿者 李志愿")
    official.get_by_role("button", name="确认派单").click()
    official.get_by_text("已派单", exact=True).first.wait_for()
    assert official.get_by_test_id("order-status").inner_text() == "已派单"
    shoot(official, "service-06-dispatched")

    # 接单 and 完成: the volunteer sees it under 派给我的, with the tab's badge
    volunteer.goto(f"{base}/service")
    volunteer.locator(".tabbar a[href='/service'] .tab-badge").wait_for()
    shoot(volunteer, "service-07-volunteer-queues")
    volunteer.goto(order_url)
    volunteer.get_by_role("button", name="接单", exact=True).click()
    volunteer.get_by_text("已接单，请按约定时间上门").wait_for()
    volunteer.get_by_label("服务了几个小时（标准 1）").fill("1")
    volunteer.get_by_label("做了什么").fill("理发完成，顺便修了指甲")
    shoot(volunteer, "service-08-complete-form")
    volunteer.get_by_role("button", name="提交完成").click()
    volunteer.get_by_text("已提交完成，等待村民评价").wait_for()

    # 评单: the villager rates; the points go to the volunteer's household
    villager.goto(order_url)
    assert villager.get_by_test_id("order-status").inner_text() == "待评价"
    villager.get_by_role("radio", name="4 星").check()
    villager.get_by_label("说几句（大家都能看到）").fill("小李很耐心，谢谢！")
    shoot(villager, "service-09-rate")
    villager.get_by_role("button", name="提交评价").click()
    villager.get_by_text("谢谢您的评价").wait_for()
    assert villager.get_by_test_id("order-status").inner_text() == "已评价"
    assert villager.get_by_text("★★★★☆").is_visible()
    shoot(villager, "service-10-rated-timeline")

    volunteer.goto(f"{base}/service/record")
    assert volunteer.get_by_test_id("total-hours").inner_text().startswith("2")  # the demo's 理发 and this one
    shoot(volunteer, "service-11-record")


def test_the_other_service_pages_and_a_double_tap_on_ordering(live_server, new_context, shoot):
    """The pages the loop above does not pass through, measured and checked with axe; 提交点单 tapped twice over a
    slow network sends the form once."""
    from tests.e2e.test_double_tap import FAST, SLOW_3G

    base = live_server
    villager, official, volunteer = (new_context().new_page() for _ in range(3))
    log_in(villager, base, DEMO["villager"])
    log_in(official, base, DEMO["official"])
    log_in(volunteer, base, DEMO["volunteer"])

    villager.goto(f"{base}/service/ratings")
    villager.get_by_text("小李手艺好").wait_for()
    shoot(villager, "service-12-ratings")
    villager.goto(f"{base}/service/order/new?wish=1")
    villager.get_by_label("想要什么帮助（几个字）").fill("帮忙搬柜子")
    cdp = villager.context.new_cdp_session(villager)
    cdp.send("Network.enable")
    posts: list[str] = []
    back: list[str] = []
    villager.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    villager.on("response", lambda r: r.request.method == "POST" and back.append(r.url))
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    try:
        villager.get_by_role("button", name="提交点单").dblclick(delay=80)
        assert posts and not back, "the second tap came after the form was answered"
        cdp.send("Network.emulateNetworkConditions", FAST)  # the taps are made: the answer at full speed
        villager.wait_for_url("**/service/orders/*", timeout=30_000)
    finally:
        cdp.send("Network.emulateNetworkConditions", FAST)
    assert len(posts) == 1
    villager.get_by_text("已点单，村里会尽快安排志愿者").wait_for()
    villager.locator("summary", has_text="不需要了，取消点单").click()
    shoot(villager, "service-13-wish-ordered-withdraw")

    volunteer.goto(f"{base}/service")
    volunteer.locator("#service-pool a", has_text="代购药品").click()
    volunteer.get_by_role("button", name="抢单").wait_for()
    shoot(volunteer, "service-14-pool-order")
    volunteer.goto(f"{base}/")
    shoot(volunteer, "service-15-home-volunteer")

    official.goto(f"{base}/service/board")
    official.locator("#board-approval a", has_text="代办证件").click()
    official.get_by_role("button", name="确认时长").wait_for()
    shoot(official, "service-16-approve-hours")
    official.get_by_role("button", name="确认时长").click()
    official.get_by_text("已核定服务时长").wait_for()
    official.goto(f"{base}/service/board")
    for summary in ("成立志愿队", "添加本村服务项目"):
        official.locator("summary", has_text=summary).click()
    shoot(official, "service-17-board-forms")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/")
    town.get_by_role("link", name="实践所服务").click()
    town.wait_for_url(f"{base}/service/centre")
    shoot(town, "service-18-township-centre")
