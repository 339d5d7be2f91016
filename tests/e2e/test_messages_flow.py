"""消息 in a real browser (issue #18 item 3): an official answers 王建国's question and his objection; on his phone
the 我的 tab carries the unread badge, 我的 a 消息 row with the count, the list shows both answers (unread marked),
and opening it clears the badge. The official's 首页 counts what waits for him; the town admin's, per village.
Screenshots at 390×844 and 360×640 in test-artifacts/screenshots/messages-*.png (each measured and checked with axe)."""

import pytest

from app.evaluation.boards import shift_month, this_month
from tests.conftest import DEMO
from tests.e2e.conftest import PHONE, log_in
from tests.served import http

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 640}
WAIT = 20_000  # a busy machine: page loads may take long


class Api:
    """The live server's JSON API, as the demo people."""

    def __init__(self, base: str):
        self.client, self.tokens = http.client(base_url=f"{base}/api/v1", timeout=30), {}

    def __call__(self, who: str, path: str, json=None, method="POST"):
        if who not in self.tokens:
            r = self.client.post("/auth/login", json={"phone": DEMO[who], "password": "demo1234"})
            self.tokens[who] = r.json()["access_token"]
        r = self.client.request(method, path, json=json, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert r.status_code < 300, (path, r.status_code, r.text)
        return r.json()


def answered_question_and_objection(base: str) -> None:
    api = Api(base)
    disclosure = api("official", "/disclosures", {"category": "finance", "title": "路灯维修费用公开",
                                                  "body": "共 6800 元"})
    question = api("villager", f"/disclosures/{disclosure['id']}/questions", {"body": "换了几盏灯？"})
    api("official", f"/disclosure-questions/{question['id']}/answer", {"answer": "共 20 盏，发票在村委会"})
    village = api("official", "/me", method="GET")["roles"][0]["org_id"]
    api("town_admin", f"/villages/{village}/evaluation-settings", {"min_notice_days": 0}, method="PUT")
    rid = api("town_admin", "/evaluations", {"month": shift_month(this_month("Asia/Shanghai"), -2)})["id"]
    criterion = next(c for c in api("official", "/criteria", method="GET")["items"] if c["name"] == "赡养老人尽心")
    households = {h["head_name"]: h["id"] for h in api("official", "/households", method="GET")["items"]}
    api("committee", f"/evaluations/{rid}/scores", {"household_id": households["赵德明"],
                                                    "criterion_id": criterion["id"], "points": 8, "reason": "照顾老人"})
    api("official", f"/evaluations/{rid}/publish", {"notice_days": 0})
    line = api("villager", f"/evaluations/{rid}", method="GET")["lines"][0]
    objection = api("villager", f"/evaluations/{rid}/lines/{line['id']}/objections", {"text": "他家老人是别人照顾的"})
    api("official", f"/evaluations/{rid}/objections/{objection['id']}/answer", {"answer": "已核实，属实，不更正"})


def both_widths(page, shoot, name: str) -> None:
    shoot(page, name)
    page.set_viewport_size(NARROW)
    try:
        shoot(page, f"{name}-360")
    finally:
        page.set_viewport_size(PHONE)


def test_answers_reach_the_villager(live_server, new_context, shoot):
    base = live_server
    page = new_context().new_page()
    page.set_default_timeout(WAIT)
    log_in(page, base, DEMO["villager"])
    page.goto(f"{base}/messages")  # the demo's own history (his orders' steps) read first
    page.locator("#inbox-rows").wait_for()

    answered_question_and_objection(base)
    page.goto(f"{base}/")
    badge = page.locator(".tabbar a[href='/me'] .tab-badge")
    badge.wait_for()
    assert badge.inner_text().startswith("2")
    page.locator("#home-message").wait_for()
    assert "新消息 2 条" in page.locator("#home-message").inner_text()
    both_widths(page, shoot, "messages-home-badge")
    page.locator(".tabbar a[href='/me']").click()
    page.wait_for_url(f"{base}/me")
    assert page.locator("#me-messages .count-badge").inner_text() == "2"
    both_widths(page, shoot, "messages-me")

    page.locator("#me-messages").click()
    page.wait_for_url(f"{base}/messages")
    rows = page.locator("#inbox-rows li")
    assert "异议" in rows.nth(0).inner_text() and "换了几盏灯" in rows.nth(1).inner_text()
    assert page.locator("#inbox-rows .unread").count() == 2
    page.locator(".tabbar a[href='/me'] span[hidden]").wait_for(state="attached")  # read now: the badge is gone
    both_widths(page, shoot, "messages-list")

    rows.nth(1).locator("a").click()  # the answer itself, on the disclosure
    page.wait_for_url(f"{base}/disclosures/*")
    assert page.get_by_text("共 20 盏，发票在村委会").is_visible()

    page = new_context().new_page()  # the official's phone
    page.set_default_timeout(WAIT)
    log_in(page, base, DEMO["official"], to="/")
    page.locator("#home-waiting").wait_for()
    assert page.locator("#waiting-undispatched .pts").inner_text() == "2"
    both_widths(page, shoot, "messages-official-home")

    page = new_context().new_page()  # the town admin's
    page.set_default_timeout(WAIT)
    log_in(page, base, DEMO["town_admin"], to="/")
    page.locator("#waiting-villages").wait_for()
    assert "示范村" in page.locator("#waiting-villages").inner_text()
    both_widths(page, shoot, "messages-town-admin-home")


def test_the_empty_list_says_what_comes_here(live_server, new_context, shoot):
    page = new_context().new_page()
    page.set_default_timeout(WAIT)
    log_in(page, live_server, DEMO["neighbour"], to="/messages")
    page.locator("#inbox-empty").wait_for()
    both_widths(page, shoot, "messages-empty")
