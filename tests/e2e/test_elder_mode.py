"""长辈模式 and 朗读 in the browser (issue #21 items 1 and 2).

The switch is turned on from 我的; 首页 shows its four tiles; a walk of every page a villager reaches from the tabs,
in 长辈模式 at 360 wide, finds no text under 20 px, no button or link under 56 px, no sideways scrolling and no
serious axe finding; turned off, the usual page is back. 朗读 with a stubbed speechSynthesis (a Chinese voice, or
none): the button shows only with a Chinese voice, and speaks the words the page wrote (六百积分, not 6-0-0)."""

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import DEMO
from tests.e2e.a11y import axe_problems
from tests.e2e.conftest import PHONE, SHOTS_ON, log_in, screenshot
from tests.e2e.layout import _MEASURE

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 780}
ELDER_TEXT_PX, ELDER_TARGET_PX = 20, 56
LOAD = 20_000
# Where the walk does not go: pages that end the session, downloads, photos, print sheets and the API.
SKIP = re.compile(r"^/(logout|api/|static/|media/|docs|openapi)|\.(jpg|png|xlsx|svg|pdf)$|/print|/photo|/text$")


def elder_problems(page) -> list[str]:
    """What 长辈模式 promises, measured over the visible elements: text ≥ 20 px, every link, button, field and summary
    ≥ 56 px each way, nothing cut off or scrolling sideways (tests/e2e/layout.py's walk with the elder figures)."""
    return page.evaluate(_MEASURE, [ELDER_TARGET_PX, ELDER_TEXT_PX])


def snap(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, full_page=True, caret="initial")


def settle(page) -> None:
    """The page and the parts htmx fetches after loading (badges, 首页's cards) are in (the pay screen's long wait
    for a receipt never ends, so no "networkidle")."""
    page.wait_for_load_state("load", timeout=LOAD)
    page.wait_for_function("() => !document.querySelector('[hx-trigger=load][hx-swap=outerHTML], .htmx-request')",
                           timeout=LOAD)


def links_of(page, base: str) -> list[str]:
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc and f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and not SKIP.search(parts.path):
            found.append(path)
    return found


def turn_on_from_me(page, base: str) -> None:
    page.goto(f"{base}/me")
    page.get_by_role("button", name=re.compile("打开长辈模式")).click()
    page.locator("html.elder").wait_for(state="attached", timeout=LOAD)
    page.get_by_role("button", name=re.compile("关闭长辈模式")).wait_for()


def test_elder_mode_on_walk_and_off(live_server, new_context):
    base = live_server
    page = new_context(viewport=PHONE).new_page()
    log_in(page, base, DEMO["villager"])
    settle(page)
    snap(page, "elder-00-home-usual")
    usual_tiles = page.locator(".elder-tile").count()
    assert usual_tiles == 0

    turn_on_from_me(page, base)
    assert page.url == f"{base}/me"
    page.get_by_role("link", name="首页").click()
    page.locator(".elder-tiles").wait_for(timeout=LOAD)
    tiles = page.locator(".elder-tile")
    assert tiles.all_inner_texts() == ["出示积分码", "我的积分\n600", "村里公告", "找人帮忙"]
    boxes = [tiles.nth(i).bounding_box() for i in range(4)]
    assert all(b["height"] >= ELDER_TARGET_PX for b in boxes)
    assert len({round(b["x"]) for b in boxes}) == 1  # one column: one under the other
    assert page.locator(".tab-badge:visible, .count-badge:visible").count() == 0  # no badges

    if SHOTS_ON:  # screenshots at 390 and at 360 of 首页, 我的, 我的积分 and a disclosure, for people to open
        page.goto(f"{base}/disclosures")
        disclosure = next(p for p in links_of(page, base) if re.fullmatch(r"/disclosures/\d+", p))
        for name, path in [("home", "/"), ("me", "/me"), ("points", "/points"), ("disclosure", disclosure)]:
            for size, tag in [(PHONE, "390"), (NARROW, "360")]:
                page.set_viewport_size(size)
                page.goto(base + path)
                settle(page)
                snap(page, f"elder-{name}-{tag}")

    # The walk, at 360 wide: every page reached from the tabs and from the pages they link to.
    page.set_viewport_size(NARROW)
    seen, queue, problems = set(), ["/", "/points", "/service", "/disclosures", "/me"], {}
    while queue and len(seen) < 60:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)  # one order, one disclosure … stands for all
        if shape in seen:
            continue
        seen.add(shape)
        if path.startswith("/public/"):  # signed-out pages for everyone (积分公示's 公开链接): one page, no reader
            continue
        answer = page.goto(base + path)
        if answer is None or answer.status >= 400 or urlsplit(page.url).path == "/login":
            continue
        settle(page)
        assert page.locator("html.elder").count() == 1, path
        snap(page, "elder-walk" + re.sub(r"[^a-zA-Z0-9]+", "-", shape).rstrip("-"))
        found = elder_problems(page) + axe_problems(page)
        if found:
            problems[path] = found
        queue.extend(p for p in links_of(page, base) if re.sub(r"\d+", "N", p) not in seen)
    reached = {"/", "/points", "/pay", "/service", "/service/order/new", "/service/orders/N", "/disclosures",
               "/disclosures/N", "/me", "/password", "/messages", "/shop", "/scan", "/my/requests"}
    assert reached <= seen, sorted(reached - seen)  # the walk did go round
    assert not problems, "\n".join(f"{p}: {'; '.join(f)}" for p, f in problems.items())

    # Off again, from 我的: the usual 首页.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/me")
    page.get_by_role("button", name=re.compile("关闭长辈模式")).click()
    page.get_by_role("button", name=re.compile("打开长辈模式")).wait_for(timeout=LOAD)
    assert page.locator("html.elder").count() == 0
    page.goto(f"{base}/")
    settle(page)
    assert page.locator(".elder-tile").count() == 0
    assert page.get_by_test_id("balance").inner_text() == "600" and page.get_by_text("最近明细").is_visible()
    snap(page, "elder-01-home-usual-again")


SPEECH_STUB = """(voices) => {
  const spoken = [], listeners = [];
  let shown = [];
  window.__spoken = spoken;
  window.__giveVoices = () => { shown = voices; listeners.forEach((f) => f()); };
  const synth = {
    getVoices: () => shown,
    speak: (u) => { spoken.push({text: u.text, lang: u.lang}); setTimeout(() => u.onend && u.onend(), 0); },
    cancel: () => {},
    addEventListener: (type, f) => { if (type === "voiceschanged") listeners.push(f); },
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
}"""


def speaking_phone(new_context, voices: list[dict]):
    """A phone whose speech lists `voices` once it has loaded them (voiceschanged, as Chrome on Android does)."""
    context = new_context(viewport=PHONE)
    context.add_init_script(f"({SPEECH_STUB})({json.dumps(voices)})")
    return context.new_page()


def spoken(page) -> list[dict]:
    return page.evaluate("window.__spoken")


def test_read_aloud_speaks_the_words_with_a_chinese_voice(live_server, new_context, shoot):
    base = live_server
    page = speaking_phone(new_context, [{"lang": "zh-CN", "name": "普通话"}])
    log_in(page, base, DEMO["villager"], to="/points")
    button = page.get_by_test_id("points-read-aloud")
    assert not button.is_visible()  # no voice listed yet
    page.evaluate("window.__giveVoices()")
    button.wait_for(state="visible")
    shoot(page, "elder-read-aloud-points")
    button.click()
    said = spoken(page)
    assert len(said) == 1 and said[0]["lang"] == "zh-CN"
    assert said[0]["text"].startswith("王建国家，积分余额六百积分。最近的明细：二〇二")
    assert not re.search(r"\d", said[0]["text"])

    # A disclosure, and an order's state (each page opened afresh: its voices are listed anew).
    page.goto(f"{base}/disclosures")
    page.goto(base + page.locator("a[href^='/disclosures/']").first.get_attribute("href"))
    page.evaluate("window.__giveVoices()")
    page.get_by_test_id("disclosure-read-aloud").click()
    words = spoken(page)[-1]["text"]
    assert "公开：" in words and "发布。" in words and not re.search(r"\d", words)
    page.goto(f"{base}/service")
    page.goto(base + page.locator("a[href^='/service/orders/']").first.get_attribute("href"))
    page.evaluate("window.__giveVoices()")
    page.get_by_test_id("order-read-aloud").click()
    status = page.get_by_test_id("order-status").inner_text()
    assert f"现在的状态：{status}" in spoken(page)[-1]["text"]


def test_read_aloud_hidden_without_a_chinese_voice(live_server, new_context):
    base = live_server
    page = speaking_phone(new_context, [{"lang": "en-US", "name": "English"}])
    log_in(page, base, DEMO["villager"], to="/points")
    page.evaluate("window.__giveVoices()")
    assert page.get_by_test_id("points-read-aloud").count() == 1
    assert not page.get_by_test_id("points-read-aloud").is_visible()
    assert page.evaluate("document.documentElement.classList.contains('zf-voice')") is False
