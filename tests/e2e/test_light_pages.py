"""The basket page (扫码兑换) is light (issue #18 item 6): its goods photos are thumbnails drawn at their size from
the start (nothing moves when they arrive), the first screen's come at once and the rest wait for a scroll; its
static files come under hashed names kept a year. At 390×844 and 360×640, with screenshots."""

import re

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import log_in, screenshot

WAIT = 20_000
PHOTOS = """() => Array.from(document.querySelectorAll('#order-goods img')).map(i => ({
  src: i.getAttribute('src'), natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
  loading: i.loading, complete: i.complete}))"""
SHIFT = """() => new Promise(done => { let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) total += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => done(total), 300); })"""


@pytest.mark.parametrize(("width", "height"), [(390, 844), (360, 640)])
def test_the_basket_page_shows_thumbnails_without_moving(live_server, new_context, shoot, width, height):
    context = new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    statics: list[tuple[str, str]] = []
    page.on("response", lambda r: "/static/" in r.url and statics.append((r.url, r.headers.get("cache-control", ""))))
    log_in(page, live_server, DEMO["villager"], to="/shop")
    page.wait_for_function("Array.from(document.querySelectorAll('#shop-goods img:not([loading=lazy])'))"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    screenshot(page, f"shop-{width}x{height}")  # the goods grid: 360 px thumbnails
    page.get_by_role("link", name=re.compile("在手机上选好商品")).click()
    page.wait_for_url(re.compile(r"/shop/order/\d+$"))
    page.wait_for_function("Array.from(document.querySelectorAll('#order-goods img[loading=eager], "
                           "#order-goods img:not([loading])')).every(i => i.complete)")
    photos = page.evaluate(PHOTOS)
    assert len(photos) >= 10
    for p in photos:
        assert re.fullmatch(r"/media/goods/\d+/160\.jpg", p["src"]), p
        assert p["shown"] == 88 and (not p["complete"] or p["natural"] <= 160), p
    assert [p["loading"] for p in photos[:4]] == ["auto"] * 4 and {p["loading"] for p in photos[4:]} == {"lazy"}
    assert page.evaluate(SHIFT) < 0.01  # the photos' boxes are there before the photos
    hashed = [cc for url, cc in statics if re.search(r"/static/[^/]+\.[0-9a-f]{12}\.\w+$", url)]
    assert len(hashed) >= 5 and all("immutable" in cc for cc in hashed), statics
    shoot(page, f"e2-basket-{width}x{height}")
    screenshot(page, f"basket-{width}x{height}")  # the first screen, as the villager sees it
    screenshot(page, f"basket-{width}x{height}-full", full_page=True)
