"""中期评估报告's printable page like a browser without JavaScript (SQLite only: markup): reached from the dashboard,
the same sections as the workbook with who made it and when, A4 print rules, refusals, names escaped."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.org.models import OrgUnit
from tests.dashboard.conftest import PHONES
from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def test_the_dashboard_links_the_report_and_its_workbook_for_the_same_period(web, county):
    query = f"from={county.month}&amp;to={county.month}"
    html = web.sign_in(PHONES["county_admin"]).get(f"/org-units/{county.county}/dashboard").text
    assert f'href="/org-units/{county.county}/report?{query}" data-testid="dash-report">打印中期评估报告' in html
    assert f'href="/api/v1/org-units/{county.county}/report.xlsx?{query}" download' in html


def test_the_county_report_has_every_level_and_list_with_who_and_when(web, county):
    page = web.sign_in(PHONES["county_admin"]).get(f"/org-units/{county.county}/report?from={county.month}")
    assert page.status_code == 200
    html = page.text
    assert "振风县中期评估报告" in html and re.search(r'data-testid="report-by">县管理员（[^<]+）<', html)
    assert re.search(r'data-testid="report-at">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<', html)
    for kind, names in (("county", ["振风县"]), ("township", ["清河镇", "东山镇"]),
                        ("village", ["示范村", "邻村", "东村", "西村"])):
        table = html.split(f'data-testid="report-table-{kind}"', 1)[1].split("</table>", 1)[0]
        assert re.findall(r'<th scope="row">([^<]+)</th>', table) == names
    low = html.split('data-testid="report-low"', 1)[1].split("</table>", 1)[0]
    assert "西村" in low and "东村" not in low
    late = html.split('data-testid="report-late"', 1)[1].split("</table>", 1)[0]
    assert "理发" in late and "超过 24 小时未派单" in late and "东一" not in late
    unread = html.split('data-testid="report-unread"', 1)[1].split("</table>", 1)[0]
    assert unread.index("西村党务") < unread.index("西村财务") and "1/2" in unread
    assert "data-print" in html and re.search(r'href="/static/dashboard\.\w+\.css"', html)  # its A4 print rules


def test_refusals_and_a_bad_period(web, county):
    assert web.sign_in("villager").get(f"/org-units/{county.demo}/report").status_code == 403
    assert web.sign_in(PHONES["east_admin"]).get(f"/org-units/{county.town}/report").status_code == 404
    r = web.sign_in("official").get(f"/org-units/{county.demo}/report?from=2026-05&to=2026-02")
    assert r.status_code == 422 and "结束月份不能早于开始月份" in r.text


def test_names_and_titles_are_escaped(web, county, demo_engine):
    with session_for(demo_engine, write=True) as s:
        unit = s.exec(select(OrgUnit).where(OrgUnit.id == county.west)).one()
        unit.name = "<b>西村</b>"
        s.add(unit)
        s.commit()
    html = web.sign_in(PHONES["east_admin"]).get(f"/org-units/{county.east_town}/report").text
    assert "&lt;b&gt;西村" in html and "<b>西村" not in html
