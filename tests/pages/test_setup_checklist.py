"""首页's setup checklists (issue #17 item 7): what a county admin and a new official still have to do, each step
linking to its page and ticking itself when the tables say it is done."""

import re

from sqlmodel import select

from app.db import session_for
from app.org.models import OrgKind, OrgUnit, Role
from tests.conftest import add_person
from tests.pages.conftest import sign_in

STEP = re.compile(r'<li class="(done|todo)">\s*<a href="([^"]+)">.*?<strong>([^<]+)</strong>', re.S)


def steps(html: str) -> dict[str, tuple[str, str]]:
    """label → (done|todo, link) for every step shown on the page."""
    return {label: (state, href) for state, href, label in STEP.findall(html)}


def new_village(engine, name: str) -> int:
    with session_for(engine, write=True) as s:
        town = s.exec(select(OrgUnit.id).where(OrgUnit.name == "清河镇")).one()
        village = OrgUnit(kind=OrgKind.village, name=name, parent_id=town)
        s.add(village)
        s.commit()
        return village.id


def test_a_village_that_runs_shows_no_checklist(web):
    sign_in(web, "official")  # 示范村: roster, shop, committee, volunteer, criteria and fund all there
    html = web.get("/").text
    assert "开通步骤" not in html and steps(html) == {}


def test_a_new_officials_checklist_starts_empty_and_ticks_as_things_are_done(web, web_engine):
    vid = new_village(web_engine, "柳树村")
    add_person(web_engine, phone="13900000101", name="柳书记", role=Role.official, unit="柳树村")
    sign_in(web, "13900000101")
    html = web.get("/").text
    assert "柳树村开通步骤" in html and "已完成 0 / 6 项" in html
    shown = steps(html)
    assert shown["导入农户名册"] == ("todo", "/admin/households/import")
    assert shown["开设积分超市"] == ("todo", "/shop/manage")
    assert shown["组建评比委员会"] == ("todo", f"/org/units/{vid}")
    assert shown["村积分资金到账"] == ("todo", f"/funds/{vid}")
    assert all(state == "todo" for state, _ in shown.values())

    add_person(web_engine, phone="13900000102", name="柳老师", role=Role.committee, unit="柳树村")
    add_person(web_engine, phone="13900000103", name="柳志愿", role=Role.volunteer, unit="柳树村")
    shown = steps(web.get("/").text)
    assert shown["组建评比委员会"][0] == "done" and shown["任命志愿者"][0] == "done"
    assert shown["导入农户名册"][0] == "todo"


def test_the_county_admins_checklist_counts_villages_without_an_official(web, web_engine):
    add_person(web_engine, phone="13900000110", name="县管理员", role=Role.county_admin, unit="振风县")
    sign_in(web, "13900000110")
    html = web.get("/").text
    assert "振风县开通步骤" in html
    shown = steps(html)
    assert shown["添加乡镇"][0] == "done" and shown["添加村"][0] == "done"
    assert shown["任命村干部"][0] == "todo" and "2 个村中 1 个已有村干部" in html  # 邻村 has none

    add_person(web_engine, phone="13900000111", name="陈书记", role=Role.official, unit="邻村")
    html = web.get("/").text  # the demo county's fund holds its budget: with 邻村's official nothing is left
    assert "振风县开通步骤" not in html and steps(html) == {}


def test_a_villager_sees_no_checklist(web):
    sign_in(web, "villager")
    assert "开通步骤" not in web.get("/").text
