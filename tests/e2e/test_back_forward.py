"""Going back is instant (issue #18 item 6): a page holding nothing secret is kept by the browser's back/forward cache
and shown again without asking the server; the 积分码 page (no-store) is never kept, and a kept page is loaded afresh
after a live screen was opened (the balance on 首页 must not look unchanged after paying).

Playwright starts Chromium with --disable-back-forward-cache; this module's browser runs without it, as phones do. It
is the full `chromium`: the headless shell the other browser tests use keeps no page in the cache ("masked")."""

import re
from collections.abc import Iterator

import pytest

from tests.conftest import DEMO, unavailable
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, log_in, system_chromium

WAIT = 20_000  # page loads on a busy machine
MARK = "window.__zfMark = 'kept'; window.addEventListener('pageshow', e => { window.__zfPersisted = e.persisted; });"
STATE = """() => ({mark: window.__zfMark || null, persisted: window.__zfPersisted === true,
  reasons: JSON.stringify(performance.getEntriesByType('navigation')[0].notRestoredReasons || null)})"""


@pytest.fixture(scope="module")
def bfcache_browser(playwright_driver, chromium_path) -> Iterator:
    full = system_chromium(shell=False)
    if not full:
        unavailable("BROWSER", "no full Chromium on PATH for the back/forward cache (apt-get install chromium)")
    chromium = playwright_driver.chromium.launch(executable_path=full, headless=True, args=CHROMIUM_ARGS,
                                                 ignore_default_args=["--disable-back-forward-cache"])
    yield chromium
    chromium.close()


@pytest.fixture
def villager(bfcache_browser, live_server):
    context = bfcache_browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(WAIT)
    errors: list[str] = []
    context.on("weberror", lambda err: errors.append(str(err.error)))
    page = context.new_page()
    log_in(page, live_server, DEMO["villager"], to="/")
    # The service worker installs on the first page and then claims it, which keeps that page out of the cache
    # ("serviceworker-claimed"); a phone that has used the app before starts its pages under the worker already.
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    yield page
    context.close()
    assert not errors, errors


def back_to(page, path: str) -> dict:
    """The back button (the answer may come from memory: no load event then), and what the page then knows."""
    page.go_back(wait_until="commit")
    ready = f"location.pathname === {path!r} && document.readyState === 'complete'"
    page.wait_for_function(ready)
    page.wait_for_timeout(500)  # a kept page that decides to load afresh does so at once
    page.wait_for_function(ready)  # (Playwright's load states do not follow a page shown from memory)
    return page.evaluate(STATE)


def test_back_to_home_comes_from_the_back_forward_cache(villager, live_server):
    villager.evaluate(MARK)
    villager.locator(".tabbar").get_by_role("link", name="积分").click()  # a link: a page of its own, not boosted
    villager.wait_for_url(f"{live_server}/points")
    state = back_to(villager, "/")
    assert state["mark"] == "kept" and state["persisted"], state
    assert villager.get_by_test_id("balance").is_visible()


def test_the_pay_code_page_is_never_kept_and_home_is_loaded_afresh_after_it(villager, live_server):
    villager.evaluate(MARK)
    villager.get_by_role("link", name="出示积分码").click()
    villager.wait_for_url(f"{live_server}/pay")
    villager.evaluate(MARK)
    villager.goto(f"{live_server}/me")
    pay = back_to(villager, "/pay")
    assert pay["mark"] is None and not pay["persisted"], pay  # asked the server again: a fresh code
    # and the browser says why, when it says anything: on a busy machine Chromium may give no reasons at all
    assert pay["reasons"] == "null" or re.search(r"no-store|NoStore", pay["reasons"]), pay["reasons"]
    home = back_to(villager, "/")
    assert home["mark"] is None, home  # kept, but a live screen was opened since: loaded afresh
