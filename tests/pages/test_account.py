"""我的 and signing out as a browser without JavaScript sees it (issue #7, item 6)."""

from tests.pages.conftest import sign_in


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestSignOut:
    def test_the_page_logout_kills_the_cookies_token(self, web):
        csrf = sign_in(web, "villager")
        token = web.cookies.get("zf_session")
        r = web.post("/logout", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert web.get("/api/v1/me", headers=bearer(token)).status_code == 401  # not only forgotten by the browser
        web.cookies.set("zf_session", token)  # a copy of the cookie kept somewhere
        assert web.get("/").headers["location"] == "/login"

    def test_me_offers_logout_everywhere_with_a_confirmation(self, web):
        sign_in(web, "villager")
        page = web.get("/me").text
        assert "退出所有设备" in page and "确认退出所有设备" in page
        assert 'action="/logout-all"' in page

    def test_logout_everywhere_ends_the_other_phones_session(self, web):
        from fastapi.testclient import TestClient

        with TestClient(web.app, follow_redirects=False) as other_phone:
            sign_in(other_phone, "villager")
            assert other_phone.get("/").status_code == 200
            csrf = sign_in(web, "villager")
            r = web.post("/logout-all", data={"csrf_token": csrf})
            assert r.status_code == 303 and r.headers["location"] == "/login"
            assert other_phone.get("/").headers["location"] == "/login"
            assert web.get("/").headers["location"] == "/login"
