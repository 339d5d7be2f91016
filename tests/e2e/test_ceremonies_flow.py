"""婚丧事报备 in a real browser at 390×844 (issue #22 item 3): the villager reads the village's 红白事标准, files a
wedding within them and sees the check; the committee member (红白理事会) acknowledges it with advice and, the day
come, records it held within the standards; the villager sees the advice, the outcome and the 10 points on the
household's 积分明细. Screenshots: test-artifacts/screenshots/ceremonies-*.png."""

import pytest

from app.ceremonies.service import today
from tests.conftest import DEMO
from tests.e2e.conftest import log_in, shoot_both

pytestmark = pytest.mark.browser


def test_a_wedding_filed_acknowledged_held_within_the_standards_and_credited(live_server, new_context, shoot):
    base = live_server
    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/")
    villager.get_by_test_id("ceremony-standards-link").click()
    villager.get_by_test_id("ceremony-standards").get_by_text("不超过 10 桌").wait_for()
    shoot(villager, "ceremonies-standards")
    villager.goto(f"{base}/")
    villager.get_by_test_id("ceremonies-link").click()
    villager.get_by_test_id("new-ceremony").click()
    villager.get_by_label("办什么事").select_option("wedding")
    villager.get_by_label("日期").fill(today().isoformat())
    villager.get_by_label("地点").fill("村文化礼堂")
    villager.get_by_label("酒席桌数").fill("8")
    villager.get_by_label("宾客人数").fill("80")
    villager.get_by_label("预计花费（元）").fill("15000")
    villager.get_by_label("每人礼金不超过（元，不收填 0）").fill("100")
    shoot(villager, "ceremonies-new")
    villager.get_by_role("button", name="提交报备").click()
    villager.get_by_text("已报备，等红白理事会备案").wait_for()
    assert "符合村里标准" in villager.get_by_test_id("ceremony-check").inner_text()
    assert villager.get_by_test_id("ceremony-status").inner_text() == "待备案"
    shoot_both(villager, shoot, "ceremonies-filed")

    council = new_context().new_page()
    log_in(council, base, DEMO["committee"], to="/")
    council.get_by_test_id("ceremonies-queue-link").click()
    rows = council.get_by_test_id("waiting-ceremony")
    rows.first.wait_for()
    assert rows.count() == 1 and "王建国家" in rows.first.inner_text()
    shoot(council, "ceremonies-queue")
    rows.first.click()
    council.get_by_label("给这户的建议（可不填，这户会看到）").fill("不放鞭炮，不收高额礼金")
    council.get_by_role("button", name="备案").click()
    council.get_by_text("已备案，建议已告诉这户").wait_for()
    council.get_by_label("实际宾客人数").fill("76")
    council.get_by_label("实际花费（元）").fill("13500")
    shoot(council, "ceremonies-outcome-form")
    council.get_by_role("button", name="记录结果").click()
    council.get_by_text("结果已记录").wait_for()
    assert "按标准办理 · +10 分" in council.get_by_test_id("ceremony-outcome").inner_text()
    shoot(council, "ceremonies-done")

    villager.goto(f"{base}/ceremonies")
    villager.get_by_test_id("my-ceremony").filter(has_text="已办结").filter(has_text="+10 分").click()
    villager.get_by_test_id("ceremony-ack").get_by_text("不放鞭炮，不收高额礼金").wait_for()
    villager.get_by_test_id("ceremony-credited").wait_for()
    shoot_both(villager, shoot, "ceremonies-outcome")
    villager.goto(f"{base}/points")
    villager.get_by_text("婚事按标准办理").first.wait_for()
    shoot(villager, "ceremonies-history")
