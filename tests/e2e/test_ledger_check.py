"""A ledger anyone can check, in a real browser at 390×844 (issue #21 item 5): the villager's two redemptions, one
in a month whose root is posted and one in the month still open; on 积分明细 each line's 核对 opens the public
/verify page, which checks it in the browser (crypto.subtle) against the posted root: 本月尚未公示 for the open
month, 核对一致 for the posted one; the month's root as the system's 财务 disclosure; then one amount changed in the
database, and the same line checked again says 不一致.
Screenshots: test-artifacts/screenshots/ledger-check-*.png."""

import pytest

from app.db import make_engine, write_session
from app.ledger import chain
from app.timeutil import utcnow
from tests.conftest import DEMO
from tests.e2e.conftest import log_in
from tests.ledger.test_chain import NEXT_MONTH, checks, tamper
from tests.served import http

pytestmark = pytest.mark.browser


def redeem_cheapest(base: str) -> None:
    """The villager shows a pay code and the attendant redeems the shop's cheapest goods (the JSON API)."""
    def token(phone: str) -> dict:
        answer = http.post(f"{base}/api/v1/auth/login", json={"phone": phone, "password": "demo1234"})
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    villager, attendant = token(DEMO["villager"]), token(DEMO["attendant"])
    code = http.get(f"{base}/api/v1/me/pay-code", headers=villager).json()["code"]
    shop = http.get(f"{base}/api/v1/shops", headers=attendant).json()["items"][0]["id"]
    goods = min(http.get(f"{base}/api/v1/shops/{shop}/goods", headers=attendant).json()["items"],
                key=lambda g: g["points_price"])
    made = http.post(f"{base}/api/v1/shops/{shop}/redemptions", headers=attendant,
                      json={"pay_code": code, "items": [{"goods_id": goods["id"], "quantity": 1}]})
    assert made.status_code == 201, made.text


def open_check(page, base: str, nth: int, state: str) -> str:
    """积分明细 → the nth line's 核对 → /verify, once it has said `state`; the address it opened."""
    page.goto(f"{base}/points")
    page.get_by_test_id("entry-check").nth(nth).click()
    page.locator(f"[data-testid=verify-result][data-state={state}]").wait_for()
    return page.url


def test_a_villager_checks_a_line_then_a_changed_one(live_server, new_context, shoot, tmp_path):
    base = live_server
    engine = make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")  # the live server's database
    redeem_cheapest(base)
    with write_session(engine) as s:  # this month closes (the cron command's function, the clock moved on)
        posted = chain.post_due_roots(s, now=utcnow() + NEXT_MONTH)
        s.commit()
    root = next(r for r in posted if r.disclosure_id is not None)
    redeem_cheapest(base)  # in the month after: open, nothing posted yet

    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/points")
    assert villager.get_by_test_id("entry-check").count() >= 2  # every line carries its 核对
    shoot(villager, "ledger-check-points")
    open_check(villager, base, 0, "warn")
    villager.get_by_text("本月尚未公示").wait_for()
    assert villager.locator("#verify-retry").is_hidden()
    shoot(villager, "ledger-check-not-posted")

    url = open_check(villager, base, 1, "ok")
    villager.get_by_text("核对一致").wait_for()
    assert villager.get_by_test_id("verify-root").inner_text().replace(" ", "") == root.root
    assert "王" not in villager.locator("main").inner_text()  # no name on the public page
    shoot(villager, "ledger-check-ok")

    villager.goto(f"{base}/disclosures/{root.disclosure_id}")
    villager.get_by_text(root.root).wait_for()
    villager.get_by_text("振风系统（自动公示）").wait_for()
    shoot(villager, "ledger-check-disclosure")

    leaf, facts = checks(url)
    tamper(engine, int(facts["e"]), int(facts["n"]) - 1)
    open_check(villager, base, 1, "bad")
    villager.get_by_text("不一致").wait_for()
    shoot(villager, "ledger-check-mismatch")
    engine.dispose()
