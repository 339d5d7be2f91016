"""Sign-in throttling without lock-out (issue #7, item 5): a stranger's wrong passwords slow the stranger down, never
the villager on their own phone; X-Forwarded-For counts only from a configured proxy."""


import pytest

from app.__main__ import uvicorn_options
from app.auth.limits import make_login_limits
from app.main import bind_app
from app.ratelimit_db import Limiters
from tests.conftest import TestClient, error_code, make_settings
from tests.served import http, in_thread

pytestmark = pytest.mark.sqlite_only  # the counts live in the process, whatever the database

VILLAGER = "13800000004"


class Clock:
    """A clock the test moves by hand: the waits are checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    fake = Clock()
    app.state.login_limits = make_login_limits(app.state.settings, Limiters(clock=fake))
    return fake


@pytest.fixture
def from_address(app):
    """A JSON client per address: from_address("1.2.3.4").post(...)."""
    clients: list[TestClient] = []

    def open_client(host: str) -> TestClient:
        client = TestClient(app, client=(host, 50000))
        clients.append(client.__enter__())
        return client

    yield open_client
    for client in clients:
        client.__exit__(None, None, None)


def login(client: TestClient, password: str, phone: str = VILLAGER):
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password})


class TestNoLockOut:
    def test_strangers_wrong_passwords_do_not_lock_the_villager_out(self, from_address):
        """The report: five wrong passwords from five addresses, then the villager's right one was refused (429)."""
        for i in range(5):
            assert login(from_address(f"203.0.113.{i}"), "guess-1234").status_code == 401
        assert login(from_address("10.0.0.4"), "demo1234").status_code == 200

    def test_the_villager_signs_in_while_strangers_hammer_past_the_ceiling(self, app, from_address, clock):
        own_phone = from_address("10.0.0.4")
        assert login(own_phone, "demo1234").status_code == 200  # signed in from here before
        refused = 0
        for i in range(60):  # far past the per-phone ceiling, spread over 20 addresses
            r = login(from_address(f"198.51.100.{i % 20}"), "guess-1234")
            refused += r.status_code == 429
            clock.now += 2
        assert refused > 0  # the strangers are held back …
        assert login(own_phone, "demo1234").status_code == 200  # … the villager on their own phone is not

    def test_growing_waits_for_one_phone_and_address(self, from_address, clock):
        stranger = from_address("203.0.113.9")
        for _ in range(3):  # three wrong passwords cost nothing
            assert login(stranger, "guess-1234").status_code == 401
        waits = []
        for _ in range(4):
            r = login(stranger, "guess-1234")
            assert r.status_code == 429 and error_code(r) == "rate_limited"
            waits.append(int(r.headers["Retry-After"]))
            clock.now += waits[-1]
            assert login(stranger, "guess-1234").status_code == 401  # tried again once the wait is over
        assert waits == [1, 2, 4, 8]

    def test_waits_are_capped(self, app, from_address, clock):
        stranger = from_address("203.0.113.9")
        waits = []
        for _ in range(30):
            r = login(stranger, "guess-1234")
            if r.status_code == 429:
                waits.append(int(r.headers["Retry-After"]))
                clock.now += waits[-1]
        cap = app.state.settings.login_max_delay
        assert max(waits) == waits[-1] == cap

    def test_the_right_password_clears_the_pair(self, from_address, clock):
        own_phone = from_address("10.0.0.4")
        for _ in range(3):
            assert login(own_phone, "typo-1234").status_code == 401
        clock.now += 1
        assert login(own_phone, "demo1234").status_code == 200
        for _ in range(3):  # a fresh budget, no wait
            assert login(own_phone, "typo-1234").status_code == 401

    def test_same_answer_whether_or_not_the_phone_exists(self, from_address, clock):
        stranger = from_address("203.0.113.9")
        answers = {}
        for phone in (VILLAGER, "13999999999"):
            for _ in range(3):
                login(stranger, "guess-1234", phone)
            r = login(stranger, "guess-1234", phone)
            answers[phone] = (r.status_code, r.headers["Retry-After"], r.json())
        assert answers[VILLAGER] == answers["13999999999"]
        assert answers[VILLAGER][0] == 429

    def test_one_address_guessing_many_phones_is_held(self, app, from_address, clock):
        stranger = from_address("203.0.113.9")
        limit = app.state.settings.login_attempts_per_client
        codes = [login(stranger, "guess-1234", f"139{i:08d}").status_code for i in range(limit + 1)]
        assert codes[:limit] == [401] * limit and codes[limit] == 429

    def test_good_sign_ins_do_not_use_up_a_shared_address(self, app, from_address, clock):
        """A village behind one address (a carrier's NAT): right passwords give their try back."""
        shared = from_address("100.64.0.1")
        for _ in range(app.state.settings.login_attempts_per_client + 5):
            assert login(shared, "demo1234").status_code == 200


# ---- X-Forwarded-For, under the real server --------------------------------------------------------------------

def _xff_answers(app, base: str) -> list[int]:
    """Four wrong passwords for four phones, each claiming another address in X-Forwarded-For, with a per-address
    ceiling of three: the fourth is held only if every try counted against the one real address."""
    with http.client(base_url=base) as client:
        return [client.post("/api/v1/auth/login", json={"phone": f"139{i:08d}", "password": "guess-1234"},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]


@pytest.fixture
def proxied_app(routed_app, demo_engine, request):
    trusted = getattr(request, "param", "")
    settings = make_settings(demo_engine, login_attempts_per_client=3, trusted_proxies=trusted)
    return bind_app(routed_app, settings, demo_engine, strict_templates=True)


def test_a_loopback_client_cannot_choose_its_address(proxied_app):
    with in_thread(proxied_app, **uvicorn_options(proxied_app.state.settings)) as base:
        assert _xff_answers(proxied_app, base) == [401, 401, 401, 429]


@pytest.mark.parametrize("proxied_app", ["127.0.0.1"], indirect=True)
def test_a_configured_proxy_names_the_client(proxied_app):
    with in_thread(proxied_app, **uvicorn_options(proxied_app.state.settings)) as base:
        assert _xff_answers(proxied_app, base) == [401, 401, 401, 401]

