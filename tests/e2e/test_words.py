"""Words an elderly villager can use (issue #7, item 10), in a real browser: each refusal beside its field, one word
for the card's PIN, a locked card that says when it unlocks and whom to ask, a history that says what was bought and
tells a reversal as one story. Every page is shot at 390×844 and again at 360 wide (test-artifacts/screenshots/
words-*.png); the `shoot` fixture also runs the layout check and axe-core on each."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import PHONE
from tests.e2e.test_counter_flow import issue_card
from tests.e2e.test_shop_admin_flow import log_in, redeem_at_the_counter

pytestmark = pytest.mark.browser

SMALL = {"width": 360, "height": 740}


def shoot_both(page, shoot, name: str) -> None:
    """At 390×844, then at 360 wide; both checked for layout and accessibility."""
    shoot(page, f"words-{name}")
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
    page.set_viewport_size(SMALL)
    try:
        shoot(page, f"words-{name}-360")
        page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
    finally:
        page.set_viewport_size(PHONE)


def test_refusals_stand_beside_their_field(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["official"])

    # 登记农户: member 2's password is too short. The form comes back with everything typed, the message under
    # member 2's password, and the cursor in it.
    page.goto(f"{base}/admin/households/new")
    page.get_by_label("户主姓名").fill("孙立新")
    page.get_by_label("住址").fill("示范村四组 6 号")
    names, phones = page.get_by_label("姓名", exact=True), page.get_by_label("手机号（可不填）")
    passwords = page.get_by_label("初始密码（有手机号时必填，至少 8 位）")
    names.nth(0).fill("孙立新")
    phones.nth(0).fill("13912345678")
    passwords.nth(0).fill("sunlixin2024")
    names.nth(1).fill("孙小梅")
    phones.nth(1).fill("13912345679")
    passwords.nth(1).fill("1234")
    page.get_by_role("button", name="保存").click()
    message = page.locator("#m1-password-error")
    message.wait_for()
    assert message.inner_text() == "成员 2 孙小梅 的密码至少 8 位"
    assert page.url == f"{base}/admin/households/new"  # the address bar did not move to the POST's URL
    page.wait_for_function("document.activeElement.id === 'm1-password'")  # htmx focuses [autofocus] as it settles
    assert page.get_by_label("户主姓名").input_value() == "孙立新" and names.nth(1).input_value() == "孙小梅"
    assert page.get_by_role("alert").filter(has_text="密码").count() == 0  # no toast far away
    shoot_both(page, shoot, "new-household-short-password")
    passwords.nth(0).fill("sunlixin2024")
    passwords.nth(1).fill("sunxiaomei1")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/admin/households/\d+\?done=create$"))
    household = page.url.split("?")[0]

    # 发卡: the two 卡密码 differ. The form stays, the message under the first, where typing starts again.
    page.goto(f"{household}/card")
    page.get_by_label("卡密码（4 到 6 位数字，请村民自己输入）").fill("2468")
    page.get_by_label("再输入一次卡密码").fill("2486")
    page.get_by_role("button", name="发卡并打印").click()
    page.locator("#card-pin-error").wait_for()
    assert page.locator("#card-pin-error").inner_text() == "两次输入的卡密码不一致，请村民重新输入两次"
    page.wait_for_function("document.activeElement.id === 'card-pin'")  # htmx focuses [autofocus] as it settles
    assert page.get_by_text("这户还没有积分卡").is_visible()
    shoot_both(page, shoot, "card-pin-mismatch")


def test_a_locked_card_says_when_it_unlocks_and_whom_to_ask(live_server, new_context, shoot):
    base = live_server
    context = new_context()
    card_code, _ = issue_card(context, base, pin="2468")
    page = context.new_page()
    log_in(page, base, DEMO["attendant"], to="/counter")
    page.get_by_label("积分码或家庭卡号").fill(card_code)
    page.get_by_role("button", name="确定").click()
    for left in (4, 3, 2, 1):
        page.get_by_label("请村民输入卡密码").fill("1111")
        page.get_by_role("button", name="确定").click()
        page.get_by_role("alert").filter(has_text=f"还可尝试 {left} 次").wait_for()
    started = datetime.now(ZoneInfo("Asia/Shanghai"))
    page.get_by_label("请村民输入卡密码").fill("1111")
    page.get_by_role("button", name="确定").click()
    alert = page.get_by_role("alert").filter(has_text="此卡已锁定")
    alert.wait_for()
    ends = {f"{t + timedelta(minutes=15):%H:%M} 自动解锁"
            for t in (started, datetime.now(ZoneInfo("Asia/Shanghai")))}
    text = alert.inner_text()
    assert any(e in text for e in ends) and "请找村干部补办新卡" in text, text
    shoot_both(page, shoot, "counter-card-locked")


def test_the_history_says_what_was_bought_and_a_reversal_is_one_story(live_server, new_context, shoot):
    base = live_server
    context = new_context()
    official = context.new_page()
    log_in(official, base, DEMO["official"])
    shop_id = int(context.request.get(f"{base}/api/v1/shops").json()["items"][0]["id"])
    goods = {g["name"]: g["id"] for g in context.request.get(f"{base}/api/v1/shops/{shop_id}/goods?limit=100")
             .json()["items"]}
    rice = next(gid for name, gid in goods.items() if name.startswith("大米"))
    redeem_at_the_counter(context, base, shop_id, rice, 1)
    redeem_at_the_counter(context, base, shop_id, goods["香皂"], 2)

    official.goto(f"{base}/shop/redemptions")
    row = official.locator("li.redemption").first
    row.get_by_text("撤销这笔兑换").click()
    row.get_by_label("撤销原因").fill("村民拿错了，已退回")
    row.get_by_role("button", name="确认撤销，退回积分和商品").click()
    official.wait_for_url(re.compile(r"done=reverse$"))
    reversed_row = official.locator("li.redemption").first.inner_text()
    assert "张书记 撤销于" in reversed_row and "原因：村民拿错了，已退回" in reversed_row, reversed_row
    shoot_both(official, shoot, "redemptions-reversed")

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"])
    for path, name in (("/", "home"), ("/points", "points")):
        villager.goto(f"{base}{path}")
        stories = villager.locator("ul.entries > li")
        story = stories.first.inner_text()
        assert "振风超市兑换 · 香皂 ×2" in story and "已撤销，积分已退回" in story, story
        assert "原因：村民拿错了，已退回" in story
        assert "振风超市兑换 · 大米 5kg ×1" in stories.nth(1).inner_text()
        assert villager.locator("ul.entries > li").filter(has_text="兑换撤销").count() == 0
        shoot_both(villager, shoot, f"villager-{name}-story")
