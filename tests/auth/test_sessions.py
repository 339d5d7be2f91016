"""Sign-out means signed out (issue #7, item 6): a logged-out token is refused until it would have expired, on both
databases and across a restart; 退出所有设备 ends every session of the user."""

from datetime import timedelta

from sqlmodel import select

from app.auth.models import RevokedToken
from app.auth.service import revoke_token
from app.db import session_for
from app.main import bind_app
from app.timeutil import utcnow
from tests.conftest import TestClient, error_code, make_settings

VILLAGER = "13800000004"


def sign_in(api, phone: str = VILLAGER) -> dict[str, str]:
    """A session of its own (not the run's cached token): its Authorization header."""
    r = api.post("/auth/login", json={"phone": phone, "password": "demo1234"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def me(api, headers: dict[str, str]):
    return api.client.get("/api/v1/me", headers=headers)


class TestLogout:
    def test_the_same_token_is_refused_after_logout(self, api):
        """The report: after POST /auth/logout the same Bearer token still read /me (200)."""
        session = sign_in(api)
        assert me(api, session).status_code == 200
        assert api.client.post("/api/v1/auth/logout", headers=session).status_code == 204
        r = me(api, session)
        assert r.status_code == 401 and error_code(r) == "unauthenticated"

    def test_other_sessions_of_the_user_stay_signed_in(self, api):
        phone, counter = sign_in(api), sign_in(api)
        assert api.client.post("/api/v1/auth/logout", headers=phone).status_code == 204
        assert me(api, counter).status_code == 200
        assert me(api, phone).status_code == 401

    def test_the_refusal_survives_a_restart(self, api, demo_engine, routed_app):
        session = sign_in(api)
        api.client.post("/api/v1/auth/logout", headers=session)
        restarted = bind_app(routed_app, make_settings(demo_engine), demo_engine, strict_templates=True)
        with TestClient(restarted) as client:
            assert client.get("/api/v1/me", headers=session).status_code == 401

    def test_logging_out_twice_is_harmless(self, api):
        session = sign_in(api)
        assert api.client.post("/api/v1/auth/logout", headers=session).status_code == 204
        assert api.client.post("/api/v1/auth/logout", headers=session).status_code == 401

    def test_expired_revocations_are_cleared_on_the_way(self, api, demo_engine):
        with session_for(demo_engine, write=True) as s:
            s.add(RevokedToken(jti="long-gone", user_id=1, expires_at=utcnow() - timedelta(minutes=1)))
            s.commit()
        api.client.post("/api/v1/auth/logout", headers=sign_in(api))
        with session_for(demo_engine, write=False) as s:
            assert [r.jti for r in s.exec(select(RevokedToken))] != [] and s.get(RevokedToken, "long-gone") is None


class TestRevokeToken:
    def test_a_second_revocation_of_one_token_is_a_no_op(self, demo_engine):
        expires = utcnow() + timedelta(hours=1)
        for _ in range(2):
            with session_for(demo_engine, write=True) as s:
                revoke_token(s, jti="same-jti", user_id=1, expires_at=expires)
                s.commit()
        with session_for(demo_engine, write=False) as s:
            assert len(s.exec(select(RevokedToken).where(RevokedToken.jti == "same-jti")).all()) == 1


class TestLogoutEverywhere:
    def test_every_session_of_the_user_is_refused(self, api):
        phone, tablet = sign_in(api), sign_in(api)
        assert api.client.post("/api/v1/auth/logout-all", headers=phone).status_code == 204
        for session in (phone, tablet):
            r = me(api, session)
            assert r.status_code == 401 and error_code(r) == "unauthenticated"
        assert me(api, sign_in(api)).status_code == 200  # signing in again works

    def test_other_users_stay_signed_in(self, api):
        mine, theirs = sign_in(api), sign_in(api, "13800000001")
        api.client.post("/api/v1/auth/logout-all", headers=mine)
        assert me(api, theirs).status_code == 200
