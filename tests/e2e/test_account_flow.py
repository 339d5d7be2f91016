"""Accounts in a real browser (issue #7, items 6-8): a volunteer's password reset goes through the town admin, the
member chooses a new one and the household is told who reset it; 我的 offers 修改密码 and 退出所有设备; a fresh
production database says on the login page that there is no administrator yet."""

import re

import pytest

from tests.conftest import DEMO, EMPTY
from tests.e2e.conftest import shoot_both
from tests.e2e.test_foundation_flow import log_in

pytestmark = pytest.mark.browser

ONE_TIME, OWN = "linshi-2468", "lizhiyuan-own-97"


def open_household(page, base: str, head: str) -> None:
    page.goto(f"{base}/admin/households")
    page.get_by_role("link", name=head).click()
    page.wait_for_url(re.compile(r"/admin/households/\d+$"))


def test_a_volunteers_password_is_reset_by_the_town_admin_and_replaced_by_him(live_server, new_context, shoot):
    base = live_server
    official = new_context().new_page()
    log_in(official, base, DEMO["official"], to="/")
    open_household(official, base, "李秀英")
    official.locator("summary", has_text="修改").first.click()
    assert official.get_by_text("密码须由乡镇管理员重置").is_visible()
    assert official.get_by_role("button", name="重置密码").count() == 0
    shoot_both(official, shoot, "auth-01-official-sent-to-town-admin")

    town = new_context().new_page()
    log_in(town, base, DEMO["town_admin"], to="/")
    assert town.get_by_role("heading", name="辖区管理").is_visible()
    shoot_both(town, shoot, "auth-02-town-admin-home")
    town.get_by_role("link", name="农户管理").click()
    town.get_by_role("link", name="李秀英").click()
    town.wait_for_url(re.compile(r"/admin/households/\d+$"))
    assert town.get_by_text("发放积分").count() == 0
    town.locator("summary", has_text="重置密码").first.click()
    town.get_by_label("一次性密码（至少 8 位）").fill(ONE_TIME)
    shoot_both(town, shoot, "auth-03-town-admin-reset-form")
    town.get_by_role("button", name="重置密码").click()
    town.wait_for_url(re.compile(r"\?done=password$"))
    assert town.get_by_text("已设好一次性密码").is_visible()
    assert town.get_by_text("一次性密码，待本人改").is_visible()
    shoot_both(town, shoot, "auth-04-town-admin-reset-done")

    li = new_context().new_page()
    li.goto(f"{base}/login")
    li.get_by_label("手机号", exact=True).fill(DEMO["volunteer"])
    li.get_by_label("密码", exact=True).fill(ONE_TIME)
    li.get_by_role("button", name="登录").click()
    li.wait_for_url(f"{base}/password")
    assert li.get_by_text("您的密码已由 周镇长（乡镇管理员）于").is_visible()
    assert li.locator(".tabbar").count() == 0
    shoot_both(li, shoot, "auth-05-set-new-password")
    li.goto(f"{base}/points")
    li.wait_for_url(f"{base}/password")  # nothing else opens
    li.get_by_label("新密码（至少 8 位）").fill(OWN)
    li.get_by_label("再输一遍新密码").fill(OWN + "x")
    li.get_by_role("button", name="保存新密码").click()
    assert li.get_by_role("alert").filter(has_text="两次输入的新密码不一样").is_visible()
    shoot_both(li, shoot, "auth-06-set-new-password-mismatch")
    li.get_by_label("新密码（至少 8 位）").fill(OWN)
    li.get_by_label("再输一遍新密码").fill(OWN)
    li.get_by_role("button", name="保存新密码").click()
    li.wait_for_url(f"{base}/?done=password")
    assert li.get_by_text("新密码已设好").is_visible()
    assert li.get_by_text("您的密码已由 周镇长（乡镇管理员）于").is_visible()
    shoot_both(li, shoot, "auth-07-home-reset-notice")
    li.reload()
    assert li.get_by_text("密码已由").count() == 0  # seen once


def test_me_offers_a_password_change_and_signing_out_everywhere(live_server, new_context, shoot):
    base = live_server
    other_phone = new_context().new_page()
    log_in(other_phone, base, DEMO["villager"])
    page = new_context().new_page()
    log_in(page, base, DEMO["villager"], to="/me")
    page.get_by_text("退出所有设备", exact=True).click()
    assert page.get_by_role("button", name="确认退出所有设备").is_visible()
    shoot_both(page, shoot, "auth-08-me-logout-everywhere")
    page.get_by_role("link", name="修改密码").click()
    page.wait_for_url(f"{base}/password")
    assert page.get_by_label("当前密码").is_visible()
    shoot_both(page, shoot, "auth-09-change-password")
    page.goto(f"{base}/me")
    page.get_by_text("退出所有设备", exact=True).click()
    page.get_by_role("button", name="确认退出所有设备").click()
    page.wait_for_url(f"{base}/login")
    other_phone.goto(f"{base}/points")
    other_phone.wait_for_url(f"{base}/login")  # the other phone is signed out too


@pytest.mark.parametrize("live_server", [EMPTY], indirect=True)
def test_a_fresh_database_says_there_is_no_administrator_yet(live_server, new_context, shoot):
    page = new_context().new_page()
    page.goto(f"{live_server}/login")
    assert page.get_by_text("还没有管理员账号").is_visible()
    shoot_both(page, shoot, "auth-10-login-no-admin")
