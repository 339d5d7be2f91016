"""The pages as a browser without JavaScript (and htmx) sees them: shell, sign-in, CSRF, escaping, partials, weight."""

import gzip
import io
import json
import re

from PIL import Image

from tests.pages.conftest import household_count, household_id, sign_in

PERSONAL_PAGES = ["/", "/points", "/me", "/admin/households", "/admin/households/new", "/admin/audit"]
PAGE_WEIGHT_BUDGET = 60 * 1024
HTMX = {"HX-Request": "true"}
NEW_HOUSEHOLD = {"head_name": "孙立新", "address": "示范村四组 6 号", "member_name": "孙立新",
                 "member_phone": "13912345678", "member_password": "sunlixin2024"}


def shell_entries(source: str) -> list[str]:
    match = re.search(r"const SHELL = \[([^\]]*)\]", source)
    assert match, "sw.js has no SHELL list"
    return re.findall(r'"([^"]+)"', match.group(1))


class TestShell:
    def test_manifest_is_served_as_a_web_app_manifest_with_icons(self, web):
        r = web.get("/manifest.webmanifest")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/manifest+json")
        manifest = json.loads(r.content)
        assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
        sizes = set()
        for icon in manifest["icons"]:
            image = web.get(icon["src"])
            assert image.status_code == 200 and image.headers["content-type"] == icon["type"] == "image/png"
            width, height = Image.open(io.BytesIO(image.content)).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(icon["sizes"])
        assert {"192x192", "512x512"} <= sizes

    def test_service_worker_is_served_as_javascript_for_the_whole_site(self, web):
        r = web.get("/sw.js")
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] in {"text/javascript", "application/javascript"}
        assert r.headers["service-worker-allowed"] == "/"
        assert "no-cache" in r.headers["cache-control"]

    def test_service_worker_caches_only_the_public_shell(self, web):
        source = web.get("/sw.js").text
        shell = shell_entries(source)
        assert "/offline" in shell
        for path in shell:
            assert not path.startswith("/api/") and path not in PERSONAL_PAGES
            assert web.get(path).status_code == 200, f"{path} must be public, or the precache fails"
        # Written to the cache: the SHELL list at install, then only /static/ and /media/ answers (what the browser
        # test finds in the cache after visiting personal pages is checked in tests/e2e/test_foundation_flow.py).
        assert "c.addAll(SHELL)" in source
        assert len(re.findall(r"cache\.put\(", source)) == 2
        assert 'url.pathname.startsWith("/media/")' in source and 'url.pathname.startsWith("/static/")' in source
        assert 'url.pathname.startsWith("/api/")) return' in source
        assert 'fetch(req).catch(() => caches.match("/offline"))' in source

    def test_offline_page_renders_for_anyone_without_personal_data(self, web):
        sign_in(web, "villager")
        r = web.get("/offline")
        assert r.status_code == 200 and "网络不可用" in r.text
        assert "王建国" not in r.text and "csrf" not in r.text.lower() and "主导航" not in r.text


class TestSignIn:
    def test_pages_redirect_to_login_without_a_session(self, web):
        for path in PERSONAL_PAGES:
            r = web.get(path)
            assert (r.status_code, r.headers.get("location")) == (303, "/login"), path

    def test_htmx_requests_without_a_session_are_sent_to_login(self, web):
        r = web.get("/points", headers=HTMX)
        assert r.headers["hx-redirect"] == "/login"

    def test_wrong_password_says_so_on_the_page(self, web):
        r = web.post("/login", data={"phone": "13800000004", "password": "wrong-password"})
        assert r.status_code == 401
        assert "手机号或密码错误" in r.text and 'value="13800000004"' in r.text
        assert "zf_session" not in r.headers.get("set-cookie", "")

    def test_right_password_lands_on_home_with_the_balance(self, web):
        r = web.post("/login", data={"phone": "13800000004", "password": "demo1234"})
        assert (r.status_code, r.headers["location"]) == (303, "/")
        cookie = r.headers["set-cookie"]
        assert "zf_session=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        home = web.get("/")
        assert home.status_code == 200 and '<p class="balance" data-testid="balance">600</p>' in home.text

    def test_personal_pages_are_private_and_revalidated(self, web):
        """Kept by no shared cache, asked again on every normal visit; the back/forward cache may keep them (the
        pages holding a code or secret are no-store: tests/pages/test_cache_headers.py)."""
        sign_in(web, "villager")
        for path in ("/", "/points", "/me"):
            assert web.get(path).headers["cache-control"] == "private, no-cache", path


class TestCsrf:
    def test_form_post_without_the_token_is_refused_and_writes_nothing(self, web, web_engine):
        sign_in(web, "official")
        before = household_count(web_engine)
        r = web.post("/admin/households", data=NEW_HOUSEHOLD)
        assert r.status_code == 403 and "页面已过期，请刷新后重试" in r.text
        assert household_count(web_engine) == before and household_id(web_engine, "孙立新") is None

    def test_form_post_with_a_token_from_another_session_is_refused(self, web, web_engine):
        stale = sign_in(web, "official")
        web.post("/logout", data={"csrf_token": stale})
        sign_in(web, "official")
        r = web.post("/admin/households", data={**NEW_HOUSEHOLD, "csrf_token": stale})
        assert r.status_code == 403 and household_id(web_engine, "孙立新") is None

    def test_form_post_with_the_token_works_without_javascript(self, web, web_engine):
        token = sign_in(web, "official")
        r = web.post("/admin/households", data={**NEW_HOUSEHOLD, "csrf_token": token})
        new_id = household_id(web_engine, "孙立新")
        assert r.status_code == 200 and "账号开通单" in r.text  # the one-time password's slip, shown this once
        assert r.headers["HX-Push-Url"] == f"/admin/households/{new_id}?done=create"
        page = web.get(r.headers["HX-Push-Url"])
        assert "农户已登记" in page.text and "13912345678" in page.text

    def test_htmx_post_carries_the_token_in_a_header(self, web, web_engine):
        token = sign_in(web, "official")
        wang = household_id(web_engine, "王建国")
        r = web.post(f"/admin/households/{wang}/awards", data={"points": "20", "reason": "清理河道垃圾",
                                                               "category": "hygiene"},
                     headers={**HTMX, "X-CSRF-Token": token})
        assert r.status_code == 204 and r.headers["hx-redirect"] == f"/admin/households/{wang}?done=award"
        assert '<p class="balance" data-testid="balance">620</p>' in web.get(f"/admin/households/{wang}").text

    def test_a_boosted_form_gets_a_plain_redirect_that_htmx_follows(self, web, web_engine):
        token = sign_in(web, "official")
        wang = household_id(web_engine, "王建国")
        r = web.post(f"/admin/households/{wang}/awards", data={"points": "20", "reason": "清理河道垃圾"},
                     headers={**HTMX, "HX-Boosted": "true", "X-CSRF-Token": token})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/households/{wang}?done=award"
        assert "hx-redirect" not in r.headers


class TestEscaping:
    def test_user_text_is_shown_as_text_not_run_as_markup(self, web, web_engine):
        token = sign_in(web, "official")
        name = "<script>alert(1)</script>"
        r = web.post("/admin/households", data={**NEW_HOUSEHOLD, "member_name": name, "head_name": name,
                                                "csrf_token": token})
        assert r.status_code == 200 and name not in r.text  # the slip names the member
        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        for path in (r.headers["HX-Push-Url"], "/admin/households", "/admin/households?q=alert"):
            html = web.get(path).text
            assert escaped in html and name not in html, path


class TestHtmx:
    def test_search_returns_only_the_rows_for_htmx(self, web):
        sign_in(web, "official")
        r = web.get("/admin/households", params={"q": "王"}, headers=HTMX)
        assert r.status_code == 200 and "HX-Request" in r.headers["vary"]
        assert "<html" not in r.text and "<body" not in r.text and 'class="tabbar"' not in r.text
        assert "王建国" in r.text and "李秀英" not in r.text

    def test_search_without_htmx_and_boosted_navigation_get_the_whole_page(self, web):
        sign_in(web, "official")
        for headers in ({}, {**HTMX, "HX-Boosted": "true"}, {**HTMX, "HX-History-Restore-Request": "true"}):
            r = web.get("/admin/households", params={"q": "王"}, headers=headers)
            assert r.status_code == 200 and "<html" in r.text and "HX-Request" in r.headers["vary"], headers
            assert "王建国" in r.text and "李秀英" not in r.text

    def test_a_refused_htmx_form_comes_back_as_a_toast(self, web, web_engine):
        token = sign_in(web, "official")
        wang = household_id(web_engine, "王建国")
        r = web.post(f"/admin/households/{wang}/awards", data={"points": "20", "reason": "  "},
                     headers={**HTMX, "X-CSRF-Token": token})
        assert r.status_code == 422
        assert r.headers["hx-retarget"] == "#toast" and r.headers["hx-reswap"] == "innerHTML"
        assert "请填写奖励理由" in r.text and "<html" not in r.text
        assert '<p class="balance" data-testid="balance">600</p>' in web.get(f"/admin/households/{wang}").text

    def test_a_refused_plain_form_comes_back_as_an_error_page(self, web, web_engine):
        token = sign_in(web, "official")
        wang = household_id(web_engine, "王建国")
        r = web.post(f"/admin/households/{wang}/awards", data={"points": "0", "reason": "打扫卫生",
                                                               "csrf_token": token})
        assert r.status_code == 422 and "<html" in r.text and "积分应为 1 到" in r.text


class TestPageWeight:
    def test_villager_home_and_its_assets_fit_the_budget(self, web):
        sign_in(web, "villager")
        html = web.get("/")
        assert html.status_code == 200
        assets = re.findall(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/[^"]+)"', html.text)
        assert any(a.endswith(".css") for a in assets) and any("htmx" in a for a in assets)
        sizes = {"/ (HTML)": len(gzip.compress(html.content))}
        for asset in dict.fromkeys(assets):
            r = web.get(asset)
            assert r.status_code == 200, asset
            sizes[asset] = len(gzip.compress(r.content))
        total = sum(sizes.values())
        print("\nvillager home, gzip bytes: " + ", ".join(f"{k} {v}" for k, v in sizes.items())
              + f"; total {total} ({total / 1024:.1f} KB of {PAGE_WEIGHT_BUDGET // 1024} KB)")
        assert total <= PAGE_WEIGHT_BUDGET

    def test_text_assets_are_sent_compressed(self, web):
        for asset in ("/static/app.css", "/static/htmx-2.0.11.min.js"):
            r = web.get(asset, headers={"Accept-Encoding": "gzip"})
            assert r.headers.get("content-encoding") == "gzip", asset


def test_login_page_sends_a_signed_in_user_home_and_a_revoked_one_back_to_login(sqlite_engine):
    from sqlmodel import select

    from app.db import session_for
    from app.demo import seed_demo_world
    from app.main import create_app
    from app.org.models import User
    from tests.conftest import DEMO_HASH, make_settings
    from tests.one_hop import TestClient

    with session_for(sqlite_engine, write=True) as s:
        seed_demo_world(s, password_hash=DEMO_HASH)
        s.commit()
    with TestClient(create_app(make_settings(sqlite_engine), engine=sqlite_engine)) as client:
        client.post("/login", data={"phone": "13800000004", "password": "demo1234"})
        assert client.get("/login", follow_redirects=False).headers["location"] == "/"
        with session_for(sqlite_engine, write=True) as s:
            user = s.exec(select(User).where(User.phone == "13800000004")).one()
            user.token_version += 1
            s.add(user)
            s.commit()
        r = client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert "zf_session" not in client.cookies
        assert client.get("/login").status_code == 200  # no redirect loop
