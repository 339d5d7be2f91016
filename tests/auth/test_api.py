"""Login, tokens, logout (throttling: test_throttle.py)."""

import time

import pytest
from jose import jwt

from app.security import ALGORITHM, AUDIENCE, ISSUER
from tests.conftest import TEST_SECRET, answer_apart_from_its_id, error_code


class TestLogin:
    def test_returns_token_and_user(self, api):
        r = api.post("/auth/login", json={"phone": "13800000004", "password": "demo1234"})
        assert r.status_code == 200
        body = r.json()
        assert body["token_type"] == "bearer" and body["expires_in"] > 0
        assert body["user"]["phone"] == "13800000004"
        assert body["user"]["household_id"] is not None
        assert {"role": "villager", "org_id": body["user"]["village_id"]} in body["user"]["roles"]

    def test_wrong_phone_and_wrong_password_answer_the_same(self, api):
        wrong_password = api.post("/auth/login", json={"phone": "13800000004", "password": "nope12345"})
        unknown_phone = api.post("/auth/login", json={"phone": "13999999999", "password": "nope12345"})
        assert wrong_password.status_code == unknown_phone.status_code == 401
        assert answer_apart_from_its_id(wrong_password) == answer_apart_from_its_id(unknown_phone)
        assert error_code(wrong_password) == "unauthenticated"

    def test_deactivated_member_cannot_log_in(self, api):
        household = api.get("/me", "villager").json()["household_id"]
        me = api.get("/me", "villager").json()
        r = api.post(f"/households/{household}/members/{me['id']}/deactivate", "official", json={"reason": "迁出"})
        assert r.status_code == 200 and r.json()["active"] is False
        r = api.post("/auth/login", json={"phone": "13800000004", "password": "demo1234"})
        assert r.status_code == 401


def _token(**claims) -> str:
    now = int(time.time())
    base = {"sub": "4", "tv": 0, "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE, "jti": "abc"}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, TEST_SECRET, algorithm=ALGORITHM)


class TestTokens:
    def test_me_needs_a_token(self, api):
        r = api.get("/me")
        assert r.status_code == 401 and error_code(r) == "unauthenticated"

    def test_valid_token_reaches_me(self, api):
        r = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token()}"})
        assert r.status_code == 200 and r.json()["phone"] == "13800000004"

    @pytest.mark.parametrize("token", [
        pytest.param(lambda: _token(exp=int(time.time()) - 10), id="expired"),
        pytest.param(lambda: _token()[:-3] + "abc", id="tampered-signature"),
        pytest.param(lambda: jwt.encode({"sub": "4", "tv": 0, "iat": int(time.time()), "exp": int(time.time()) + 600,
                                         "iss": ISSUER, "aud": AUDIENCE, "jti": "a"}, "another-secret" * 4,
                                        algorithm=ALGORITHM), id="other-secret"),
        pytest.param(lambda: _token(aud=None), id="no-audience"),
        pytest.param(lambda: _token(iss=None), id="no-issuer"),
        pytest.param(lambda: _token(exp=None), id="no-expiry"),
        pytest.param(lambda: _token(aud="someone-else"), id="wrong-audience"),
        pytest.param(lambda: _token(tv=1), id="old-token-version"),
        pytest.param(lambda: _alg_none(), id="alg-none"),
        pytest.param(lambda: "not-a-jwt", id="garbage"),
    ])
    @pytest.mark.sqlite_only  # the token's own checks
    def test_bad_tokens_are_refused(self, api, token):
        r = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token()}"})
        assert r.status_code == 401 and error_code(r) == "unauthenticated"

    def test_password_reset_signs_out_old_tokens(self, api):
        old = api.token("villager")
        me = api.get("/me", "villager").json()
        r = api.post(f"/households/{me['household_id']}/members/{me['id']}/password", "official",
                     json={"password": "new-pass-123"})
        assert r.status_code == 200
        assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
        r = api.post("/auth/login", json={"phone": "13800000004", "password": "new-pass-123"})
        assert r.status_code == 200


def _alg_none() -> str:
    import base64
    import json

    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    now = int(time.time())
    payload = {"sub": "1", "tv": 0, "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE, "jti": "x"}
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


class TestLogout:
    def test_logout_clears_the_cookie(self, api):
        api.client.cookies.set("zf_session", api.token("villager"))
        r = api.post("/auth/logout", "villager")
        assert r.status_code == 204
        assert 'zf_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
