"""导出数据 (page): the four exports of a unit for a period picked on the page, reached from the unit's page."""

import re

from sqlmodel import select

from app.db import session_for
from app.org.models import OrgUnit
from app.timeutil import this_month
from tests.pages import conftest as pages
from tests.pages.conftest import sign_in

web_engine, web = pages.web_engine, pages.web  # the pages' fixtures: the demo world on SQLite, a browser-like client


def unit(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def test_reached_from_the_unit_page_with_four_downloads(web, web_engine):
    sign_in(web, "official")
    village = unit(web_engine, "示范村")
    assert f'href="/org/units/{village}/exports"' in web.get(f"/org/units/{village}").text
    r = web.get(f"/org/units/{village}/exports", params={"from": "2026-01", "to": "2026-03"})
    assert r.status_code == 200 and "2026年1月—2026年3月" in r.text
    links = re.findall(r'href="(/api/v1/org-units/\d+/exports/[a-z-]+\.xlsx\?[^"]+)"', r.text)
    assert [link.split("/")[-1] for link in links] == [
        f"{kind}.xlsx?from=2026-01&amp;to=2026-03" for kind in ("households", "ledger", "evaluations",
                                                                "volunteer-hours")]
    for link in links:
        got = web.get(link.replace("&amp;", "&"))
        assert got.status_code == 200 and got.content[:2] == b"PK"


def test_this_month_when_none_is_picked(web, web_engine):
    sign_in(web, "town_admin")
    r = web.get(f"/org/units/{unit(web_engine, '清河镇')}/exports")
    month = this_month()
    assert r.status_code == 200 and f"{int(month[:4])}年{int(month[5:])}月" in r.text
    assert f'value="{month}"' in r.text


def test_a_wrong_period_is_said_in_chinese_and_keeps_what_was_typed(web, web_engine):
    sign_in(web, "official")
    r = web.get(f"/org/units/{unit(web_engine, '示范村')}/exports", params={"from": "2026-05", "to": "2026-02"})
    assert r.status_code == 422 and "结束月份不能早于开始月份" in r.text
    assert 'value="2026-05"' in r.text and ".xlsx" not in r.text


def test_a_villager_is_refused_and_another_township_not_found(web, web_engine):
    sign_in(web, "villager")
    assert web.get(f"/org/units/{unit(web_engine, '示范村')}/exports").status_code == 403
    sign_in(web, "official")
    assert web.get(f"/org/units/{unit(web_engine, '清河镇')}/exports").status_code == 404
