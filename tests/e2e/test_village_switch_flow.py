"""The town admin switches village on every village page (issue #18 item 5), at 390×844 and 360×640: the chips sit
at the top of the content without pushing it off screen, tapping one opens the same page for that village, and over many
villages the chips become a picker. Screenshots: test-artifacts/screenshots/switch-*.png."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in
from tests.e2e.test_shop_admin_flow import api_token

pytestmark = pytest.mark.browser
PAGES = {"disclosures": "/disclosures", "decisions": "/decisions", "small-powers": "/small-powers",
         "service": "/service", "service-menu": "/service/menu", "evaluation": "/evaluation",
         "board": "/evaluation/board", "points": "/evaluation/points", "audit": "/admin/audit"}
SIZES = {"390": {"width": 390, "height": 844}, "360": {"width": 360, "height": 640}}


@pytest.mark.parametrize("size", SIZES)
def test_the_town_admin_switches_on_every_village_page(live_server, new_context, shoot, size):
    base = live_server
    context = new_context(viewport=SIZES[size])
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in(page, base, DEMO["town_admin"])
    for name, path in PAGES.items():
        page.goto(f"{base}{path}")
        switch = page.locator("#village-switch")
        assert switch.get_by_role("link", name="示范村").get_attribute("aria-current") == "page"
        switch.get_by_role("link", name="邻村").click()
        page.wait_for_url(re.compile(re.escape(path) + r"\?(.*&)?village_id=\d+$"))
        assert switch.get_by_role("link", name="邻村").get_attribute("aria-current") == "page"
        box = switch.bounding_box()
        assert box["height"] < 60, f"{name}: the switch takes {box['height']} px"  # one row of chips
        content = page.locator("main .card, main section").first.bounding_box()
        assert content["y"] < SIZES[size]["height"] - 100, f"{name}: the page's content starts off screen"
        shoot(page, f"switch-{name}-{size}")


def test_a_town_admin_over_many_villages_picks_from_a_list(live_server, new_context, shoot):
    base = live_server
    context = new_context(viewport=SIZES["360"])
    context.set_default_timeout(20_000)
    town = {"Authorization": f"Bearer {api_token(context, base, 'town_admin')}"}
    township_id = context.request.get(f"{base}/api/v1/me", headers=town).json()["roles"][0]["org_id"]
    for n in range(4):
        r = context.request.post(f"{base}/api/v1/org-units", headers=town,
                                 data={"kind": "village", "name": f"新{n}村", "parent_id": township_id})
        assert r.status == 201, r.text()
    page = context.new_page()
    log_in(page, base, DEMO["town_admin"], to="/evaluation/points")
    picker = page.get_by_label("切换村")
    picker.select_option(label="新2村")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"/evaluation/points\?(.*&)?village_id=\d+"))
    assert "新2村" in page.locator("h1").inner_text()
    shoot(page, "switch-picker-360")
