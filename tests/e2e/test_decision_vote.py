"""A vote that fails in 四议两公开, in a real browser at 390×844 (issue #15): the official records a 党员大会审议 with
more against than for; the decision page says 未通过 and that the matter ends here, and offers no next step.
Screenshots: test-artifacts/screenshots/decision-vote-*.png."""

import re
from datetime import date

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in
from tests.e2e.test_shop_admin_flow import api_token

pytestmark = pytest.mark.browser


def test_a_lost_vote_ends_the_decision(live_server, new_context, shoot):
    base = live_server
    context = new_context()
    headers = {"Authorization": f"Bearer {api_token(context, base, 'official')}"}
    made = context.request.post(f"{base}/api/v1/decisions", headers=headers, data={"title": "修建文化广场"}).json()
    for name in ("propose", "discuss"):  # 党支部提议, 两委商议: no vote
        r = context.request.post(f"{base}/api/v1/decisions/{made['id']}/steps", headers=headers, data={
            "step": name, "held_on": date.today().isoformat(), "attendance": 9})
        assert r.ok, r.text()

    page = context.new_page()
    log_in(page, base, DEMO["official"], to=f"/decisions/{made['id']}")
    page.get_by_role("heading", name=re.compile("记录下一步")).wait_for()
    page.get_by_label("到会人数").fill("19")
    page.get_by_label("应到人数").fill("20")
    page.get_by_label("赞成").fill("5")
    page.get_by_label("反对").fill("14")
    page.get_by_label("弃权").fill("0")
    shoot(page, "decision-vote-01-form")
    page.get_by_role("button", name="记录这一步").click()
    page.get_by_text("该事项到此结束").wait_for()
    assert page.get_by_text("未通过").first.is_visible()
    assert page.get_by_role("button", name="记录这一步").count() == 0
    shoot(page, "decision-vote-02-failed")
