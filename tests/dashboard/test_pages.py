"""统计看板 pages like a browser without JavaScript (SQLite only: markup): the entries on 首页, the figures as
headline, charts and a table whose child rows drill down, the period picker's refusals, who is refused."""

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


def test_home_offers_the_dashboard_to_staff_and_lands_on_their_unit(web, county):
    for who, unit in (("official", county.demo), ("town_admin", county.town), (PHONES["county_admin"], county.county),
                      ("committee", county.demo)):
        assert 'href="/dashboard"' in web.sign_in(who).get("/").text
        assert web.get("/dashboard").headers["location"] == f"/org-units/{unit}/dashboard"
    assert 'href="/dashboard"' not in web.sign_in("villager").get("/").text
    assert web.get("/dashboard").status_code == 403


def test_the_county_page_draws_its_charts_and_drills_down_to_a_village(web, county):
    page = web.sign_in(PHONES["county_admin"]).get(f"/org-units/{county.county}/dashboard")
    assert page.status_code == 200
    html = page.text
    assert html.count('role="img"') == 4 and "<script" not in html.split("<main", 1)[1]
    assert re.search(r'aria-label="各来源发放积分：直接奖励 [\d,]+；评比结果 [\d,]+；志愿服务 [\d,]+[；"]', html)
    assert "目标 60%" in html  # the coverage chart's target line
    rows = re.findall(r'data-testid="dash-child">([^<]+)</a>', html)
    assert rows == ["清河镇", "东山镇"] and "振风县（合计）" in html
    town = web.get(f"/org-units/{county.east_town}/dashboard?from={county.month}&to={county.month}").text
    assert re.findall(r'data-testid="dash-child">([^<]+)</a>', town) == ["东村", "西村"]
    assert f'href="/org-units/{county.county}/dashboard?from={county.month}&amp;to={county.month}"' in town  # up
    village = web.get(f"/org-units/{county.east}/dashboard").text
    assert 'data-testid="dash-child"' not in village and "东村（合计）" in village
    # 婚丧事: 东村's three filings of this month, one held within the standards and one not, in its month's row.
    assert re.search(r'data-testid="dash-ceremonies">3 <small>按标准 1</small>', village)
    assert f"<tr><td>{county.month}</td><td>3</td><td>1</td><td>1</td></tr>" in village
    west = web.get(f"/org-units/{county.west}/dashboard").text
    assert "这段时间没有婚丧事报备" in west  # 西村's one filing is older than this month


def test_a_bad_period_says_so_beside_the_picker(web, county):
    r = web.sign_in("official").get(f"/org-units/{county.demo}/dashboard?from=2026-05&to=2026-02")
    assert r.status_code == 422 and "结束月份不能早于开始月份" in r.text and 'value="2026-05"' in r.text


def test_names_are_escaped(web, county, demo_engine):
    with session_for(demo_engine, write=True) as s:
        unit = s.exec(select(OrgUnit).where(OrgUnit.id == county.west)).one()
        unit.name = "<b>西村</b>"
        s.add(unit)
        s.commit()
    html = web.sign_in(PHONES["county_admin"]).get(f"/org-units/{county.east_town}/dashboard").text
    assert "&lt;b&gt;西村" in html and "<b>西村" not in html


def test_a_villager_is_refused_and_another_township_is_not_found(web, county):
    assert web.sign_in("villager").get(f"/org-units/{county.demo}/dashboard").status_code == 403
    assert web.sign_in("town_admin").get(f"/org-units/{county.east_town}/dashboard").status_code == 404
