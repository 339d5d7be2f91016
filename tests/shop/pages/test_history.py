"""What a villager reads about their redemptions on 积分 and 首页, and what an official reads on 兑换记录 (issue #7):
the goods bought, and a reversal told as one story with what it undid — not two puzzling lines."""

import re

import pytest

from tests.shop.conftest import pay_code, redeem
from tests.shop.pages.conftest import done_redeeming

pytestmark = pytest.mark.sqlite_only  # page markup; the reading behind it runs on both engines (test_history_api.py)


def items_of(html: str, list_id: str) -> list[str]:
    """The text of each <li> of the list, tags stripped, spaces collapsed."""
    start = html.index(f'id="{list_id}"')
    block = html[start:html.index("</ul>", start)]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
            for li in re.findall(r"<li\b.*?</li>", block, re.S)]


def reverse(web, redemption_id: int, reason: str) -> None:
    page = web.get("/shop/redemptions").text
    key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    r = web.post(f"/shop/redemptions/{redemption_id}/reverse", {"reason": reason, "form_key": key})
    assert r.status_code == 303, r.text


class TestVillagerHistory:
    def test_a_redemption_says_what_was_bought(self, web, api, shop_id, goods):
        done_redeeming(api, shop_id, [(goods["rice"]["id"], 1), (goods["soap"]["id"], 2)])
        for path, list_id in (("/points", "ledger-rows"), ("/", "ledger-recent")):
            first = items_of(web.sign_in("villager").get(path).text, list_id)[0]
            assert "振风超市兑换 · 测试肥皂 ×2、测试大米 ×1" in first and "-40" in first, (path, first)

    def test_a_reversed_redemption_reads_as_one_story(self, web, api, shop_id, goods):
        receipt = done_redeeming(api, shop_id, [(goods["soap"]["id"], 3)])
        reverse(web.sign_in("official"), receipt["id"], "村民拿错了")
        for path, list_id in (("/points", "ledger-rows"), ("/", "ledger-recent")):
            lines = items_of(web.sign_in("villager").get(path).text, list_id)
            story = lines[0]
            assert "振风超市兑换 · 测试肥皂 ×3" in story and "-15" in story, story
            assert "已撤销，积分已退回" in story and "原因：村民拿错了" in story and "张书记" in story
            assert "余 600" in story  # the balance it left: back where it was before
            assert not any("兑换撤销" in line for line in lines), lines  # no second, puzzling line
            assert "余 600" in lines[1]  # the line below it still explains the balance

    def test_a_reversal_far_from_what_it_undid_is_its_own_line_and_names_it(self, web, api, shop_id, goods):
        receipt = done_redeeming(api, shop_id, [(goods["soap"]["id"], 1)])
        assert redeem(api, shop_id, pay_code(api), [(goods["soap"]["id"], 2)]).status_code == 201
        reverse(web.sign_in("official"), receipt["id"], "拿错了")
        undo, later, original = items_of(web.sign_in("villager").get("/points").text, "ledger-rows")[:3]
        assert "兑换撤销：拿错了" in undo and "+5" in undo and "余 590" in undo
        assert "撤销的是" in undo and "振风超市兑换 · 测试肥皂 ×1" in undo
        assert "测试肥皂 ×2" in later and "余 585" in later
        assert "已撤销，积分已退回" in original and "余 595" in original


class TestRedemptionBook:
    def test_a_reversed_redemption_says_who_reversed_it_and_why(self, web, api, shop_id, goods):
        receipt = done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        web.sign_in("official")
        reverse(web, receipt["id"], "商品受潮退回")
        row = items_of(web.get("/shop/redemptions").text, "redemption-rows")[0]
        assert "已撤销" in row and "张书记 撤销于" in row and "原因：商品受潮退回" in row, row
        assert "积分和商品已退回" in row
