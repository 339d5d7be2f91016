"""Who may keep a page (issue #18 item 6): signed-in pages are private and revalidated, so the back/forward cache may
keep them; a page showing a live code or a secret is no-store (and says so to app.js); signing out tells the browser
to drop what it kept. The browser side (a kept 首页, a never-kept 积分码) is tests/e2e/test_back_forward.py."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.shop.models import Shop
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
PERSONAL, SECRET = "private, no-cache", "no-store"
LIVE_META = '<meta name="zf-live" content="1">'


@pytest.fixture
def shop_id(web_engine) -> int:
    with session_for(web_engine, write=False) as s:
        return s.exec(select(Shop.id).where(Shop.name == "振风超市")).one()


def header(r) -> str:
    return r.headers.get("cache-control", "")


class TestPersonalPages:
    @pytest.mark.parametrize("path", ["/", "/points", "/me", "/shop", "/service", "/disclosures", "basket"])
    def test_a_villagers_pages_may_be_kept_for_the_back_button(self, web, shop_id, path):
        sign_in(web, "villager")
        r = web.get(f"/shop/order/{shop_id}" if path == "basket" else path)
        assert (r.status_code, header(r)) == (200, PERSONAL), path
        assert LIVE_META not in r.text

    def test_the_login_page_is_not_no_store(self, web):
        r = web.get("/login")
        assert r.status_code == 200 and SECRET not in header(r)


class TestSecretPages:
    def test_the_pay_code(self, web):
        sign_in(web, "villager")
        r = web.get("/pay")
        assert (r.status_code, header(r)) == (200, SECRET) and LIVE_META in r.text

    @pytest.mark.parametrize("path", ["/counter", "/counter/requests"])
    def test_the_counter(self, web, path):
        sign_in(web, "attendant")
        r = web.get(path)
        assert (r.status_code, header(r)) == (200, SECRET) and LIVE_META in r.text

    def test_the_redemption_code(self, web, shop_id):
        token = sign_in(web, "villager")
        basket = web.get(f"/shop/order/{shop_id}").text
        goods_id = re.search(r'name="q_(\d+)"', basket).group(1)
        key = re.search(r'name="form_key" value="([^"]+)"', basket).group(1)
        made = web.post(f"/shop/order/{shop_id}", data={f"q_{goods_id}": "1", "form_key": key, "csrf_token": token})
        assert made.status_code == 303, made.text
        r = web.get(made.headers["location"])
        assert (r.status_code, header(r)) == (200, SECRET) and LIVE_META in r.text
        assert 'data-testid="request-digits"' in r.text

    def test_a_one_time_password_slip(self, web):
        token = sign_in(web, "official")
        page = web.get("/admin/households/new")
        key = re.search(r'name="form_key" value="([^"]+)"', page.text)
        r = web.post("/admin/households", data={
            "head_name": "孙立新", "address": "示范村四组 6 号", "member_name": "孙立新", "member_phone": "13912345678",
            "member_password": "sunlixin2024", "csrf_token": token, **({"form_key": key.group(1)} if key else {})})
        assert r.status_code == 200 and "账号开通单" in r.text
        assert header(r) == SECRET


class TestSigningOut:
    @pytest.mark.parametrize("path", ["/logout", "/logout-all"])
    def test_the_browser_is_told_to_drop_what_it_kept(self, web, path):
        token = sign_in(web, "villager")
        r = web.post(path, data={"csrf_token": token})
        assert (r.status_code, r.headers["location"]) == (303, "/login")
        assert r.headers["clear-site-data"] == '"cache"'
        assert web.get("/").status_code == 303  # and the session is over

