"""The village switch (issue #18 item 5): the town and county admins switch village on every village page — 公开,
服务, 评比, 积分公示, 操作日志 — and the links inside keep the chosen one; another township's village is not found;
a village's own people see no switch (SQLite only: markup)."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.disclosure import decisions
from app.disclosure import service as disclosures
from app.org.access import load_actor
from app.org.models import OrgKind, OrgUnit, Role, User
from tests.conftest import add_person
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
COUNTY_ADMIN = "13900000180"
NEIGHBOUR_OFFICIAL = "13900000181"
# Every village page a town admin opens, and a text only the chosen village's page (邻村's) holds.
PAGES = {
    "/disclosures": "邻村修路公示",
    "/disclosures?category=affairs": "邻村修路公示",
    "/decisions": "邻村修桥议事",
    "/small-powers": "邻村",
    "/small-powers/versions": "邻村",
    "/service": "邻村的志愿服务",
    "/service/menu": "邻村服务菜单",
    "/service/ratings": "邻村",
    "/evaluation": "邻村 · 文明新风评比",
    "/evaluation/board": "邻村 ·",
    "/evaluation/criteria": "邻村",
    "/evaluation/points": "邻村 ·",
    "/admin/audit": "邻村修路公示",
}
SWITCH = re.compile(r'<(?:nav|form) class="village-switch".*?</(?:nav|form)>', re.S)


def unit(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


@pytest.fixture
def world(web_engine) -> dict[str, int]:
    """The demo's 清河镇 (示范村, 邻村) with 邻村's own disclosure and 四议两公开 matter, a second township's village
    (东山乡 东山村) that the town admin does not cover, and a county admin over both."""
    with session_for(web_engine, write=True) as s:
        county = s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.county)).one()
        town = OrgUnit(kind=OrgKind.township, name="东山乡", parent_id=county.id)
        s.add(town)
        s.flush()
        s.add(OrgUnit(kind=OrgKind.village, name="东山村", parent_id=town.id))
        s.commit()
    add_person(web_engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")
    add_person(web_engine, phone=NEIGHBOUR_OFFICIAL, name="邻村书记", role=Role.official, unit="邻村")
    neighbour = unit(web_engine, "邻村")
    with session_for(web_engine, write=True) as s:
        actor = load_actor(s, s.exec(select(User).where(User.phone == NEIGHBOUR_OFFICIAL)).one())
        disclosures.publish(s, actor=actor, village_id=neighbour, category="affairs", title="邻村修路公示",
                            body="村东头的路下月修。")
        decisions.create_decision(s, actor=actor, village_id=neighbour, title="邻村修桥议事")
        s.commit()
    return {"示范村": unit(web_engine, "示范村"), "邻村": neighbour, "东山村": unit(web_engine, "东山村")}


def with_village(path: str, village_id) -> str:
    return f"{path}{'&' if '?' in path else '?'}village_id={village_id}"


def switch_of(html: str) -> str:
    found = SWITCH.search(html)
    return found.group(0) if found else ""


@pytest.mark.parametrize("path", PAGES)
def test_the_town_admin_switches_village(web, world, path):
    sign_in(web, "town_admin")
    page = web.get(with_village(path, world["邻村"]))
    assert page.status_code == 200, page.text[:300]
    switch = switch_of(page.text)
    assert ">示范村</a>" in switch and ">邻村</a>" in switch and "东山村" not in switch
    chosen = re.search(r'<a href="([^"]+)" class="on" aria-current="page">([^<]+)</a>', switch)
    assert chosen and chosen.group(2) == "邻村" and f"village_id={world['邻村']}" in chosen.group(1)
    assert PAGES[path] in page.text.replace(switch, "")  # the chosen village's page, not just its chip
    home = web.get(path).text  # without a choice: the first of their villages
    assert re.search(r'class="on" aria-current="page">示范村<', switch_of(home))
    assert "邻村修路公示" not in home and "邻村修桥议事" not in home


@pytest.mark.parametrize("path", PAGES)
def test_another_townships_village_is_not_found(web, world, path):
    sign_in(web, "town_admin")
    assert web.get(with_village(path, world["东山村"])).status_code == 404
    for junk in ("abc", "0", "-1", "99999999999", "1e3", "9" * 40):
        assert web.get(with_village(path, junk)).status_code in (404, 422), junk


@pytest.mark.parametrize("path", PAGES)
def test_a_village_official_sees_no_switch(web, world, path):
    sign_in(web, "official")
    page = web.get(path)
    assert page.status_code == 200 and 'class="village-switch"' not in page.text
    assert web.get(with_village(path, world["邻村"])).status_code == 404


@pytest.mark.parametrize("who", ["villager", "attendant", "committee"])
def test_the_villages_own_people_see_no_switch(web, world, who):
    sign_in(web, who)
    for path in ("/disclosures", "/service", "/evaluation", "/evaluation/points"):
        page = web.get(path)
        assert page.status_code == 200 and 'class="village-switch"' not in page.text, path


def test_the_county_admin_switches_across_townships(web, world):
    sign_in(web, COUNTY_ADMIN)
    page = web.get(with_village("/disclosures", world["东山村"]))
    assert page.status_code == 200
    assert re.search(r'class="on" aria-current="page">东山村<', switch_of(page.text))
    assert ">示范村</a>" in switch_of(page.text) and "邻村修路公示" not in page.text
    assert web.get(with_village("/admin/audit", world["东山村"])).status_code == 200


def test_links_inside_keep_the_chosen_village(web, world):
    sign_in(web, "town_admin")
    v = world["邻村"]
    page = web.get(with_village("/disclosures", v)).text
    for link in (f'/disclosures?category=finance&amp;village_id={v}', f'/decisions?village_id={v}',
                 f'/small-powers?village_id={v}'):
        assert f'href="{link}"' in page, link
    opened = re.search(r'href="(/disclosures/\d+)"', page).group(1)  # 邻村修路公示, and back to 邻村's list
    assert f'class="back" href="/disclosures?village_id={v}"' in web.get(opened).text
    matter = re.search(r'href="(/decisions/\d+)"', web.get(f"/decisions?village_id={v}").text).group(1)
    assert f'class="back" href="/decisions?village_id={v}"' in web.get(matter).text
    page = web.get(with_village("/service", v)).text
    assert f'href="/service/menu?village_id={v}"' in page and f'href="/service/ratings?village_id={v}"' in page
    assert f'href="/service?village_id={v}"' in web.get(with_village("/service/menu", v)).text
    page = web.get(with_village("/evaluation", v)).text
    assert f'href="/evaluation/points?village_id={v}"' in page and f'href="/evaluation/board?village_id={v}"' in page
    points = web.get(f"/evaluation/points?village_id={v}&month=2026-11").text
    assert f'href="?month=2026-11&amp;village_id={world["示范村"]}"' in switch_of(points)  # the month stays


def test_the_switch_becomes_a_picker_for_many_villages(web, world, web_engine):
    with session_for(web_engine, write=True) as s:
        town = s.exec(select(OrgUnit).where(OrgUnit.name == "清河镇")).one()
        s.add_all(OrgUnit(kind=OrgKind.village, name=f"新村{n}", parent_id=town.id) for n in range(3))
        s.commit()
    sign_in(web, "town_admin")
    page = web.get(with_village("/evaluation/points", world["邻村"]) + "&month=2026-11").text
    switch = switch_of(page)
    assert switch.startswith('<form class="village-switch"') and 'name="village_id"' in switch
    assert f'<option value="{world["邻村"]}" selected>邻村</option>' in switch
    assert '<input type="hidden" name="month" value="2026-11">' in switch


def test_the_town_admin_finds_the_audit_log(web, world):
    sign_in(web, "town_admin")
    assert 'href="/admin/audit"' in web.get("/").text
    assert web.get("/admin/audit").status_code == 200
    sign_in(web, "villager")
    assert web.get("/admin/audit").status_code == 403


def test_the_town_admin_reads_the_menu_without_ordering(web, world):
    sign_in(web, "town_admin")
    hub = web.get("/service").text
    assert "我要点单" not in hub and "我的点单" not in hub
    menu = web.get("/service/menu").text
    assert "/service/order/new" not in menu and "说说我的心愿" not in menu
    sign_in(web, "villager")
    assert "/service/order/new" in web.get("/service/menu").text
