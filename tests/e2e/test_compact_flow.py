"""村规民约 in a real browser at 390×844 (issue #22 items 1 and 2): the official proposes an amendment on the 公开
tab, records the 议事会's discussion, holds a 村民议事会 meeting whose published resolution names it, walks its
四议两公开 through to 决议公开 on the decision's page, and finds the new version in force with its history (the
vote and the lines changed); the town admin records a 大体检 that fails, and the village sees it.
Screenshots: test-artifacts/screenshots/compact-*.png."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser
NEW_ARTICLE = "第九条 节约用水，不私接水管，不往河沟里倒垃圾。"


def record(page, n: int, *, attendance: str, expected: str = "", votes: tuple[str, str, str] | None = None) -> None:
    """Record the decision's `n`th step on its page and wait until the page shows it done."""
    page.get_by_label("到会人数").fill(attendance)
    if expected:
        page.get_by_label("应到人数").fill(expected)
    if votes:
        for label, value in zip(("赞成", "反对", "弃权"), votes, strict=True):
            page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="记录这一步").click()
    page.locator(".tl-step.done").nth(n - 1).wait_for()


def test_an_amendment_becomes_the_new_version_and_the_township_checks_it(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["official"], to="/disclosures")
    page.get_by_test_id("compact-link").click()
    page.get_by_text("现行第 2 版").wait_for()
    shoot(page, "compact-01-text")

    page.get_by_test_id("propose-amendment").click()
    page.get_by_label("修订理由").fill("村民议事会建议把节约用水写进村规民约")
    body = page.get_by_label("修订后的全文")
    body.fill(body.input_value() + "\n\n" + NEW_ARTICLE)
    shoot(page, "compact-02-propose")
    page.get_by_test_id("submit-amendment").click()
    page.get_by_text("修订已提出").wait_for()
    assert page.get_by_test_id("amendment-status").inner_text() == "表决中"
    page.get_by_label("讨论情况").fill("村民议事会 9 人到会，一致同意提交村两委")
    page.get_by_role("button", name="记录议事会讨论").click()
    page.get_by_text("议事会讨论已记录").wait_for()
    shoot(page, "compact-03-amendment")

    # The 村民议事会 discusses it: a meeting whose resolution names the amendment, published to the village; the
    # resolution leads back to the amendment, which shows the meeting's vote.
    page.goto(f"{base}/councils")
    page.get_by_test_id("council-assembly").get_by_role("link").click()
    page.get_by_role("link", name="记录一次会议").click()
    page.get_by_label("议题").fill("把节约用水写进村规民约")
    for name in ("王建国", "李志愿", "孙老师"):
        page.get_by_label(name).check()
    page.get_by_label("会议记录").fill("三人到会，讨论修订村规民约，同意增加节约用水一条。")
    page.get_by_role("button", name="保存会议").click()
    page.get_by_text("会议已记录").wait_for()
    page.get_by_label("决议内容").fill("同意增加第九条节约用水，提交村两委")
    page.get_by_label("所议事项（可不选）").select_option(index=1)
    for label, value in (("赞成", "3"), ("反对", "0"), ("弃权", "0")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="记录决议").click()
    page.get_by_text("决议已记录").wait_for()
    shoot(page, "compact-03b-council-meeting")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="公开到村务公开").click()
    page.get_by_text("已公开到村务公开").wait_for()
    page.get_by_role("link", name="查看所议事项").click()
    page.get_by_text("同意增加第九条节约用水，提交村两委").wait_for()
    assert page.get_by_text("赞成 3 · 反对 0 · 弃权 0").count() == 1

    page.get_by_test_id("decision-link").click()
    page.get_by_test_id("decision-rides").wait_for()
    record(page, 1, attendance="5")  # 党组织提议
    record(page, 2, attendance="7")  # 两委会商议
    record(page, 3, attendance="30", expected="36", votes=("28", "1", "1"))  # 党员大会审议
    record(page, 4, attendance="40", expected="45", votes=("36", "3", "1"))  # 村民代表会议决议
    shoot(page, "compact-04-decision-passed")
    record(page, 5, attendance="3")  # 决议公开: the new version is published
    page.get_by_test_id("decision-rides").click()
    assert page.get_by_test_id("amendment-status").inner_text() == "已公布"
    page.get_by_role("link", name="查看现行村规民约").click()
    page.get_by_text("现行第 3 版").wait_for()
    assert page.locator("#article-9").inner_text().startswith("第九条")
    page.get_by_role("link", name="修订记录和表决情况").click()
    page.get_by_text("赞成 36 · 反对 3 · 弃权 1").wait_for()
    assert page.locator("#version-3 ins").first.inner_text().startswith("第九条")
    shoot(page, "compact-05-history")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/")
    town.get_by_test_id("compact-checkups-link").click()
    town.get_by_text(re.compile("已体检 0 个村")).wait_for()
    shoot(town, "compact-06-township")
    town.locator(".check-row", has_text="示范村").get_by_role("link", name="体检", exact=True).click()
    for label in ("合法", "现行", "程序合规", "有利于实现自治", "促进法治", "善于德治"):
        town.locator("fieldset", has_text=label).first.get_by_role("radio", name="合格", exact=True).check()
    enforce = town.locator("fieldset", has_text="可执行")
    enforce.get_by_role("radio", name="不合格", exact=True).check()
    enforce.get_by_label("意见（不合格的必填）").fill("第九条没有写明谁来管、违反了怎么办")
    shoot(town, "compact-07-checkup-form")
    town.get_by_test_id("submit-checkup").click()
    town.get_by_text("体检结果已记录").wait_for()
    assert "未通过，须修订" in town.locator("#compact-checkup").inner_text()

    page.goto(f"{base}/compact")
    page.get_by_role("link", name="按体检意见提出修订").wait_for()
    assert "第九条没有写明谁来管" in page.locator("#compact-checkup").inner_text()
    shoot(page, "compact-08-village-sees-checkup")
