"""中心 and 所 act (issue #20 item 5), the pages (markup; SQLite): the 所's board with its orders and teams, the
town admin's 派单 and 转交, the village's board listing the higher levels' orders in its village read-only."""

import pytest

from tests.conftest import add_person
from tests.volunteer.conftest import township_order
from tests.volunteer.test_levels import unit_id
from tests.volunteer.test_pages import page, post

pytestmark = pytest.mark.sqlite_only

TOWN_VOLUNTEER = "13700020011"


def township_volunteer(api, engine) -> int:
    """钱医生, a volunteer of 清河镇 (no household), in the 所's team: his id."""
    add_person(engine, phone=TOWN_VOLUNTEER, name="钱医生", role="volunteer", unit="清河镇")
    return api.get("/me", TOWN_VOLUNTEER).json()["id"]


def test_the_towns_board_shows_its_orders_and_teams(api, demo_engine):
    volunteer = township_volunteer(api, demo_engine)
    oid = township_order(demo_engine)
    r = post(api, "town_admin", "/service/centre/teams", {"name": "清河镇医疗队", "member_ids": str(volunteer)})
    assert r.status_code == 303 and r.headers["location"].endswith("done=team")
    html = page(api, "town_admin", "/service/centre")
    assert "清河镇新时代文明实践所" in html and "清河镇医疗队" in html and "钱医生" in html
    new = html.split('id="centre-open"')[1].split("</section>")[0]
    assert f'href="/service/orders/{oid}"' in new and "政策宣讲进院坝" in new and "示范村" in new
    assert "理发" not in html.split('id="centre-teams"')[0]  # the village station's orders are not the 所's
    hub = page(api, "town_admin", "/service")
    assert 'data-testid="centre-link"' in hub and "清河镇新时代文明实践所" in hub


def test_the_town_admin_dispatches_and_hands_down_by_form(api, demo_engine):
    volunteer = township_volunteer(api, demo_engine)
    oid = township_order(demo_engine)
    html = page(api, "town_admin", f"/service/orders/{oid}")
    assert f'value="user:{volunteer}"' in html and "转交村实践站派单" in html
    assert "李志愿" not in html.split('id="dispatch-to"')[1].split("</select>")[0]  # a village volunteer
    r = post(api, "town_admin", f"/service/orders/{oid}/dispatch", {"to": f"user:{volunteer}"})
    assert r.status_code == 303
    assert "已派单" in page(api, "town_admin", f"/service/orders/{oid}?done=dispatch")
    second = township_order(demo_engine)
    r = post(api, "town_admin", f"/service/orders/{second}/hand-down", {"note": "请村里安排"})
    assert r.status_code == 303
    official = page(api, "official", f"/service/orders/{second}")
    assert "转交村实践站" in official and 'id="dispatch-to"' in official


def test_the_village_board_lists_the_higher_levels_orders_read_only(api, demo_engine):
    oid = township_order(demo_engine)
    board = page(api, "official", "/service/board")
    above = board.split('id="board-above"')[1].split("</section>")[0]
    assert f'href="/service/orders/{oid}"' in above and "清河镇新时代文明实践所" in above
    assert f'href="/service/orders/{oid}"' not in board.split('id="board-open"')[1].split("</section>")[0]
    html = page(api, "official", f"/service/orders/{oid}")
    assert "想听听医保新政策" not in html and "转交本村后才能看到服务对象" in html
    assert 'id="dispatch-to"' not in html and "转交村实践站派单" not in html


def test_another_township_has_no_centre_of_this_township(api, demo_engine):
    county = unit_id(demo_engine, "振风县")
    add_person(demo_engine, phone="13700020012", name="县文明办", role="county_admin", unit="振风县")
    assert api.post("/org-units", "13700020012",
                    json={"kind": "township", "name": "东山镇", "parent_id": county}).status_code == 201
    add_person(demo_engine, phone="13700020013", name="吴镇长", role="town_admin", unit="东山镇")
    oid = township_order(demo_engine)
    r = api.client.get(f"/service/orders/{oid}", headers=api.headers("13700020013"))
    assert r.status_code == 404
    r = api.client.get("/service/centre", headers=api.headers("13700020013"))
    assert r.status_code == 403 and "政策宣讲进院坝" not in r.text  # no village yet under 东山镇
