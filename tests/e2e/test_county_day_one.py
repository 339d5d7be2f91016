"""Day one of a real county, in a real browser (issue #17 "Show"): an empty database with APP_ENV=production, the
first county admin from `create-admin` (what `make admin` runs), and from there the pages alone. The county admin
adds two townships and three villages, appoints a town admin and the officials, books the county's budget and
allocates; the town admin books the township's and allocates to its village and lets a round be published the same
day; the official imports a roster of 300 households, opens the shop with an attendant and goods, appoints a committee
of three and a volunteer, takes a villager's 志愿者注册, books the village's own budget; then one award, one evaluation
round, one service order and one redemption run to the end. Every page is shot at 390×844
(test-artifacts/screenshots/county-*.png), each checked by axe and the layout check."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.main import bind_app
from tests.conftest import EMPTY, TEST_SECRET, make_settings, sqlite_copy
from tests.e2e.test_counter_flow import digits_on, goods_row, type_code
from tests.e2e.test_score_grid_flow import open_grid
from tests.served import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.service_worker]

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PHONE, ADMIN_PASSWORD = "13900000000", "Zhenfeng-county-2026"
VILLAGER_PHONE, HELPER_PHONE = "13700000001", "13700000002"  # two of the roster's 300 households
HOUSEHOLDS = 300


@pytest.fixture
def county_server(tmp_path, sqlite_templates, served_app) -> Iterator[str]:
    """The app on an empty, migrated database in production, with the first county admin made by the command line
    a county's IT person runs (`make admin` = `python -m app create-admin`)."""
    engine = sqlite_copy(sqlite_templates[EMPTY], tmp_path / "county.db")
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False), "APP_ENV": "production",
           "SECRET_KEY": TEST_SECRET, "ZF_ADMIN_PASSWORD": ADMIN_PASSWORD}
    made = subprocess.run([sys.executable, "-m", "app", "create-admin", "--county", "振风县", "--phone", ADMIN_PHONE,
                           "--name", "县管理员"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    settings = make_settings(engine, app_env="production")
    with in_thread(bind_app(served_app, settings, engine, strict_templates=True)) as base:
        yield base
    engine.dispose()


class County:
    """The browser work of the day, one helper a page action."""

    def __init__(self, base: str, new_context, shoot) -> None:
        self.base, self.new_context, self.shoot, self.shots = base, new_context, shoot, set()

    def shot(self, page, name: str) -> None:
        if name not in self.shots:  # each page once
            self.shots.add(name)
            self.shoot(page, f"county-{name}")

    def sign_in(self, phone: str, password: str, *, first_time: str | None = None, **context):
        """A phone of its own; with `first_time`, the one-time password is replaced by it at once."""
        page = self.new_context(**context).new_page()
        page.goto(f"{self.base}/login")
        page.get_by_label("手机号", exact=True).fill(phone)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        if first_time is None:
            page.wait_for_url(f"{self.base}/")
            return page
        page.wait_for_url(f"{self.base}/password")
        self.shot(page, "first-sign-in")
        page.get_by_label("新密码（至少 8 位）").fill(first_time)
        page.get_by_label("再输一遍新密码").fill(first_time)
        page.get_by_role("button", name="保存新密码").click()
        page.wait_for_url(re.compile(r"/(\?done=password)?$"))
        return page

    def unit(self, page, *names: str) -> str:
        """Open 人员管理 at the actor's own unit and follow the names down; the unit page's address."""
        page.goto(f"{self.base}/org")
        page.wait_for_url(re.compile(r"/org/units/\d+$"))
        for name in names:
            page.locator(".row-link a", has_text=name).first.click()
            page.wait_for_url(re.compile(r"/org/units/\d+$"))
            page.get_by_role("heading", name=name).first.wait_for()
        return page.url

    def add_child(self, page, kind_label: str, name: str) -> None:
        kind = page.locator("input[name=kind]")
        if kind.count() > 1:
            page.get_by_label(kind_label, exact=True).check()
        page.locator("#org-child-name").fill(name)
        page.get_by_role("button", name="新建").click()
        page.wait_for_url(re.compile(r"\?done=child$"))
        page.locator(".row-link a", has_text=name).first.wait_for()

    def appoint(self, page, unit_url: str, role_label: str, phone: str, name: str, shop: str | None = None,
                shot: str | None = None) -> str | None:
        """Appoint on the unit's page; a new account's one-time password from its 账号开通单."""
        page.goto(unit_url)
        page.locator("#org-role").select_option(label=role_label)
        page.locator("#org-phone").fill(phone)
        page.locator("#org-name").fill(name)
        if shop:
            page.locator("#org-shop").select_option(label=shop)
        page.get_by_role("button", name="任命").click()
        page.wait_for_url(re.compile(r"\?done=(slip|appoint)$"))
        if not page.url.endswith("slip"):
            return None
        one_time = page.get_by_test_id("one-time-password").inner_text().strip()
        if shot:
            self.shot(page, shot)
        return one_time

    def fund(self, page, form: str, points: int, yuan: str = "", *, to: str | None = None, note: str = "",
             shot: str | None = None) -> None:
        """本级配套 / 拨付 / 社会捐赠 on the 积分资金 page: typed, shown back, confirmed."""
        page.goto(f"{self.base}/funds")
        page.wait_for_selector("#fund-figures")
        page.locator("summary").filter(has_text=re.compile(f"^{form}$")).click()
        prefix = {"本级配套": "budget", "拨付": "allocation", "社会捐赠": "donation"}[form]
        if to:
            page.get_by_label("拨付给").select_option(label=to)
        if form == "社会捐赠":
            page.locator("#donation-donor").fill("县慈善总会")
        page.locator(f"#{prefix}-points").fill(str(points))
        if yuan:
            page.locator(f"#{prefix}-yuan").fill(yuan)
        if note:
            page.locator(f"#{prefix}-note").fill(note)
        page.locator(f"#{prefix}-points").press("Enter")
        page.wait_for_selector("#fund-review")
        if shot:
            self.shot(page, f"{shot}-review")
        page.get_by_test_id("fund-confirm").click()
        page.wait_for_selector("#fund-review", state="detached")
        if shot:
            self.shot(page, shot)

    def reset_password(self, official, head: str, one_time: str) -> None:
        """The official gives a villager of the roster a one-time password on the household's page."""
        official.goto(f"{self.base}/admin/households?q={head}")
        official.locator("#household-rows").get_by_role("link", name=re.compile(head)).first.click()
        official.wait_for_url(re.compile(r"/admin/households/\d+$"))
        official.locator("summary", has_text="修改").first.click()
        official.get_by_label("一次性密码（至少 8 位）").first.fill(one_time)
        official.get_by_role("button", name="重置密码").first.click()
        official.wait_for_url(re.compile(r"\?done=password$"))


def roster(template: Path, target: Path) -> Path:
    """The template filled with 300 households of one to three members; two heads have the phones used below."""
    workbook = load_workbook(template)
    sheet = workbook["花名册"]
    while sheet.max_row > 1:  # the template's example line goes
        sheet.delete_rows(2)
    for n in range(1, HOUSEHOLDS + 1):
        head, address = f"村民{n:03d}", f"示范村 {n} 号"
        phone = {1: VILLAGER_PHONE, 2: HELPER_PHONE}.get(n, f"137{n:08d}")
        sheet.append([head, "", address, head, phone, "户主"])
        for k in range(n % 3):
            sheet.append([head, "", address, f"{head}家人{k + 1}", "", "家人"])
    for row in sheet.iter_rows(min_row=2):
        row[4].data_type = "s"
    workbook.save(target)
    return target


def test_a_county_sets_itself_up_from_the_pages_and_runs(county_server, new_context, shoot, tmp_path):
    day = County(county_server, new_context, shoot)
    base = county_server

    # --- the county admin: townships, villages, a town admin, officials, the county's money -------------------
    county = day.sign_in(ADMIN_PHONE, ADMIN_PASSWORD)
    setup = county.locator(".setup-checklist")
    assert "振风县开通步骤" in setup.inner_text() and "已完成 0 / 5 项" in setup.inner_text()
    day.shot(county, "01-county-home")
    day.unit(county)
    day.shot(county, "02-county-unit")
    for township in ("清河镇", "东山乡"):
        day.add_child(county, "乡镇", township)
    for township, villages in (("清河镇", ("示范村", "邻村")), ("东山乡", ("东山村",))):
        day.unit(county, township)
        for village in villages:
            day.add_child(county, "村", village)
    day.shot(county, "03-township-villages")
    town_password = day.appoint(county, day.unit(county, "清河镇"), "乡镇管理员", "13900000010", "周镇长",
                                shot="04-slip")
    assert day.appoint(county, day.unit(county, "东山乡"), "乡镇管理员", "13900000014", "吴乡长")
    officials = {}
    for township, village, phone, name in (("清河镇", "示范村", "13900000011", "张书记"),
                                           ("清河镇", "邻村", "13900000012", "陈书记"),
                                           ("东山乡", "东山村", "13900000013", "赵书记")):
        officials[village] = day.appoint(county, day.unit(county, township, village), "村干部", phone, name)
    assert all(officials.values()) and town_password
    day.fund(county, "本级配套", 100_000, "100000", note="2026 年县级配套", shot="05-county-fund")
    day.fund(county, "社会捐赠", 20_000, "20000", note="爱心企业捐赠")
    day.fund(county, "拨付", 60_000, "60000", to="清河镇", shot="06-county-allocated")
    assert county.get_by_test_id("fund-balance").inner_text() == "60,000"  # 120,000 in, 60,000 out
    county.goto(f"{base}/")
    assert county.locator(".setup-checklist").count() == 0  # everything done: the checklist is gone
    day.shot(county, "07-county-home-done")

    # --- the town admin: the township's own budget, to 示范村, and 公示 may end the same day --------------------
    town = day.sign_in("13900000010", town_password, first_time="zhou-zhenzhang-2026")
    day.fund(town, "本级配套", 10_000, "10000", note="镇级配套")
    day.fund(town, "拨付", 30_000, "30000", to="示范村", shot="08-township-fund")
    town.goto(f"{base}/evaluation/awards")
    town.locator("summary", has_text="修改规则上限").first.click()
    town.locator("input[name=min_notice_days]").first.fill("0")
    town.locator("form[action='/evaluation/awards/bounds'] button").first.click()
    town.wait_for_load_state()

    # --- the official of 示范村: checklist, roster, shop, committee, volunteers, the village's budget -----------
    official = day.sign_in("13900000011", officials["示范村"], first_time="zhang-shuji-2026",
                           accept_downloads=True)
    official.goto(f"{base}/")
    checklist = official.locator(".setup-checklist")
    assert "示范村开通步骤" in checklist.inner_text()
    assert "已完成 2 / 6 项" in checklist.inner_text()  # the defaults' criteria and the township's allocation
    day.shot(official, "09-official-home")

    official.get_by_role("link", name=re.compile("导入农户名册")).click()
    official.wait_for_url(f"{base}/admin/households/import")
    with official.expect_download() as download:
        official.get_by_role("link", name="下载花名册模板（Excel）").click()
    download.value.save_as(tmp_path / "模板.xlsx")
    official.locator("#roster-file").set_input_files(str(roster(tmp_path / "模板.xlsx", tmp_path / "花名册.xlsx")))
    official.get_by_role("button", name="先检查").click()
    official.get_by_text(re.compile(f"检查通过：共 {HOUSEHOLDS} 户")).wait_for()
    day.shot(official, "10-roster-checked")
    official.get_by_role("button", name=f"导入 {HOUSEHOLDS} 户").click()
    official.wait_for_url(f"{base}/admin/households?imported={HOUSEHOLDS}", timeout=30_000)
    day.shot(official, "11-roster-imported")

    official.goto(f"{base}/shop/manage")
    official.get_by_label("超市名称").fill("示范村振风超市")
    official.get_by_label("合作超市（可不填）").fill("村口便民超市")
    official.get_by_role("button", name="开设积分超市").click()
    official.get_by_text("积分超市已开设").wait_for()
    official.get_by_label("商品名称").fill("香皂")
    official.get_by_label("积分价格").fill("8")
    official.get_by_label("现有库存").fill("50")
    official.get_by_role("button", name="上架", exact=True).click()
    official.wait_for_url(re.compile(r"/shop/manage/goods/\d+\?done=create$"))
    official.goto(f"{base}/shop/manage")
    day.shot(official, "12-shop")

    village_url = day.unit(official)
    attendant_password = day.appoint(official, village_url, "超市管理员", "13900000021", "刘店长",
                                     shop="示范村振风超市")
    committee = [day.appoint(official, village_url, "评比委员", f"1390000003{n}", name)
                 for n, name in enumerate(("孙老师", "钱老党员", "吴乡贤"), start=1)]
    volunteer_password = day.appoint(official, village_url, "志愿者", "13900000041", "李志愿")
    official.goto(village_url)
    day.shot(official, "13-village-staff")
    day.fund(official, "本级配套", 5_000, "5000", note="村级配套", shot="14-village-fund")

    # Two villagers of the roster get one-time passwords; one of them volunteers through 志愿者注册.
    day.reset_password(official, "村民001", "cunmin001-first")
    day.reset_password(official, "村民002", "cunmin002-first")
    helper = day.sign_in(HELPER_PHONE, "cunmin002-first", first_time="cunmin002-own")
    helper.goto(f"{base}/service/volunteer")
    helper.locator("textarea, input[name=skills]").first.fill("会理发，会修电器")
    helper.get_by_role("button", name=re.compile("申请")).click()
    helper.get_by_text(re.compile("等待|已提交")).first.wait_for()
    official.goto(f"{base}/service/applications")
    official.get_by_role("button", name="同意").first.click()
    official.get_by_text(re.compile("已同意|已成为志愿者")).first.wait_for()
    day.shot(official, "15-volunteer-approved")
    official.goto(f"{base}/")
    assert official.locator(".setup-checklist").count() == 0  # all six ticked: the checklist is gone

    # --- one award ---------------------------------------------------------------------------------------------
    official.goto(f"{base}/admin/households?q=村民001")
    official.locator("#household-rows").get_by_role("link", name=re.compile("村民001")).first.click()
    official.fill("#award-points", "50")
    official.select_option("#award-category", "public_good")
    official.fill("#award-reason", "清理村道积雪")
    official.get_by_role("button", name="确认发放").click()
    official.get_by_text(re.compile("已发放")).first.wait_for()
    day.shot(official, "16-award")

    # --- one evaluation round: opened, scored by the committee, published, finalised ---------------------------
    official.goto(f"{base}/evaluation")
    official.get_by_role("button", name="开始评比").click()
    official.wait_for_url(re.compile(r"/evaluation/rounds/\d+"))
    round_url = official.url.split("?")[0]
    scorer = day.sign_in("13900000031", committee[0], first_time="sun-laoshi-2026")
    scorer.goto(round_url)
    open_grid(scorer, "村民001")
    first = scorer.locator("[data-testid=grid-row]").filter(has=scorer.locator("input.grid-points")).first
    first.locator("input.grid-points").fill("5")
    first.locator("input.grid-reason").fill("照顾独居老人")
    scorer.get_by_role("button", name="保存这一户").click()
    scorer.get_by_text("已保存这一户的评分").wait_for(timeout=20_000)
    day.shot(scorer, "17-committee-scores")
    official.goto(round_url)
    official.fill("#notice-days", "0")
    official.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    official.get_by_role("button", name="公示").click()
    official.get_by_text("已公示").wait_for()
    official.once("dialog", lambda dialog: dialog.accept())  # it asks once (issue #18)
    official.get_by_role("button", name="定榜并发放积分").click()
    official.get_by_text("已定榜：积分已发到各户").wait_for()
    day.shot(official, "18-round-final")

    # --- one service order: 点单 by 村民001, 派单 to the villager who volunteered, 接单, 完成, 评单 ----------------
    villager = day.sign_in(VILLAGER_PHONE, "cunmin001-first", first_time="cunmin001-own")
    assert villager.get_by_test_id("balance").inner_text() == "55"  # the award 50 and the round's 5
    day.shot(villager, "19-villager-home")
    villager.goto(f"{base}/service/menu")
    villager.locator(".menu-item", has_text="理发").first.click()
    villager.get_by_label("说明一下情况").fill("老人腿脚不便，请上门理发")
    villager.get_by_role("button", name="提交点单").click()
    villager.wait_for_url("**/service/orders/*")
    order_url = villager.url.split("?")[0]
    official.goto(order_url)
    helper_option = official.get_by_label("派给").locator("option", has_text="村民002")
    official.get_by_label("派给").select_option(helper_option.get_attribute("value"))
    official.get_by_role("button", name="确认派单").click()
    official.get_by_text("已派单", exact=True).first.wait_for()
    helper.goto(order_url)
    helper.get_by_role("button", name="接单", exact=True).click()
    helper.get_by_text("已接单，请按约定时间上门").wait_for()
    helper.get_by_label(re.compile("服务了几个小时")).fill("1")
    helper.get_by_label("做了什么").fill("理发完成")
    helper.get_by_role("button", name="提交完成").click()
    helper.get_by_text("已提交完成，等待村民评价").wait_for()
    villager.goto(order_url)
    villager.get_by_role("radio", name="5 星").check()
    villager.get_by_role("button", name="提交评价").click()
    villager.get_by_text("谢谢您的评价").wait_for()
    day.shot(villager, "20-service-rated")
    helper.goto(f"{base}/")
    assert helper.get_by_test_id("balance").inner_text() == "10"  # one hour at the village's 10 points

    # --- one redemption at the counter: the attendant types the villager's pay code -----------------------------
    attendant = day.sign_in("13900000021", attendant_password, first_time="liu-dianzhang-2026")
    attendant.goto(f"{base}/counter")
    attendant.get_by_label("积分码或家庭卡号").wait_for()
    villager.goto(f"{base}/pay")
    type_code(attendant, digits_on(villager))
    attendant.locator("#counter-sale").wait_for()
    goods_row(attendant, "香皂").get_by_role("button", name=re.compile("^增加")).click()
    attendant.get_by_role("button", name="确认兑换").click()
    attendant.get_by_test_id("counter-receipt").wait_for()
    day.shot(attendant, "21-counter-receipt")
    villager.goto(f"{base}/")
    assert villager.get_by_test_id("balance").inner_text() == "47"
    assert volunteer_password and len(committee) == 3
