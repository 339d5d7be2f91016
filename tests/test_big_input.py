"""Big input: request bodies are capped before they are read (app/middleware.py BodyCap), passwords are capped
before they are hashed (issue #7, item 3: a 50 MB JSON was read whole, a 20 MB password hashed with argon2)."""

import json
import select
import socket
from urllib.parse import urlsplit

import pytest
from sqlmodel import func
from sqlmodel import select as sql_select

from app.main import bind_app
from app.org.models import Household
from app.org.service import MAX_PASSWORD
from tests.conftest import error_code, make_settings
from tests.e2e.conftest import live_server  # noqa: F401 - the app under uvicorn, for bodies that really stream
from tests.shop.test_goods_api import jpeg_bytes

pytestmark = pytest.mark.sqlite_only  # the caps act before any database is touched

MB = 1024 * 1024
TOO_LARGE = "提交的内容太大，请删减后再试"
UPLOAD_TOO_LARGE = "文件太大：照片、PDF 和 Excel 文件都不能超过 5 MB"


def households(session) -> int:
    session.rollback()
    return session.exec(sql_select(func.count()).select_from(Household)).one()


def json_of(size: int) -> bytes:
    return json.dumps({"head_name": "大户", "address": "x" * size}).encode()


class TestBodyCap:
    def test_a_50_mb_json_body_is_refused_before_it_is_read(self, api, session):
        before = households(session)
        r = api.client.post("/api/v1/households", content=json_of(50 * MB),
                            headers=api.headers("official", **{"Content-Type": "application/json"}))
        assert r.status_code == 413 and error_code(r) == "too_large"
        assert r.json()["error"]["message"] == TOO_LARGE
        assert households(session) == before

    def test_a_chunked_body_is_counted_as_it_comes(self, api):
        def chunks():  # no Content-Length: the cap counts the bytes
            for _ in range(3):
                yield b" " * MB

        r = api.client.post("/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
        assert "content-length" not in r.request.headers
        assert r.status_code == 413 and error_code(r) == "too_large"

    def test_a_body_under_the_cap_reaches_the_service(self, api):
        r = api.client.post("/api/v1/households", content=json_of(900_000),
                            headers=api.headers("official", **{"Content-Type": "application/json"}))
        assert r.status_code == 422  # past the cap, refused by the service (an address is 200 characters at most)

    def test_a_page_says_so_in_chinese(self, api):
        r = api.client.post("/admin/households", data={"head_name": "大户", "address": "x" * (2 * MB)},
                            headers=api.headers("official"))
        assert r.status_code == 413 and "<html" in r.text and TOO_LARGE in r.text
        toast = api.client.post("/admin/households", data={"head_name": "大户", "address": "x" * (2 * MB)},
                                headers=api.headers("official", **{"HX-Request": "true"}))
        assert toast.status_code == 413 and toast.headers["HX-Retarget"] == "#toast" and TOO_LARGE in toast.text

    def test_a_photo_upload_may_be_larger_but_not_without_end(self, api):
        url = "/api/v1/shops/1/goods/1/photo"
        big = api.client.put(url, files={"photo": ("p.jpg", b"\xff" * (7 * MB), "image/jpeg")},
                             headers=api.headers("official"))
        assert big.status_code == 413 and big.json()["error"]["message"] == UPLOAD_TOO_LARGE
        over_5 = api.client.put(url, files={"photo": ("p.jpg", b"\xff" * (5 * MB + 100), "image/jpeg")},
                                headers=api.headers("official"))
        assert over_5.status_code == 413 and "照片不能超过 5 MB" in over_5.json()["error"]["message"]  # the photo's own
        ok = api.client.put(url, files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")},
                            headers=api.headers("official"))
        assert ok.status_code == 200

    def test_the_caps_come_from_the_settings(self, api, demo_engine, routed_app):
        bind_app(routed_app, make_settings(demo_engine, max_body_bytes=2000), demo_engine, strict_templates=True)
        r = api.client.post("/api/v1/households", content=json_of(3000),
                            headers=api.headers("official", **{"Content-Type": "application/json"}))
        assert r.status_code == 413


def _post_50_mb(base: str, *, chunked: bool) -> tuple[int, bytes]:
    """Send up to 50 MB of JSON to the login, stopping as soon as the server answers: (bytes sent, answer)."""
    total, piece = 50 * MB, b" " * 65536
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        length = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % total
        sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + length + b"\r\n\r\n")
        sent = 0
        while sent < total and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except OSError:  # the server answered and closed: the answer is waiting to be read
                break
            sent += len(piece)
        return sent, sock.recv(65536)


class TestUnderUvicorn:
    @pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
    def test_50_mb_are_refused_long_before_they_are_all_sent(self, live_server, chunked):  # noqa: F811
        sent, answer = _post_50_mb(live_server, chunked=chunked)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b'"code":"too_large"' in answer
        assert sent < 50 * MB  # the server stopped reading: what was sent is only what the sockets could buffer


class TestPasswordLength:
    """No password is longer than 128 characters: a longer one is refused before argon2 sees it."""

    @pytest.fixture
    def hashing(self, monkeypatch) -> list[int]:
        """The length of every password longer than the cap that reaches argon2 (hashed or verified)."""
        seen: list[int] = []
        import app.auth.service
        import app.org.service
        from app import security

        def verify(password_hash, password):
            seen.extend([len(password)] if len(password) > MAX_PASSWORD else [])
            return real_verify(password_hash, password)

        def hash_(password):
            seen.extend([len(password)] if len(password) > MAX_PASSWORD else [])
            return real_hash(password)

        real_verify, real_hash = security.verify_password, security.hash_password
        monkeypatch.setattr(app.auth.service, "verify_password", verify)
        monkeypatch.setattr(app.org.service, "hash_password", hash_)
        return seen

    def test_a_long_password_signs_nobody_in_and_is_never_hashed(self, api, hashing):
        long = "p" * (MAX_PASSWORD + 1)
        r = api.post("/auth/login", json={"phone": "13800000001", "password": long + "x" * 500_000})
        assert r.status_code == 401 and r.json()["error"]["message"] == "手机号或密码错误"  # as a wrong password
        assert api.client.post("/login", data={"phone": "13800000001", "password": long}).status_code == 401
        assert hashing == []
        assert api.post("/auth/login", json={"phone": "13800000001", "password": "demo1234"}).status_code == 200

    def test_a_long_password_is_refused_for_a_new_member_and_a_reset(self, api, hashing):
        long = "p" * 500_000
        r = api.post("/households", "official", json={"head_name": "新户", "members": [
            {"name": "新人", "phone": "13900000001", "password": long}]})
        message = r.json()["error"]["message"]
        assert r.status_code == 422 and "密码" in message and "128" in message  # names the member since issue #7.10
        member = api.get("/households/1", "official").json()["members"][0]["id"]
        r = api.post(f"/households/1/members/{member}/password", "official", json={"password": long})
        assert r.status_code == 422
        assert hashing == []
