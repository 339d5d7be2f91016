"""文明新风评比 in a real browser at 390×844: the committee member scores two households on a phone, the official
publishes, a villager objects, the official answers and finalises; the villager's balance and the board show it.
Screenshots: test-artifacts/screenshots/evaluation-*.png (and the A4 sheet as printed, evaluation-board-a4.png)."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import print_pdf, screenshot
from tests.e2e.test_integrity_flow import award_above_the_limit
from tests.e2e.test_score_grid_flow import grid_row, open_grid, score_row
from tests.e2e.test_shop_admin_flow import api_token, log_in

pytestmark = pytest.mark.browser


def choose(page, select_id: str, text: str) -> None:
    value = page.locator(f"#{select_id} option", has_text=text).first.get_attribute("value")
    page.select_option(f"#{select_id}", value)


def score(page, household: str, item: str, points: int, reason: str) -> None:
    """From the round page: the household's 评分表, one row filled, saved, and back to the round page."""
    open_grid(page, household)
    score_row(page, item, points if grid_row(page, item).locator("input.grid-points").count() else None, reason)
    page.get_by_role("button", name="保存这一户").click()
    page.get_by_text("已保存这一户的评分").wait_for(timeout=20_000)
    page.get_by_role("link", name="返回").click()
    page.get_by_role("heading", name="参评农户").wait_for(timeout=20_000)


def allow_same_day_notice(context, base: str) -> None:
    """The town admin lets 示范村 finalise a round at once (its shortest 公示: 0 days; 3 by default)."""
    town = {"Authorization": f"Bearer {api_token(context, base, 'town_admin')}"}
    official = {"Authorization": f"Bearer {api_token(context, base, 'official')}"}
    village_id = context.request.get(f"{base}/api/v1/me", headers=official).json()["village_id"]
    r = context.request.put(f"{base}/api/v1/villages/{village_id}/evaluation-settings", headers=town,
                            data={"min_notice_days": 0})
    assert r.ok, r.text()


def test_round_from_scoring_to_the_board(live_server, new_context, shoot):
    base = live_server
    allow_same_day_notice(new_context(), base)
    committee = new_context().new_page()
    log_in(committee, base, DEMO["committee"], to="/")
    committee.get_by_role("link", name="去评分").click()
    committee.get_by_role("heading", name="给农户评分").wait_for()
    round_url = committee.url.split("?")[0]
    score(committee, "李秀英", "赡养老人尽心", 10, "常年照顾卧床的婆婆")
    score(committee, "赵德明", "卫生不整洁", 0, "院里柴草乱堆，劝了没改")
    shoot(committee, "evaluation-scoring")

    official = new_context().new_page()
    log_in(official, base, DEMO["official"])
    official.goto(round_url)
    official.get_by_text("孙老师：常年照顾卧床的婆婆").wait_for()  # who scored what
    shoot(official, "evaluation-official-scores")
    official.fill("#notice-days", "0")
    official.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    official.get_by_role("button", name="公示").click()
    official.get_by_text("已公示").wait_for()

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/")
    news = villager.get_by_role("link", name=re.compile("评比正在公示"))
    news.wait_for()  # 首页's card, fetched after the page loads
    shoot(villager, "evaluation-home-villager")
    news.click()
    line = villager.locator("[data-testid=result-line]", has_text="赡养老人尽心")
    line.get_by_text("对这一条有异议").click()
    line.locator("textarea").fill("婆婆是她和儿媳轮流照顾的，10 分多了")
    line.get_by_role("button", name="提交异议").click()
    villager.get_by_text("异议已提交").wait_for()
    shoot(villager, "evaluation-notice-objection")

    official.reload()
    official.get_by_text("还有 1 条异议没有答复").wait_for()
    answer = official.locator(".objection", has_text="轮流照顾")
    answer.locator("textarea").fill("核实属实，改为 8 分")
    answer.locator("input[name=corrected_points]").fill("8")
    answer.get_by_role("button", name="答复").click()
    official.get_by_text("已答复").wait_for()
    shoot(official, "evaluation-answered")
    official.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    official.get_by_role("button", name="定榜并发放积分").click()
    official.get_by_text("已定榜：积分已发到各户").wait_for()
    shoot(official, "evaluation-board-official")

    villager.goto(f"{base}/")
    assert villager.get_by_test_id("balance").inner_text() == "605"  # 王建国: 600 + the demo's 庭院整洁 5
    villager.get_by_role("link", name="红黑榜", exact=True).click()
    villager.get_by_role("heading", name="红榜").wait_for()
    board = villager.locator("main").inner_text()
    assert "李*英" in board and "王建国" in board and "赵*明" in board  # his own household in full to him (#18)
    shoot(villager, "evaluation-board")
    villager.get_by_role("link", name="打印上墙").click()
    villager.get_by_text("文明新风红黑榜").wait_for()
    shoot(villager, "evaluation-board-print")
    villager.emulate_media(media="print")
    screenshot(villager, "evaluation-board-a4", full_page=True)
    print_pdf(villager, "evaluation-board-a4")
    villager.emulate_media(media="screen")

    villager.goto(f"{base}/evaluation/points")
    villager.get_by_text("核实属实").or_(villager.get_by_text("赡养老人尽心+8")).first.wait_for()
    shoot(villager, "evaluation-points-notice")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/evaluation/coverage")
    town.get_by_text("清河镇").wait_for()
    shoot(town, "evaluation-coverage")

    # A direct award above the village's limit waits: the official sees it waiting, the town admin approves it.
    award_above_the_limit(official, base, "抗洪抢险救出邻居")
    town.goto(f"{base}/evaluation/awards")
    town.get_by_text("抗洪抢险救出邻居").wait_for()
    shoot(town, "evaluation-awards-waiting")
    town.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    town.get_by_role("button", name="批准发放").click()
    town.get_by_text("已批准，积分已发放").wait_for()
