"""统计看板 in a real browser at 390×844 (issue #20): the county admin opens it from 首页, drills down county →
township → village through the table's rows, picks a period, and goes back up; the charts are inline SVG (no
script draws them), and the page prints on A4. Screenshots: test-artifacts/screenshots/dashboard-*.png (and 360)."""

import re

import pytest

from app.db import make_engine
from app.org.models import Role
from tests.conftest import add_person
from tests.e2e.conftest import log_in, print_pdf, screenshot, shoot_both

pytestmark = pytest.mark.browser
COUNTY_ADMIN = "13800000061"


def _county_admin(tmp_path) -> str:
    engine = make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
    try:
        return add_person(engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")
    finally:
        engine.dispose()


def test_the_county_drills_down_to_a_village(live_server, new_context, shoot, tmp_path):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, _county_admin(tmp_path), to="/")
    page.get_by_test_id("dashboard-link").click()
    page.wait_for_url(re.compile(r"/org-units/\d+/dashboard$"))
    assert page.get_by_role("heading", name=re.compile("振风县")).is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 4 and "直接奖励" in charts.nth(1).get_attribute("aria-label")
    assert page.locator("#dash-chart-coverage svg").bounding_box()["width"] <= 390
    shoot_both(page, shoot, "dashboard-1-county")

    page.get_by_test_id("dash-child").filter(has_text="清河镇").click()
    page.wait_for_url(re.compile(r"/org-units/\d+/dashboard\?from=\d{4}-\d{2}&to=\d{4}-\d{2}$"))
    assert page.get_by_role("heading", name=re.compile("清河镇")).is_visible()
    assert page.get_by_test_id("dash-child").all_inner_texts() == ["示范村", "邻村"]
    shoot_both(page, shoot, "dashboard-2-township")

    page.get_by_test_id("dash-child").filter(has_text="示范村").click()
    page.wait_for_url(re.compile(r"/org-units/\d+/dashboard\?"))
    assert page.get_by_role("heading", name=re.compile("示范村")).is_visible()
    households = page.get_by_test_id("dash-households").inner_text()
    assert int(households) >= 3
    page.get_by_role("link", name="今年").click()
    page.wait_for_url(re.compile(r"from=\d{4}-01&to="))
    assert "年1月—" in page.get_by_test_id("dash-period").inner_text() or page.url.endswith("-01")
    shoot_both(page, shoot, "dashboard-3-village")

    page.get_by_role("link", name="清河镇").first.click()  # 属于 清河镇: back up, the period kept
    page.wait_for_url(re.compile(r"from=\d{4}-01&to="))
    assert page.get_by_role("heading", name=re.compile("清河镇")).is_visible()
    page.emulate_media(media="print")
    assert not page.locator("#dash-period").is_visible() and page.locator(".dash-table").is_visible()
    print_pdf(page, "dashboard-print")
    screenshot(page, "dashboard-print", full_page=True)


def test_the_county_report_prints_from_the_dashboard(live_server, new_context, shoot, tmp_path):
    """中期评估报告 (issue #20, item 4): from the county's dashboard to the printable report, its tables scrolling
    inside their cards at 390 wide, on A4 without the buttons. Screenshots: report-county(.png, -360),
    report-print.pdf."""
    base = live_server
    page = new_context().new_page()
    log_in(page, base, _county_admin(tmp_path), to="/")
    page.get_by_test_id("dashboard-link").click()
    page.wait_for_url(re.compile(r"/org-units/\d+/dashboard$"))
    page.get_by_test_id("dash-report").click()
    page.wait_for_url(re.compile(r"/org-units/\d+/report\?from=\d{4}-\d{2}&to=\d{4}-\d{2}$"))
    assert page.get_by_test_id("report-title").inner_text() == "振风县中期评估报告"
    assert page.get_by_test_id("report-by").inner_text().startswith("县管理员")
    assert page.get_by_test_id("report-table-village").locator("tbody tr").count() == 2  # 示范村, 邻村
    shoot_both(page, shoot, "report-county")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="打印（A4）").is_visible()
    assert page.get_by_test_id("report-table-township").is_visible()
    print_pdf(page, "report-print")
    screenshot(page, "report-print", full_page=True)
