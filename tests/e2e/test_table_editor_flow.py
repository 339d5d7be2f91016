"""插入表格 in a real browser: the official builds a table in the grid (rows added and removed, a hostile cell), and
another by pasting cells copied from Excel; both are written into the body as table markup and published, and show
as tables with every cell as typed. Then 阅读情况: 标记为已告知 and the row's ✓ 已告知. Screenshots at 390×844 and
360×640: test-artifacts/screenshots/table-editor-*.png, informed-*.png."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import PHONE, log_in

pytestmark = pytest.mark.browser
WAIT = 20_000
SMALL = {"width": 360, "height": 640}
HOSTILE = '<script>alert(1)</script> a|b *c*'
PASTED = '科目\t收入\t支出\n土地租金\t48,000.00\t\n"路灯\n维修"\t\t6,800.00\n'


@pytest.fixture
def shot(shoot):
    """`shoot` at 390×844 and at 360×640, then the style="" a screenshot leaves on inputs taken back off (htmx would
    copy it onto the next page's input during a boosted swap, which the CSP blocks)."""
    unstyle = "document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))"

    def take(page, name: str) -> None:
        shoot(page, f"{name}-390")
        page.set_viewport_size(SMALL)
        try:
            shoot(page, f"{name}-360")
        finally:
            page.set_viewport_size(PHONE)
            page.evaluate(unstyle)
    return take


def cell(page, row: int, column: int):
    return page.locator(".tt-grid tr").nth(row).locator("input").nth(column)


def table_cells(page) -> list[list[str]]:
    return page.locator(".md table").first.evaluate(
        "t => [...t.rows].map(r => [...r.cells].map(c => c.textContent))")


def new_disclosure(page, base: str, title: str) -> None:
    """The publish form, reached as an official does: 公开 → 发布公开 (a boosted page: the tool's script arrives
    with it)."""
    page.goto(f"{base}/disclosures")
    page.get_by_role("link", name="发布公开").click()
    page.wait_for_url(f"{base}/disclosures/new", timeout=WAIT)
    page.get_by_label("类别").select_option("finance")
    page.get_by_label("标题").fill(title)
    page.get_by_role("button", name="插入表格").wait_for(timeout=WAIT)  # shown once the script has run


def publish(page) -> None:
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r"/disclosures/\d+\?done=publish$"), timeout=WAIT)


def test_build_a_table_in_the_grid_and_publish_it(live_server, new_context, shot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["official"])
    new_disclosure(page, base, "11月路灯维修支出")
    page.get_by_label("正文").fill("本月支出如下：")
    page.get_by_role("button", name="插入表格").click()
    assert page.locator(".tt-grid tr").count() == 3  # a header and two rows to start
    for (r, c), text in {(0, 0): "科目", (0, 1): "金额", (1, 0): "路灯维修", (1, 1): "6,880.00",
                         (2, 0): HOSTILE, (2, 1): "120"}.items():
        cell(page, r, c).fill(text)
    page.get_by_role("button", name="加一行").click()
    cell(page, 3, 0).fill("多余的一行")
    cell(page, 3, 0).press("Enter")  # moves on, never publishes
    assert "/disclosures/new" in page.url
    page.get_by_role("button", name="加一列").click()
    cell(page, 0, 2).fill("备注")
    shot(page, "table-editor-grid")
    page.get_by_role("button", name="删除第 3 行").click()
    page.get_by_role("button", name="减一列").click()
    assert page.locator(".tt-grid tr").count() == 3 and page.locator(".tt-grid tr").first.locator("input").count() == 2
    page.get_by_role("button", name="插入到正文").click()
    body = page.get_by_label("正文").input_value()
    assert body.startswith("本月支出如下：\n\n| 科目 | 金额 |\n|---|---:|\n| 路灯维修 | 6,880.00 |")
    assert "\\<script>alert(1)\\</script> a\\|b \\*c\\*" in body and "多余" not in body
    publish(page)
    assert table_cells(page) == [["科目", "金额"], ["路灯维修", "6,880.00"], [HOSTILE, "120"]]
    assert page.locator(".md script").count() == 0 and page.locator(".md em").count() == 0
    shot(page, "table-editor-published")


def test_paste_from_excel_then_mark_a_household_informed(live_server, new_context, shot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["official"])
    new_disclosure(page, base, "11月财务收支")
    page.get_by_role("button", name="插入表格").click()
    page.get_by_text("粘贴 Excel").click()
    page.get_by_label("在 Excel 或 WPS 里选中单元格、复制，再长按这里粘贴").fill(PASTED)
    page.get_by_role("button", name="填入表格").click()
    page.get_by_text("已填入 3 行").wait_for(timeout=WAIT)
    assert cell(page, 2, 0).input_value() == "路灯维修"  # a cell's line break (quoted by Excel) is dropped
    assert cell(page, 1, 1).input_value() == "48,000.00" and cell(page, 2, 2).input_value() == "6,800.00"
    shot(page, "table-editor-pasted")
    page.get_by_role("button", name="插入到正文").click()
    assert "|---|---:|---:|" in page.get_by_label("正文").input_value()
    publish(page)
    assert table_cells(page) == [["科目", "收入", "支出"], ["土地租金", "48,000.00", ""], ["路灯维修", "", "6,800.00"]]

    page.get_by_role("link", name=re.compile("查看未读农户")).click()
    page.get_by_role("heading", name="阅读情况").wait_for(timeout=WAIT)
    row = page.locator(".unread-row", has_text="赵德明")
    row.get_by_role("button", name="标记为已告知").click()
    told = page.get_by_test_id("told-row").filter(has_text="赵德明")
    told.wait_for(timeout=WAIT)
    assert "✓ 已告知" in told.inner_text() and "张书记" in told.inner_text()
    assert page.locator(".unread-row:not(.told-row)", has_text="赵德明").count() == 0
    shot(page, "informed")
