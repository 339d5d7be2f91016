"""The shop's pages, signed in through the login form like a browser without JavaScript (cookie + CSRF form field):
the client, the outsider official and the helpers every area's page tests use."""

import re
from pathlib import Path

import pytest
from sqlmodel import select

from app.db import session_for
from app.org.models import Household, Role
from tests.conftest import DEMO, add_person
from tests.shop.conftest import pay_code, redeem

PHOTO = Path(__file__).resolve().parents[3] / "app" / "demo_assets" / "goods" / "rice.jpg"
HTMX = {"HX-Request": "true"}
CSRF_HEADER = re.compile(r"hx-headers='\{\"X-CSRF-Token\": \"([0-9a-f]+)\"\}'")
OUTSIDER = "13800000099"  # an official of 邻村, made by the `outsider` fixture
STAFF_PAGES = ["/shop/manage", "/shop/redemptions", "/shop/settlement", "/shop/manage/goods/{goods_id}"]


class Browser:
    """The test client as a browser without JavaScript: the session cookie, the CSRF token in every form."""

    def __init__(self, client) -> None:
        self.client = client
        self.csrf = ""

    def sign_in(self, who: str) -> "Browser":
        self.client.cookies.clear()
        r = self.client.post("/login", data={"phone": DEMO.get(who, who), "password": "demo1234"},
                             follow_redirects=False)
        assert r.status_code == 303, r.text
        match = CSRF_HEADER.search(self.client.get("/me").text)
        assert match, "the page carries no CSRF token in hx-headers"
        self.csrf = match.group(1)
        return self

    def get(self, path: str, **kw):
        return self.client.get(path, follow_redirects=False, **kw)

    def post(self, path: str, data: dict | None = None, **kw):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf}, follow_redirects=False, **kw)


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


@pytest.fixture
def outsider(demo_engine) -> str:
    """An official of 邻村: an official, but of the wrong village."""
    return add_person(demo_engine, phone=OUTSIDER, name="邻村干部", role=Role.official, unit="邻村")


@pytest.fixture
def wang(demo_engine) -> int:
    with session_for(demo_engine, write=False) as s:
        return s.exec(select(Household.id).where(Household.head_name == "王建国")).one()


def done_redeeming(api, shop_id, lines) -> dict:
    r = redeem(api, shop_id, pay_code(api), lines)
    assert r.status_code == 201, r.text
    return r.json()


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>|\s", "", match.group(2))


def item(api, shop_id, **match) -> dict:
    """One goods of the shop's catalogue (switched-off ones too), as the API shows it."""
    items = api.get(f"/shops/{shop_id}/goods?include_inactive=true", "attendant").json()["items"]
    return next(g for g in items if all(g[k] == v for k, v in match.items()))


def movements(api, shop_id, goods_id) -> list[dict]:
    return api.get(f"/shops/{shop_id}/goods/{goods_id}/movements", "attendant").json()["items"]
