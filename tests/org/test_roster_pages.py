"""导入花名册's page without JavaScript and as htmx asks for it (SQLite: markup; the API tests cover both engines)."""

import pytest

from tests.org.test_roster_api import XLSX, roster_rows, workbook_bytes
from tests.pages import conftest as pages
from tests.pages.conftest import household_count, sign_in

web_engine, web = pages.web_engine, pages.web  # the pages' fixtures: the demo world on SQLite, a browser-like client

HTMX = {"HX-Request": "true"}  # the form's own hx-post (not boosted): the result alone comes back


def upload(web, token, data, step, headers=None):
    return web.post("/admin/households/import", data={"csrf_token": token, "step": step},
                    files={"file": ("花名册.xlsx", data, XLSX)}, headers=headers or {})


@pytest.fixture
def web_official(web):
    return web, sign_in(web, "official")


def test_the_households_page_links_to_import_and_export(web_official):
    web, _ = web_official
    html = web.get("/admin/households").text
    assert 'href="/admin/households/import"' in html and "/households.xlsx" in html
    page = web.get("/admin/households/import")
    assert page.status_code == 200
    assert "/api/v1/households/import-template.xlsx" in page.text and "先检查" in page.text
    assert 'class="btn primary block roster-import" disabled' in page.text


def test_a_check_shows_each_problem_as_a_row_and_writes_nothing(web_official, web_engine):
    web, token = web_official
    before = household_count(web_engine)
    rows = [("孙一", "", "", "孙一", "123", ""), ("李四", "<i>九组</i>", "", "李四", "", "")]
    r = upload(web, token, workbook_bytes(rows), "check", HTMX)
    assert r.status_code == 200 and "<html" not in r.text
    assert "<td>2</td><td>手机号</td>" in r.text and "<td>3</td><td>村民小组</td>" in r.text
    assert "&lt;i&gt;九组&lt;/i&gt;" in r.text and "<i>九组" not in r.text  # what the file says is escaped
    assert 'class="btn primary block roster-import" disabled' in r.text
    assert household_count(web_engine) == before


def test_a_clean_check_offers_the_import_and_the_import_lands_on_households(web_official, web_engine):
    web, token = web_official
    before = household_count(web_engine)
    data = workbook_bytes(roster_rows(5))
    checked = upload(web, token, data, "check", HTMX)
    assert "检查通过：共 5 户、15 人" in checked.text and "导入 5 户" in checked.text
    assert "正在导入 5 户" in checked.text
    done = upload(web, token, data, "import", HTMX)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/admin/households?imported=5"
    assert household_count(web_engine) == before + 5
    assert "已导入 5 户" in web.get("/admin/households?imported=5").text


def test_without_javascript_a_bad_import_comes_back_as_the_page(web_official, web_engine):
    web, token = web_official
    before = household_count(web_engine)
    r = upload(web, token, workbook_bytes([("王五", "", "", "", "", "")]), "import")
    assert r.status_code == 422 and "<html" in r.text and "一户也没有导入" in r.text
    empty = upload(web, token, b"", "check")
    assert empty.status_code == 422 and "文件是空的" in empty.text
    assert household_count(web_engine) == before


def test_a_villager_and_another_village_are_kept_out(web, web_engine):
    token = sign_in(web, "villager")
    assert web.get("/admin/households/import").status_code == 403
    assert upload(web, token, workbook_bytes(roster_rows(1)), "check").status_code == 403


def test_a_town_admin_picks_the_village(web, web_engine):
    sign_in(web, "town_admin")
    page = web.get("/admin/households/import").text
    assert '<select id="roster-village" name="village_id">' in page
    assert ">示范村</option>" in page and ">邻村</option>" in page
    households = web.get("/admin/households").text
    assert 'href="/admin/households/import">导出花名册' in households  # several villages: chosen on the import page
