"""导出数据 in a real browser (issue #20 item 4): the town admin opens the township's page, follows 导出数据, picks a
period that ends before it starts (refused in plain words), picks 今年, and downloads the 积分明细 of both villages;
the file opens with its 说明 and the village's entries. Shot at 390×844 and 360 wide
(test-artifacts/screenshots/exports-*.png)."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO
from tests.e2e.conftest import log_in, shoot_both

pytestmark = pytest.mark.browser


def test_a_town_admin_downloads_the_townships_ledger_for_this_year(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["town_admin"], to="/")
    page.locator("#home-org").click()
    page.wait_for_url(re.compile(r"/org/units/\d+$"))
    shoot_both(page, shoot, "exports-unit-page")  # 人员管理 with its 导出数据 link
    page.get_by_test_id("org-exports").click()
    page.wait_for_selector("#exports-files")
    shoot_both(page, shoot, "exports-township")

    page.get_by_label("开始月份").fill("2026-05")
    page.get_by_label("结束月份").fill("2026-02")
    page.get_by_role("button", name="选定时间段").click()
    page.wait_for_selector("#exports-error")
    assert page.locator("#exports-error").inner_text() == "结束月份不能早于开始月份"
    assert page.locator("#exports-files").count() == 0
    shoot_both(page, shoot, "exports-bad-period")

    page.get_by_role("link", name="今年").click()
    page.wait_for_selector("#exports-files")
    assert "年1月—" in page.locator("#exports-files-title").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("export-ledger").click()
    assert re.fullmatch(r"清河镇积分明细\d{4}-01至\d{4}-\d{2}\.xlsx", download.value.suggested_filename)
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["说明", "明细"]
    villages = {row[1] for row in book["明细"].iter_rows(min_row=2, values_only=True)}
    assert villages == {"示范村", "邻村"}
