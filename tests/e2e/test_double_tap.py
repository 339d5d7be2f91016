"""A double tap on every create form over a slow (3G-like) network makes one thing, with JavaScript (the button is
disabled while the form is sending) and without it (the server takes the form's key once). Then 操作日志 says every
one of those actions in words."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO
from tests.e2e.test_shop_admin_flow import api_token, log_in, redeem_at_the_counter

pytestmark = pytest.mark.browser

# Chrome DevTools' "Slow 3G": 400 ms round trips (×5 as DevTools applies it), about 50 KB/s each way.
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


class Phone:
    """The official's phone: a page, the network it is on, and the JSON API seen with the same sign-in."""

    def __init__(self, context, base: str) -> None:
        self.base, self.context = base, context
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        log_in(self.page, base, DEMO["official"])

    def double_tap(self, button_name: str, url_pattern: str) -> int:
        """Two quick taps on the button while the network is slow; wait for the page the first one leads to.
        Returns how many times the form was sent.

        The network is slow while the taps are made, so that the second comes while the first form is still on its
        way (checked: no form has come back by then); it is fast again for the answer and the page it leads to,
        which take 4-5 s a form on Slow 3G and show nothing more."""
        button = self.page.get_by_role("button", name=button_name, exact=True)
        posts: list[str] = []
        back: list[str] = []
        listener = lambda request: request.method == "POST" and posts.append(request.url)  # noqa: E731
        answered = lambda response: response.request.method == "POST" and back.append(response.url)  # noqa: E731
        self.page.on("request", listener)
        self.page.on("response", answered)
        landing = re.compile(url_pattern)
        self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        try:
            with self.page.expect_response(lambda r: r.status == 200 and landing.search(r.url) is not None,
                                           timeout=30_000):
                button.dblclick(delay=80)
                assert posts and not back, (button_name, "the second tap came after the form was answered")
                self.cdp.send("Network.emulateNetworkConditions", FAST)
        finally:
            self.cdp.send("Network.emulateNetworkConditions", FAST)
        self.page.wait_for_url(landing)
        self.page.wait_for_load_state("networkidle")
        self.page.remove_listener("request", listener)
        self.page.remove_listener("response", answered)
        return len(posts)

    def api(self, path: str):
        r = self.context.request.get(f"{self.base}/api/v1{path}")
        assert r.ok, r.text()
        return r.json()


def sent(phone: Phone, button_name: str, url_pattern: str) -> None:
    """With JavaScript, the second tap finds the button disabled: the form is sent once."""
    assert phone.double_tap(button_name, url_pattern) == 1, button_name


def test_a_double_tap_on_each_create_form_makes_one_thing(live_server, new_context, shoot):
    base = live_server
    phone = Phone(new_context(), base)
    page = phone.page

    # 登记农户
    page.goto(f"{base}/admin/households/new")
    page.get_by_label("户主姓名").fill("孙立新")
    page.get_by_label("姓名", exact=True).first.fill("孙立新")
    sent(phone, "保存", r"/admin/households/\d+\?done=create$")
    assert [h["head_name"] for h in phone.api("/households?q=孙立新")["items"]] == ["孙立新"]
    household = page.url.split("?")[0]
    hid = int(household.rsplit("/", 1)[1])

    # 添加成员
    page.get_by_text("+ 添加成员").click()
    page.locator("form[action$='/members'] input[name=name]").fill("孙小梅")
    sent(phone, "添加", r"done=member$")
    assert [m["name"] for m in phone.api(f"/households/{hid}")["members"]].count("孙小梅") == 1

    # 发放积分
    page.get_by_label("积分", exact=True).fill("40")
    page.get_by_label("类别").select_option(label="热心公益")
    page.get_by_label("理由（村民会看到）").fill("帮邻居抢收玉米")
    sent(phone, "确认发放", r"done=award$")
    assert phone.api(f"/households/{hid}")["balance"] == 40

    # 撤销这笔积分
    page.get_by_text("撤销这笔积分").first.click()
    page.get_by_label("撤销原因（村民会看到）").fill("重复发放")
    sent(phone, "确认撤销", r"done=reverse$")
    assert phone.api(f"/households/{hid}")["balance"] == 0
    assert [e["amount"] for e in phone.api(f"/households/{hid}/ledger")["items"]] == [-40, 40]

    # 发卡 (a plain form, not htmx: it opens the print sheet)
    page.goto(f"{base}/admin/households/{hid}/card")
    page.get_by_label("卡密码（4 到 6 位数字，请村民自己输入）").fill("2468")
    page.get_by_label("再输入一次卡密码").fill("2468")
    sent(phone, "发卡并打印", rf"/admin/households/{hid}/card$")
    assert page.get_by_text("请现在打印").is_visible()
    page.goto(f"{base}/admin/households/{hid}/card")
    assert page.locator("li.card-status").count() == 1

    # 上架新商品
    shop = phone.api("/shops")["items"][0]
    page.goto(f"{base}/shop/manage?shop_id={shop['id']}")
    page.get_by_label("商品名称").fill("挂面 1kg")
    page.get_by_label("积分价格").fill("12")
    page.get_by_label("现有库存").fill("5")
    sent(phone, "上架", r"/shop/manage/goods/\d+\?done=create$")
    found = phone.api(f"/shops/{shop['id']}/goods?q=挂面")["items"]
    assert [g["name"] for g in found] == ["挂面 1kg"]
    goods_id = found[0]["id"]

    # 进货, 损耗
    page.get_by_label("进货数量").fill("20")
    page.get_by_label("进货说明").fill("镇上批发")
    sent(phone, "确认进货", r"done=stock$")
    page.get_by_text("损耗（减少库存）").click()
    page.get_by_label("损耗数量").fill("2")
    page.get_by_label("损耗原因").fill("破损")
    sent(phone, "确认损耗", r"done=stock$")
    # the second form lands on the same address as the first: wait for its page to be swapped in, then read
    expect(page.get_by_test_id("stock")).to_have_text("23")
    moves = phone.api(f"/shops/{shop['id']}/goods/{goods_id}/movements")["items"]
    assert [m["delta"] for m in moves] == [-2, 20, 5]

    # 撤销兑换
    redeem_at_the_counter(phone.context, base, shop["id"], goods_id, 1)
    page.goto(f"{base}/shop/redemptions?shop_id={shop['id']}")
    page.get_by_text("撤销这笔兑换").first.click()
    page.get_by_label("撤销原因").first.fill("拿错了")
    sent(phone, "确认撤销，退回积分和商品", r"done=reverse$")
    assert page.locator("li.redemption.reversed").count() == 1
    assert phone.api(f"/shops/{shop['id']}/goods?q=挂面")["items"][0]["stock"] == 23

    # 操作日志: every one of those, in words
    page.goto(f"{base}/admin/audit")
    log = page.locator("#audit-rows").inner_text()
    for words in ("登记农户 农户 孙立新", "添加成员 成员 孙小梅", "发放积分 农户 孙立新", "撤销积分 农户 孙立新",
                  "发放积分卡 农户 孙立新", "上架商品 商品 挂面 1kg", "进货 商品 挂面 1kg", "损耗 商品 挂面 1kg",
                  "撤销兑换 兑换 #"):
        assert log.count(words) == 1, (words, log)
    assert "其他操作" not in log
    shoot(page, "audit-log-in-words")


def test_without_javascript_the_form_key_keeps_it_to_one(live_server, new_context):
    """A browser without JavaScript sends both taps; the server takes the form's key once."""
    base = live_server
    context = new_context(java_script_enabled=False)
    phone = Phone(context, base)
    phone.page.goto(f"{base}/admin/households/new")
    phone.page.get_by_label("户主姓名").fill("钱多多")
    assert phone.double_tap("保存", r"/admin/households/\d+\?done=create$") == 2  # both taps reach the server
    token = api_token(context, base, "official")
    r = context.request.get(f"{base}/api/v1/households?q=钱多多", headers={"Authorization": f"Bearer {token}"})
    assert [h["head_name"] for h in r.json()["items"]] == ["钱多多"]
