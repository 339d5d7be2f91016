"""Big input: request bodies are capped before they are read (app/middleware.py BodyCap) (issue #7, item 3: a
50 MB JSON was read whole)."""

import json
import select
import socket
from urllib.parse import urlsplit

import pytest
from sqlmodel import func
from sqlmodel import select as sql_select

from app.main import bind_app
from app.org.models import Household
from tests.conftest import error_code, make_settings
from tests.e2e.conftest import live_server  # noqa: F401 - the app under uvicorn, for bodies that really stream
from tests.shop.test_goods_api import jpeg_bytes

pytestmark = pytest.mark.sqlite_only  # the caps act before any database is touched

MB = 1024 * 1024
TOO_LARGE = "提交的内容太大，请删减后再试"


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
        assert big.status_code == 413 and big.json()["error"]["message"] == "文件太大，请选择小一些的照片"
        over_5 = api.client.put(url, files={"photo": ("p.jpg", b"\xff" * (5 * MB + 100), "image/jpeg")},
                                headers=api.headers("official"))
        assert over_5.status_code == 422 and "5 MB" in over_5.json()["error"]["message"]  # the photo's own rule
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

