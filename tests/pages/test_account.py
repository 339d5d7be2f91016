"""我的, signing out and passwords as a browser without JavaScript sees them (issue #7, items 6 and 8)."""

from tests.conftest import DEMO
from tests.pages.conftest import csrf_token, household_id, sign_in


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
        from tests.one_hop import TestClient

        with TestClient(web.app, follow_redirects=False) as other_phone:
            sign_in(other_phone, "villager")
            assert other_phone.get("/").status_code == 200
            csrf = sign_in(web, "villager")
            r = web.post("/logout-all", data={"csrf_token": csrf})
            assert r.status_code == 303 and r.headers["location"] == "/login"
            assert other_phone.get("/").headers["location"] == "/login"
            assert web.get("/").headers["location"] == "/login"


def reset_by(web, who: str, household: str, member_phone: str, password: str = "reset-pass-2468") -> None:
    """`who` resets a member's password through the household page."""
    from sqlmodel import select

    from app.db import session_for
    from app.org.models import User

    csrf = sign_in(web, who)
    with session_for(web.app.state.engine, write=False) as s:
        member = s.exec(select(User).where(User.phone == member_phone)).one()
    r = web.post(f"/admin/households/{household}/members/{member.id}/password",
                 data={"password": password, "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=password"), r.text[:300]
    web.post("/logout", data={"csrf_token": csrf})


class TestOneTimePassword:
    def test_the_one_time_password_leads_to_setting_a_new_one_and_nothing_else(self, web, web_engine):
        reset_by(web, "official", household_id(web_engine, "王建国"), DEMO["villager"])
        r = web.post("/login", data={"phone": DEMO["villager"], "password": "reset-pass-2468"})
        assert r.status_code == 303 and r.headers["location"] == "/password"
        for page in ("/", "/points", "/pay", "/me"):
            assert web.get(page).headers["location"] == "/password", page
        assert web.get("/", headers={"HX-Request": "true"}).headers["hx-redirect"] == "/password"
        page = web.get("/password").text
        assert "设置新密码" in page and "您的密码已由 张书记（村干部）于" in page
        assert 'class="tabbar"' not in page and "当前密码" not in page
        csrf = csrf_token(page)
        r = web.post("/password", data={"password": "my-own-pass-97", "password_again": "my-own-pass-97x",
                                        "csrf_token": csrf})
        assert r.status_code == 422 and "两次输入的新密码不一样" in r.text
        r = web.post("/password", data={"password": "my-own-pass-97", "password_again": "my-own-pass-97",
                                        "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/?done=password"
        home = web.get(r.headers["location"]).text
        assert "新密码已设好" in home and "您的密码已由 张书记（村干部）于" in home
        assert "密码已由" not in web.get("/").text  # seen once, then gone

    def test_the_rest_of_the_household_is_told(self, web, web_engine):
        wang = household_id(web_engine, "王建国")
        csrf = sign_in(web, "official")
        web.post(f"/admin/households/{wang}/members", data={"name": "王小军", "phone": "13912340001",
                                                            "password": "xiaojun-2024", "csrf_token": csrf})
        web.post("/logout", data={"csrf_token": csrf})
        reset_by(web, "official", wang, DEMO["villager"])
        login = web.post("/login", data={"phone": "13912340001", "password": "xiaojun-2024"})
        assert login.headers["location"] == "/password"  # the password the official chose is a one-time one
        r = web.post("/password", data={"password": "xiaojun-own-1", "password_again": "xiaojun-own-1",
                                        "csrf_token": csrf_token(web.get("/password").text)})
        home = web.get(r.headers["location"]).text
        assert "王建国的密码已由 张书记（村干部）于" in home and "如果不是本人请求的" in home


class TestWhoSeesTheResetForm:
    def test_an_official_is_sent_to_the_town_admin_for_a_volunteer(self, web, web_engine):
        sign_in(web, "official")
        page = web.get(f"/admin/households/{household_id(web_engine, '李秀英')}").text
        assert "密码须由乡镇管理员重置" in page and "/password" not in page

    def test_the_town_admin_resets_but_does_not_manage(self, web, web_engine):
        sign_in(web, "town_admin")
        assert "农户管理" in web.get("/").text
        li = household_id(web_engine, "李秀英")
        page = web.get(f"/admin/households/{li}").text
        assert "重置密码" in page and f"/admin/households/{li}/members/" in page
        assert "发放积分" not in page and "停用该成员" not in page and "添加成员" not in page
        reset_by(web, "town_admin", li, DEMO["volunteer"])


class TestChangeOwnPassword:
    def test_from_me_with_the_current_password(self, web):
        sign_in(web, "villager")
        assert 'href="/password"' in web.get("/me").text
        page = web.get("/password").text
        assert "修改密码" in page and "当前密码" in page
        data = {"current_password": "wrong-pass-1", "password": "my-own-pass-97", "password_again": "my-own-pass-97",
                "csrf_token": csrf_token(page)}
        r = web.post("/password", data=data)
        assert r.status_code == 422 and "当前密码不正确" in r.text
        r = web.post("/password", data={**data, "current_password": "demo1234"})
        assert r.status_code == 303
        assert "新密码已设好" in web.get(r.headers["location"]).text
        web.cookies.clear()
        assert web.post("/login", data={"phone": DEMO["villager"], "password": "my-own-pass-97"}).status_code == 303
