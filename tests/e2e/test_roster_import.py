"""导入花名册 in the browser (issue #17 item 3): the official downloads the template, fills it in, uploads it with a
mistake and sees the table of problems, uploads it fixed, checks, imports, and finds the households on 农户管理;
exports the roster. Screenshots at 390 wide."""

from openpyxl import load_workbook

from tests.e2e.conftest import log_in

OFFICIAL = "13800000001"
SLOW = {"offline": False, "latency": 2500, "downloadThroughput": 50_000, "uploadThroughput": 20_000}
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def fill(template, target, rows) -> str:
    workbook = load_workbook(template)
    sheet = workbook["花名册"]
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    workbook.save(target)
    return str(target)


ROWS = [("刘德明", "", "东街 21 号", "刘德明", "13912300001", "本人"),
        ("刘德明", "", "东街 21 号", "陈玉兰", "", "配偶"),
        ("黄志强", "", "西街 8 号", "黄志强", "13912300002", "本人"),
        ("黄志强", "", "西街 8 号", "黄小燕", "", "女儿"),
        ("马秀珍", "", "北街 3 号", "马秀珍", "", "本人")]


def test_official_imports_a_roster(live_server, new_context, shoot, tmp_path):
    base = live_server
    context = new_context(accept_downloads=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    log_in(page, base, OFFICIAL, to="/admin/households")
    page.get_by_role("link", name="导入花名册（Excel）").click()
    page.wait_for_url(f"{base}/admin/households/import")
    page.get_by_role("button", name="导入").wait_for()
    assert page.get_by_role("button", name="导入").is_disabled()
    shoot(page, "roster-import")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载花名册模板（Excel）").click()
    assert download.value.suggested_filename == "花名册模板.xlsx"
    template = tmp_path / "模板.xlsx"
    download.value.save_as(template)

    bad = [*ROWS[:2], ("黄志强", "", "西街 8 号", "黄志强", "1391230", "本人"), *ROWS[3:]]
    page.locator("#roster-file").set_input_files(fill(template, tmp_path / "有错.xlsx", bad))
    page.get_by_text("✓ 已选：有错.xlsx").wait_for()
    page.get_by_role("button", name="先检查").click()
    table = page.locator(".roster-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 1
    assert table.locator("tbody tr td").all_inner_texts()[:2] == ["4", "手机号"]
    assert page.get_by_role("button", name="导入").is_disabled()
    shoot(page, "roster-import-problems")
    page.set_viewport_size({"width": 360, "height": 780})  # the narrowest phone: nothing scrolls sideways
    shoot(page, "roster-import-problems-360")
    page.set_viewport_size({"width": 390, "height": 844})

    page.locator("#roster-file").set_input_files(fill(template, tmp_path / "改好.xlsx", ROWS))
    page.get_by_role("button", name="先检查").click()
    page.get_by_text("检查通过：共 3 户、5 人，可以导入。").wait_for()
    shoot(page, "roster-import-checked")
    cdp.send("Network.emulateNetworkConditions", SLOW)  # a village office's line: the wait shows what goes on
    page.get_by_role("button", name="导入 3 户").click()
    busy = page.locator("#roster-busy")
    busy.get_by_text("正在导入 3 户，请稍候…").wait_for()
    assert page.get_by_role("button", name="先检查").is_disabled()  # no second tap while it goes
    shoot(page, "roster-import-busy")
    cdp.send("Network.emulateNetworkConditions", FAST)
    page.wait_for_url(f"{base}/admin/households?imported=3")
    page.get_by_text("已导入 3 户").wait_for()
    for head in ("刘德明", "黄志强", "马秀珍"):
        assert page.locator("#household-rows").get_by_text(head, exact=True).count() == 1
    shoot(page, "roster-imported")

    with page.expect_download() as exported:
        page.get_by_role("link", name="导出花名册").click()
    exported.value.save_as(tmp_path / "导出.xlsx")
    sheet = load_workbook(tmp_path / "导出.xlsx")["花名册"]
    assert {row[3].value for row in sheet.iter_rows(min_row=2)} >= {"刘德明", "陈玉兰", "黄小燕", "马秀珍"}


def test_choosing_another_file_takes_back_the_import_button(live_server, new_context, tmp_path):
    base = live_server
    page = new_context(accept_downloads=True).new_page()
    log_in(page, base, OFFICIAL, to="/admin/households/import")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载花名册模板（Excel）").click()
    template = tmp_path / "模板.xlsx"
    download.value.save_as(template)
    page.locator("#roster-file").set_input_files(fill(template, tmp_path / "一.xlsx", ROWS[:2]))
    page.get_by_role("button", name="先检查").click()
    page.get_by_role("button", name="导入 1 户").wait_for()
    page.locator("#roster-file").set_input_files(fill(template, tmp_path / "二.xlsx", ROWS[2:]))
    page.get_by_text("换了文件，请先检查。").wait_for()
    assert page.get_by_role("button", name="导入").is_disabled()


def test_a_town_admin_chooses_the_village_first(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, "13800000006", to="/admin/households/import")
    page.get_by_label("村", exact=True).select_option(label="邻村")
    page.get_by_role("button", name="切换").click()
    page.get_by_role("heading", name="第二步：选择文件，先检查，再导入（邻村）").wait_for()
    shoot(page, "roster-import-town-admin")
