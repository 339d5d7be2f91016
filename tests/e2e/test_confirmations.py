"""Truthful states in a real browser (issue #18), at 390×844 and 360×640: an award over the limit is amber on the
household page with who must act; the approver's page names village, household, source, proposer and why, and
批准发放 asks once — dismissed, nothing is sent; refused with a reason, the household page says so in red. 公示 and
the 核销 of a large basket ask the same way. Screenshots: test-artifacts/screenshots/truthful-*.png."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import fill_award, log_in, shoot_both
from tests.e2e.test_request_flow import basket_ready, item

pytestmark = pytest.mark.browser
LOAD = 20_000  # page loads on a busy 2-core machine


class Asked:
    """Every question a page asks (window.confirm from hx-confirm), answered no — or yes once told to — and every
    POST the page sends to a path."""

    def __init__(self, page, path: str) -> None:
        self.messages: list[str] = []
        self.posts: list[str] = []
        self.answer = False
        page.on("dialog", self._dialog)
        page.on("request", lambda r: r.method == "POST" and path in r.url and self.posts.append(r.url))

    def _dialog(self, dialog) -> None:
        self.messages.append(dialog.message)
        dialog.accept() if self.answer else dialog.dismiss()


def test_pending_is_amber_and_approving_asks_once(live_server, new_context, shoot):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"])
    fill_award(official, base, 300, "抗洪抢险救出邻居")
    official.get_by_role("button", name="确认发放").click()
    notice = official.get_by_test_id("award-pending")
    notice.wait_for(timeout=LOAD)
    assert "待审批" in notice.inner_text() and official.locator(".notice.ok").count() == 0  # no green ✓
    line = official.get_by_test_id("pending-award")
    assert "+300" in line.inner_text() and "周镇长（乡镇管理员）" in line.inner_text()
    assert line.evaluate("e => getComputedStyle(e.querySelector('.tag')).color") == "rgb(138, 75, 0)"  # amber
    shoot_both(official, shoot, "truthful-household-pending")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/evaluation/awards")
    row = town.get_by_test_id("waiting-award")
    row.wait_for(timeout=LOAD)
    for words in ("示范村", "赵德明家", "直接奖励", "抗洪抢险救出邻居", "张书记", "超过单笔限额 200 分"):
        assert words in row.inner_text(), words
    shoot_both(town, shoot, "truthful-approver")
    asked = Asked(town, "/approve")
    town.get_by_role("button", name="批准发放").click()
    town.wait_for_timeout(500)  # nothing is going to happen: give it the chance to
    assert asked.messages == ["批准后，300 分立即从示范村积分预算发给赵德明家，不能撤回（发错了只能由村干部另行撤销）。"
                              "确定批准发放？"]
    assert asked.posts == [] and town.get_by_test_id("waiting-award").count() == 1  # dismissed: nothing sent

    # refused, with a reason: the row leaves the list, the household page says who and why in red
    row.get_by_text("不批准", exact=True).click()
    row.get_by_label(re.compile("不批准的理由")).fill("材料不全，请补充照片")
    row.get_by_role("button", name="不批准，这笔积分不发放").click()
    town.get_by_text("已不批准").wait_for(timeout=LOAD)
    assert town.get_by_test_id("waiting-award").count() == 0 and asked.posts == []
    official.reload()
    refused = official.get_by_test_id("refused-award")
    refused.wait_for(timeout=LOAD)
    assert "未批准" in refused.inner_text() and "材料不全，请补充照片" in refused.inner_text()
    assert official.get_by_test_id("balance").inner_text().strip() == "80"
    shoot_both(official, shoot, "truthful-household-refused")


def test_publish_asks_once(live_server, new_context):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"], to="/evaluation")
    official.get_by_role("link", name=re.compile("评分中")).first.click()
    official.wait_for_url(re.compile(r"/evaluation/rounds/\d+"), timeout=LOAD)
    asked = Asked(official, "/publish")
    official.get_by_role("button", name="公示", exact=True).click()
    official.wait_for_timeout(500)
    assert len(asked.messages) == 1 and "不能再改分" in asked.messages[0] and asked.posts == []
    assert official.get_by_test_id("round-status").inner_text() != "公示中"
    asked.answer = True
    official.get_by_role("button", name="公示", exact=True).click()
    official.get_by_text("已公示").wait_for(timeout=LOAD)
    assert len(asked.posts) == 1


def test_a_large_basket_asks_before_its_hexiao(live_server, new_context, shoot):
    base = live_server
    counter = new_context().new_page()
    log_in(counter, base, DEMO["attendant"], to="/shop/manage")
    counter.get_by_test_id("poster-link").click()
    counter.wait_for_url(re.compile(r"/shop/poster"), timeout=LOAD)
    shop_url = counter.locator(".poster-url").inner_text().strip()

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"])
    villager.goto(shop_url)
    basket_ready(villager)
    oil = item(villager, "菜籽油")  # 60 points: two of them make 120, above 100
    oil.get_by_role("button", name=re.compile("^增加")).click()
    oil.get_by_role("button", name=re.compile("^增加")).click()
    villager.get_by_role("button", name="提交兑换").click()
    villager.wait_for_url(re.compile(r"/shop/order/\d+/requests/\d+$"), timeout=LOAD)
    code = villager.get_by_test_id("request-digits").inner_text()

    counter.goto(f"{base}/counter/requests")
    counter.get_by_label(re.compile("核销码")).fill(code)
    counter.get_by_role("button", name="查看兑换单").click()
    counter.get_by_test_id("req-basket").wait_for(timeout=LOAD)
    asked = Asked(counter, "/counter/requests/fulfil")
    counter.get_by_role("button", name=re.compile("确认核销")).click()
    counter.wait_for_timeout(500)
    assert asked.messages and "核销后 120 积分付给超市" in asked.messages[0] and asked.posts == []
    assert counter.get_by_test_id("req-done").count() == 0
    asked.answer = True
    counter.get_by_role("button", name=re.compile("确认核销")).click()
    counter.get_by_test_id("req-done").wait_for(timeout=LOAD)
    assert len(asked.posts) == 1
