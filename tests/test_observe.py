"""Seeing it run (issue #19 item 5): /metrics behind its token, the figures moving with requests and redemptions,
one JSON log line per request, and the request id carried to the answer, the error body and the error page."""

import json
import logging
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from app.main import bind_app
from app.observe import JsonLines
from tests.conftest import TestClient, error_code, make_settings
from tests.shop.conftest import pay_code

TOKEN = "metrics-" + "t" * 32


@pytest.fixture
def serve(demo_engine, routed_app):
    """A client of the app bound to the test's database with these settings."""
    clients = []

    def client(**settings) -> TestClient:
        bind_app(routed_app, make_settings(demo_engine, **settings), demo_engine, strict_templates=True)
        clients.append(TestClient(routed_app))
        return clients[-1]

    yield client
    for c in clients:
        c.close()


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """The access log's lines, formatted as the server writes them."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(JsonLines())
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger("zhenfeng.access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def sample(name: str, **labels: str) -> float:
    """A figure as /metrics would show it (this process's registry)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.sqlite_only  # who may read /metrics: the same on either engine
class TestMetricsAccess:
    def test_without_a_token_set_there_is_no_metrics(self, serve):
        client = serve()
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404

    def test_refused_without_the_token(self, serve):
        client = serve(metrics_token=TOKEN)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            r = client.get("/metrics", headers=headers)
            assert r.status_code == 404 and "zf_http_requests" not in r.text and error_code(r) == "not_found"
        r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert "# TYPE zf_http_requests_total counter" in r.text and "zf_db_pool_checked_out" in r.text

    def test_a_scrape_from_the_trusted_proxy_itself_needs_no_token(self, serve):
        # TestClient's peer is "testclient": named in TRUSTED_PROXIES, it stands for the proxy's own address.
        assert serve(metrics_token=TOKEN, trusted_proxies="testclient").get("/metrics").status_code == 200
        assert serve(metrics_token=TOKEN, trusted_proxies="10.0.0.0/8").get("/metrics").status_code == 404


class TestFigures:
    def test_requests_count_by_route_template_and_status(self, serve, api):
        client = serve(metrics_token=TOKEN)
        route = "/api/v1/households/{household_id}"
        before = sample("zf_http_requests_total", method="GET", route=route, status="401")
        seconds = sample("zf_http_request_duration_seconds_count", method="GET", route=route)
        for household in (1, 2, 99):
            assert client.get(f"/api/v1/households/{household}").status_code == 401
        assert sample("zf_http_requests_total", method="GET", route=route, status="401") == before + 3
        assert sample("zf_http_request_duration_seconds_count", method="GET", route=route) == seconds + 3
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        assert 'route="/api/v1/households/{household_id}"' in text and 'route="/api/v1/households/99"' not in text

    def test_pool_connections_go_back_and_writes_wait_in_the_queue(self, api, demo_engine):
        waits, held = sample("zf_db_writer_wait_seconds_count"), sample("zf_db_pool_checked_out")
        assert api.get("/me/pay-code", "villager").status_code == 200  # writes a fresh code
        assert sample("zf_db_pool_checked_out") == held  # every connection is back once the answer is sent
        if demo_engine.dialect.name == "sqlite":
            assert sample("zf_db_writer_wait_seconds_count") > waits


@pytest.mark.sqlite_only  # headers, logs and markup
class TestRequestId:
    def test_the_log_line_is_json_with_the_request_id(self, serve, log_lines):
        r = serve().get("/api/v1/households/7")
        line = json.loads(log_lines[-1])
        assert line["request_id"] == r.headers["X-Request-ID"] and len(r.headers["X-Request-ID"]) == 16
        assert line | {"ts": "", "duration_ms": 0} == {
            "ts": "", "level": "info", "logger": "zhenfeng.access", "message": "request", "method": "GET",
            "route": "/api/v1/households/{household_id}", "status": 401, "duration_ms": 0,
            "request_id": line["request_id"], "user_id": None}

    def test_the_user_is_named_by_id_and_nothing_secret_is_written(self, api, log_lines):
        code = pay_code(api)
        api.client.get(f"/api/v1/me/pay-code/{code}.svg", headers=api.headers("villager"))
        line = json.loads(log_lines[-1])
        assert line["user_id"] == api.get("/me", "villager").json()["id"]
        assert line["route"] == "/api/v1/me/pay-code/{code}.svg"
        written = "".join(log_lines)
        assert code not in written and "13800000004" not in written and api.token("villager") not in written

    def test_an_api_error_keeps_the_contracts_shape_and_names_its_id_in_the_header(self, serve, log_lines):
        r = serve().get("/api/v1/no-such-thing")
        assert r.status_code == 404 and error_code(r) == "not_found"  # {code, message} alone (shared/api-v1.md)
        assert json.loads(log_lines[-1])["request_id"] == r.headers["X-Request-ID"]

    def test_the_error_page_shows_the_id_of_its_header(self, serve):
        r = serve().get("/no-such-page")
        assert r.status_code == 404 and "text/html" in r.headers["content-type"]
        assert "出错编号" in r.text and r.headers["X-Request-ID"] in r.text

    def test_an_unexpected_error_carries_it_too(self, serve, routed_app, monkeypatch, log_lines):
        from app import shell

        def broken() -> str:
            raise RuntimeError("boom")

        monkeypatch.setattr(shell, "served_service_worker", broken)
        serve()
        with TestClient(routed_app, raise_server_exceptions=False) as browser:
            r = browser.get("/sw.js")
        assert r.status_code == 500 and "服务器出错了" in r.text and r.headers["X-Request-ID"] in r.text
        assert json.loads(log_lines[-1])["status"] == 500

    def test_a_proxy_id_is_believed_only_from_a_trusted_proxy(self, serve):
        sent = {"X-Request-ID": "0123456789abcdef0123456789abcdef"}
        assert serve().get("/api/v1/health", headers=sent).headers["X-Request-ID"] != sent["X-Request-ID"]
        trusted = serve(trusted_proxies="testclient")
        assert trusted.get("/api/v1/health", headers=sent).headers["X-Request-ID"] == sent["X-Request-ID"]
        for hostile in (b"short", b"x" * 65, b"abc def ghi jkl", b'"},{"level":"x', "编号编号编号编号".encode()):
            r = trusted.get("/api/v1/health", headers={"X-Request-ID": hostile})
            assert r.headers["X-Request-ID"].encode() != hostile and len(r.headers["X-Request-ID"]) == 16
