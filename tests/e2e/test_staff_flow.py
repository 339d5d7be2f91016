"""人员管理 in a real browser (issue #17 items 1–2 and 4): the county admin adds a township and a village and appoints
its official (a 账号开通单 with the one-time password); the official signs in with it, must choose their own, and
appoints a committee member; a villager applies on 服务 to volunteer and the station approves. 390 wide throughout."""

import re

import pytest

from app.db import make_engine
from app.org.models import Role
from tests.conftest import DEMO, add_person
from tests.e2e.conftest import screenshot
from tests.e2e.test_account_flow import shoot_both
from tests.e2e.test_foundation_flow import log_in

pytestmark = pytest.mark.browser

COUNTY_ADMIN, NEW_OFFICIAL, NEW_COMMITTEE = "13800000060", "13955550001", "13955550002"
OWN_PASSWORD = "liushuji-own-8"


def county_admin(tmp_path) -> str:
    engine = make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
    try:
        return add_person(engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")
    finally:
        engine.dispose()


def test_a_county_sets_up_its_staff_from_the_pages(live_server, new_context, shoot, tmp_path):
    base = live_server
    county = new_context().new_page()
    log_in(county, base, county_admin(tmp_path), to="/")
    county.get_by_role("link", name="人员管理").first.click()
    county.wait_for_url(re.compile(r"/org/units/\d+$"))
    assert county.get_by_role("heading", name="振风县").is_visible()
    shoot_both(county, shoot, "staff-01-county")

    county.get_by_label("新建乡镇的名称").fill("柳林镇")
    county.get_by_role("button", name="新建").click()
    county.wait_for_url(re.compile(r"\?done=child$"))
    county.get_by_role("link", name=re.compile("柳林镇")).click()
    county.wait_for_url(re.compile(r"/org/units/\d+$"))
    county.get_by_label("新建村的名称").fill("柳林村")
    county.get_by_role("button", name="新建").click()
    county.wait_for_url(re.compile(r"\?done=child$"))
    assert county.get_by_text("已新建").is_visible()
    shoot_both(county, shoot, "staff-02-township")

    county.get_by_role("link", name=re.compile("柳林村")).click()
    county.wait_for_url(re.compile(r"/org/units/\d+$"))
    village_url = county.url
    county.get_by_label("手机号").fill("139 5555 0001")
    county.get_by_label("姓名").fill("柳书记")
    shoot_both(county, shoot, "staff-03-village-appoint")
    county.get_by_role("button", name="任命").click()
    county.wait_for_url(re.compile(r"\?done=slip$"))  # the address a reload opens: without the password
    assert county.get_by_role("heading", name="振风 · 账号开通单").is_visible()
    assert county.get_by_text("首次登录须修改密码").is_visible()
    one_time = county.get_by_test_id("one-time-password").inner_text().strip()
    assert re.fullmatch(r"[2-9a-z]{10}", one_time)
    shoot(county, "staff-04-slip")
    county.emulate_media(media="print")
    screenshot(county, "staff-04-slip-print", full_page=True)
    assert not county.get_by_role("button", name="打印开通单").is_visible()  # one slip on the paper, no buttons
    county.emulate_media(media="screen")
    county.reload()
    assert county.get_by_text(one_time).count() == 0 and county.get_by_text("只显示那一次").is_visible()
    assert county.url == f"{village_url}?done=slip"

    official = new_context().new_page()
    official.goto(f"{base}/login")
    official.get_by_label("手机号", exact=True).fill(NEW_OFFICIAL)
    official.get_by_label("密码", exact=True).fill(one_time)
    official.get_by_role("button", name="登录").click()
    official.wait_for_url(f"{base}/password")
    assert official.get_by_role("heading", name="设置新密码").is_visible()
    shoot_both(official, shoot, "staff-05-first-sign-in")
    official.goto(f"{base}/org")
    official.wait_for_url(f"{base}/password")  # nothing else opens first
    official.get_by_label("新密码（至少 8 位）").fill(OWN_PASSWORD)
    official.get_by_label("再输一遍新密码").fill(OWN_PASSWORD)
    official.get_by_role("button", name="保存新密码").click()
    official.wait_for_url(f"{base}/?done=password")
    official.get_by_role("link", name="人员管理").first.click()
    official.wait_for_url(village_url)
    official.get_by_label("职务").select_option(label="评比委员")
    official.get_by_label("手机号").fill(NEW_COMMITTEE)
    official.get_by_label("姓名").fill("柳委员")
    official.get_by_role("button", name="任命").click()
    official.wait_for_url(re.compile(r"\?done=slip$"))
    assert official.get_by_text("评比委员").first.is_visible() and official.get_by_text("柳林村").first.is_visible()
    official.get_by_role("link", name="已记下，返回").click()
    official.wait_for_url(village_url)
    assert official.get_by_text("柳委员", exact=True).is_visible()
    official.locator("#org-staff summary", has_text="免去职务").first.click()
    assert official.get_by_role("button", name="确认免去").is_visible()  # a second tap confirms
    shoot_both(official, shoot, "staff-06-official-village")

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/service")
    assert villager.get_by_role("heading", name="志愿者注册").is_visible()
    shoot(villager, "staff-07-service-tab")
    villager.get_by_role("link", name="申请当志愿者").click()
    villager.wait_for_url(f"{base}/service/volunteer")
    villager.get_by_label("能做的服务").fill("理发、修收音机")
    villager.get_by_label("有空的时间（可不填）").fill("周末下午")
    shoot_both(villager, shoot, "staff-07b-volunteer-apply")
    villager.get_by_role("button", name="提交申请").click()
    villager.wait_for_url(re.compile(r"\?done=apply$"))
    assert villager.get_by_role("heading", name="申请正在审核").is_visible()
    shoot_both(villager, shoot, "staff-08-volunteer-waiting")

    station = new_context().new_page()
    log_in(station, base, DEMO["official"], to="/service")
    station.locator("#service-applications-link").click()
    station.wait_for_url(re.compile(r"/service/applications"))
    assert station.get_by_text("理发、修收音机").is_visible()
    shoot_both(station, shoot, "staff-09-station-applications")
    station.get_by_role("button", name="同意，成为志愿者").click()
    station.wait_for_url(re.compile(r"done=approve$"))
    assert station.get_by_text("已同意：他现在是本村的志愿者了").is_visible()
    shoot_both(station, shoot, "staff-10-station-approved")

    villager.goto(f"{base}/me")
    assert villager.get_by_role("link", name="接单").is_visible()
    assert villager.get_by_text("志愿者").first.is_visible() and villager.get_by_text("村民").first.is_visible()
