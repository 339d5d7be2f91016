"""积分公示 for everyone (issue #21 item 6) in a real browser: the official finds the 公开链接 (and its QR) on the
signed-in 积分公示; a phone that never signed in opens it — masked names, the month's figures, axe clean."""

import pytest

from tests.conftest import DEMO
from tests.e2e.test_counter_flow import log_in

pytestmark = pytest.mark.browser


def test_the_public_points_page_from_the_officials_link(live_server, new_context, shoot):
    official = new_context().new_page()
    log_in(official, live_server, DEMO["official"], to="/evaluation/points")
    link = official.get_by_test_id("points-public-link")
    assert official.get_by_role("img", name="积分公示公开页二维码").is_visible()
    url = link.get_attribute("href")
    assert "/public/villages/" in url
    official.locator("#points-public-link").scroll_into_view_if_needed()
    shoot(official, "public-points-01-link")

    stranger = new_context().new_page()  # signed out
    stranger.goto(url)
    assert stranger.get_by_role("heading", name="本月发放积分").is_visible()
    text = stranger.locator("main").inner_text()
    assert "王建国" not in text and "13800000" not in text
    assert stranger.get_by_role("navigation", name="切换月份").is_visible()
    shoot(stranger, "public-points-02-page")
    stranger.goto(url.split("?")[0] + "?month=2026-13")
    assert stranger.get_by_text("月份").first.is_visible()
    shoot(stranger, "public-points-03-bad-month")
    stranger.goto(f"{live_server}/public/villages/999999/points")
    assert stranger.get_by_text("找不到").first.is_visible()
