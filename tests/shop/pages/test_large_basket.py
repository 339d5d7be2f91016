"""核销 of a large basket at the counter asks once, saying what will happen (issue #18); a small one does not
(SQLite only: markup; the browser test in tests/e2e/test_confirmations.py shows that dismissing sends nothing)."""

import html
import re

import pytest

from app.shop.requests.pages import LARGE_BASKET_POINTS
from tests.shop.pages.conftest import HTMX
from tests.shop.pages.test_requests import code_of, order

pytestmark = pytest.mark.sqlite_only


def asked(basket: str) -> str | None:
    found = re.search(r'<form[^>]*? hx-post="/counter/requests/fulfil"[^>]*?hx-confirm="([^"]*)"', basket)
    return html.unescape(found.group(1)) if found else None


def test_a_large_basket_asks_and_a_small_one_does_not(web, api, shop_id):
    big = api.post(f"/shops/{shop_id}/goods", "attendant",
                   json={"name": "测试电饭煲", "points_price": LARGE_BASKET_POINTS + 20, "stock": 2}).json()
    soap = api.post(f"/shops/{shop_id}/goods", "attendant",
                    json={"name": "测试肥皂", "points_price": LARGE_BASKET_POINTS, "stock": 5}).json()
    codes = {}
    for name, goods in (("big", big), ("small", soap)):
        web.sign_in("villager")
        codes[name] = code_of(web, order(web, shop_id, goods).headers["location"])
    web.sign_in("attendant")
    basket = web.post("/counter/requests/lookup", {"shop_id": shop_id, "code": codes["big"]}, headers=HTMX).text
    assert asked(basket) == (f"核销后 {LARGE_BASKET_POINTS + 20} 积分付给超市，这张兑换单就完成了，不能撤回"
                             "（弄错了只能由村干部撤销）。货已交给村民了吗？确定核销？")
    basket = web.post("/counter/requests/lookup", {"shop_id": shop_id, "code": codes["small"]}, headers=HTMX).text
    assert 'data-testid="req-fulfil"' in basket and asked(basket) is None  # exactly the limit: no question
