"""Browser fixtures: the real app under uvicorn on a free port, and the system Chromium through Playwright."""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.deps import COOKIE_NAME
from app.main import bind_app
from tests.conftest import WITH_DEMO, make_settings, sqlite_copy, unavailable
from tests.e2e.a11y import axe_problems
from tests.e2e.layout import layout_problems
from tests.served import http, in_thread

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Screenshots are for people to open (`make shots`, ZF_SHOTS=1); a run that only tests takes none: nobody looks at
# them there, and they cost the browser ~30 of the suite's CPU-seconds. What a shot's page is checked for (layout,
# axe) is checked either way.
SHOTS_ON = os.environ.get("ZF_SHOTS") == "1"
PHONE = {"width": 390, "height": 844}
SMALL = {"width": 360, "height": 640}  # the narrowest, shortest phone the issues name
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture
def live_server(request, tmp_path, sqlite_templates, served_app) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port), on a fresh SQLite file with the demo world (a copy of
    the run's template; parametrize it indirectly with EMPTY for a database without it), with fresh state (settings,
    templates, empty rate limiters: app.main.bind_app) on `served_app` (tests/conftest.py)."""
    engine = sqlite_copy(sqlite_templates[getattr(request, "param", WITH_DEMO)], tmp_path / "e2e.db")
    with in_thread(bind_app(served_app, make_settings(engine), engine, strict_templates=True)) as base:
        yield base
    engine.dispose()


def system_chromium(*, shell: bool = True) -> str | None:
    """The system's Chromium for headless tests: Debian's `chromium-headless-shell` where it is installed (the same
    Chromium built for headless use alone, without the browser's windowing layer: what Playwright itself runs for
    headless tests; about half the CPU a page costs the full browser, docs/performance.md), else `chromium`; with
    `shell=False` the full browser alone."""
    names = ("chromium-headless-shell",) * shell + ("chromium", "chromium-browser")
    return next(filter(None, map(shutil.which, names)), None)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium's path; skipped (or failed, with ZF_REQUIRE_BROWSER) when it is not there."""
    executable = system_chromium()
    if not executable:
        unavailable("BROWSER", "no system Chromium on PATH (apt-get install chromium-headless-shell)")
    return executable


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    """The run's one Playwright (a second sync Playwright in a process refuses to start)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("BROWSER", f"Playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver, chromium_path):
    """The system Chromium, headless."""
    try:
        chromium = playwright_driver.chromium.launch(executable_path=chromium_path, headless=True,
                                                     args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser here"
        unavailable("BROWSER", f"Chromium at {chromium_path} would not start: {exc.__class__.__name__}")
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(request, browser) -> Iterator[Callable]:
    """Open a fresh browser context (its own cookies): a phone of 390×844 set to Chinese.

    The app's service worker runs only in tests marked `service_worker`: those of what it does (offline pages, kept
    disclosures, offline codes, lost answers, the pay screen's network, back and forward) and the county's first
    day, the walk through every role's pages as a phone has them. Elsewhere it would install itself in every new
    context and stand in every page load (~0.3 s of the machine's CPU a context, ~25 ms a page, docs/performance.md)
    to pass the page through unchanged (network-first)."""
    contexts, errors = [], []
    workers = "allow" if request.node.get_closest_marker("service_worker") else "block"

    def open_context(**overrides):
        options = {"viewport": PHONE, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "service_workers": workers,
                   **overrides}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("console", lambda msg: msg.type == "error" and _is_page_fault(msg.text)
                   and errors.append(f"{msg.location.get('url', '')}: {msg.text}"))
        context.on("weberror", lambda err: errors.append(f"uncaught: {err.error}"))
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert not errors, "the pages broke the content security policy or threw: " + "; ".join(errors)


def _is_page_fault(text: str) -> bool:
    """A CSP violation or a script error; refused requests (a 4xx shown as a toast, going offline) are not faults."""
    expected = ("Failed to load resource", "net::ERR_INTERNET_DISCONNECTED", "Response Status Error Code",
                "htmx:sendError", "htmx:timeout", "htmx:afterRequest")  # a lost answer (static/app.js resends it)
    return not any(marker in text for marker in expected)


def screenshot(page, name: str, **options) -> None:
    """The page as it looks now, saved as test-artifacts/screenshots/<name>.png when screenshots are on."""
    if SHOTS_ON:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **options)


def print_pdf(page, name: str) -> None:
    """The page printed on A4 (as its print styles lay it out), saved as <name>.pdf when screenshots are on."""
    if SHOTS_ON:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4")


@pytest.fixture
def shoot() -> Callable:
    """Check the page's layout and run axe-core on it (unless `axe=False`): every page a test shoots must have no
    serious or critical accessibility finding; with screenshots on, save it whole as <name>.png first."""

    def save(page, name: str, *, axe: bool = True) -> None:
        page.evaluate("window.scrollTo(0, 0)")  # so the sticky bars sit where a user first sees them
        screenshot(page, name, full_page=True, caret="initial")  # no style="" left on inputs
        problems = layout_problems(page)
        assert not problems, f"{name} ({page.url}): " + "; ".join(problems)
        findings = axe_problems(page) if axe else []
        assert not findings, f"{name} ({page.url}) fails axe: " + "; ".join(findings)

    return save


def log_in(page, base: str, phone: str, password: str = "demo1234", *, to: str | None = None) -> None:
    """Signed in, and on `to` where it is given: the server's own sign-in (POST /login, as the login page sends it),
    its session cookie put in the browser, then page `to` opened (none without it: the test's own first `goto` is its
    first page). The login page itself is driven by test_foundation_flow, test_account_flow and the county's day one;
    here it would only cost every other test two page loads, and a 首页 nobody looks at (its page and the seven
    requests it makes after loading) one more."""
    answer = http.post(f"{base}/login", data={"phone": phone, "password": password}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/", (answer.status_code, answer.text[:200])
    page.context.add_cookies([{"name": COOKIE_NAME, "value": answer.cookies[COOKIE_NAME], "url": base,
                               "httpOnly": True, "sameSite": "Lax"}])
    if to is not None:
        page.goto(f"{base}{to}")


def htmx_settled(page) -> None:
    """htmx has swapped the new content in and taken it up: its hx-* attributes answer. A boosted navigation changes
    the address and swaps the page at once, but htmx wires the new page's forms as it settles (~20 ms later); an
    input's `change` sent in between would send nothing."""
    page.wait_for_function("() => !document.querySelector('.htmx-swapping, .htmx-settling')")


def open_manual_entry(counter) -> None:
    """The counter's typed-code field open: once the page has settled (without a camera, manual entry opens by itself
    when the camera fails; with one, the camera runs and the field is behind 手动输入)."""
    counter.wait_for_function("() => !document.getElementById('counter-manual').hidden || "
                              "document.getElementById('counter-camera-status').textContent === '请把积分码对准框内'")
    if counter.locator("#counter-manual").is_hidden():
        counter.get_by_role("button", name="手动输入").click()


def shoot_both(page, shoot, name: str, *, small: dict = SMALL) -> None:
    """The screen at its size, then again at 360 wide (`name`-360): both checked for layout by `shoot` (what a
    narrower screen can break: overflow, targets, text size), axe at the first (the same page, the same findings)."""
    shoot(page, name)
    size = page.viewport_size
    # Playwright's screenshot leaves style="" on inputs (it hides the caret); htmx would carry it onto the next page's
    # input of the same id, which the CSP refuses. Take it back off.
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
    page.set_viewport_size(small)
    shoot(page, f"{name}-360", axe=False)
    page.set_viewport_size(size)


def fill_award(page, base: str, points: int, reason: str, *, before_filling=None) -> None:
    """An official's award to 赵德明 typed on his household page (for 热心公益), not yet sent."""
    page.goto(f"{base}/admin/households")
    page.get_by_role("link", name=re.compile("赵德明")).first.click()
    if before_filling is not None:
        before_filling()
    page.fill("#award-points", str(points))
    page.select_option("#award-category", "public_good")
    page.fill("#award-reason", reason)
