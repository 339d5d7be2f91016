"""文明实践活动 in real browsers at 390×844: the official publishes an activity, the villager signs up on their phone,
the official shows the check-in code, the villager's phone opens the address the QR holds (the scan) and checks in,
the official closes the activity, and the villager sees the points."""

import re
from datetime import timedelta

import pytest

from app.timeutil import local, utcnow
from tests.activities.conftest import start
from tests.conftest import DEMO
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_publish_sign_up_check_in_by_qr_close_and_see_the_points(live_server, new_context, shoot, served_app):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"], to="/activities")
    official.get_by_test_id("activity-new").click()
    official.wait_for_url(re.compile(r"/activities/new$"))
    official.fill("#activity-title", "村口卫生大扫除")
    official.select_option("#activity-kind", "卫生大扫除")
    official.fill("#activity-date", local(utcnow() + timedelta(days=7)).strftime("%Y-%m-%d"))
    official.fill("#activity-time", "08:30")
    official.fill("#activity-place", "村委会广场")
    official.fill("#activity-places", "20")
    official.fill("#activity-points", "5")
    shoot(official, "activity-01-publish")
    official.get_by_role("button", name="发布").click()
    official.wait_for_url(re.compile(r"/activities/\d+\?done=create"))
    activity_url = official.url.split("?")[0]
    activity_id = int(activity_url.rsplit("/", 1)[1])
    assert official.get_by_text("活动已发布").is_visible()

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/")
    villager.locator("#activities-card").get_by_text("村口卫生大扫除").wait_for()
    shoot(villager, "activity-02-home-card")
    villager.locator("#activities-card").get_by_text("村口卫生大扫除").click()
    villager.wait_for_url(re.compile(rf"/activities/{activity_id}$"))
    villager.get_by_test_id("activity-signup").click()
    villager.wait_for_url(re.compile(r"done=signup"))
    assert villager.get_by_test_id("activity-signed").is_visible()
    shoot(villager, "activity-03-signed-up")

    official.goto(activity_url)
    official.get_by_test_id("activity-qr-link").click()
    official.wait_for_url(re.compile(rf"/activities/{activity_id}/qr$"))
    qr = official.get_by_test_id("activity-qr")
    scanned = qr.get_attribute("data-url")
    assert re.fullmatch(rf"{re.escape(base)}/a/{activity_id}-\d+-[A-Za-z0-9_-]+", scanned), scanned
    shoot(official, "activity-04-qr")

    villager.goto(scanned)  # what the phone camera does with the QR
    villager.wait_for_url(re.compile(rf"/activities/{activity_id}/checkin\?code="))
    shoot(villager, "activity-05-checkin")
    villager.get_by_test_id("activity-checkin").click()
    villager.wait_for_url(re.compile(r"done=checkin"))
    assert villager.get_by_test_id("activity-attended").is_visible()

    official.reload()
    official.get_by_test_id("activity-present").filter(has_text="已签到 1 人").wait_for()
    start(served_app.state.engine, activity_id)
    official.goto(activity_url)
    shoot(official, "activity-06-organiser")
    official.once("dialog", lambda dialog: dialog.accept())
    official.get_by_test_id("activity-close").click()
    official.wait_for_url(re.compile(r"done=close"))
    assert official.get_by_test_id("activity-status").inner_text() == "已结束"
    shoot(official, "activity-07-closed")

    villager.goto(activity_url)
    assert "已发放 5 积分到您家" in villager.get_by_test_id("activity-points").inner_text()
    shoot(villager, "activity-08-points")
    villager.goto(f"{base}/points")
    assert villager.get_by_text(re.compile("文明实践活动：村口卫生大扫除")).first.is_visible()
