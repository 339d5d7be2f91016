"""Seeing the server run: a request id on every request and answer, one JSON log line per request, the Prometheus
figures (app/metrics.py) counted as requests end, and /metrics for whoever holds METRICS_TOKEN.

A log line names the route template, never the raw path (a path can hold a pay code), and the user's id, never a
phone number, a password, a code or a token: nothing of the request's headers, query or body is written."""

import hmac
import ipaddress
import json
import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.config import Settings
from app.deps import SettingsDep

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits); anything else is replaced by our own.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("zhenfeng.access")


class JsonLines(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, the request id of the request it
    happened in, and the fields passed as `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        line |= getattr(record, "fields", {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def install_logging(settings: Settings) -> None:
    """The app's loggers write JSON lines to LOG_FILE (reopened after logrotate moves it) or to stderr (journald,
    docker logs). Our access line replaces uvicorn's, which would name raw paths."""
    logger = logging.getLogger("zhenfeng")
    if not any(getattr(h, "zf_json", False) for h in logger.handlers):
        handler = WatchedFileHandler(settings.log_file, encoding="utf-8") if settings.log_file else (
            logging.StreamHandler(sys.stderr))
        handler.zf_json = True
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").disabled = True


def _trusted(host: str, proxies: list[str]) -> bool:
    """Whether `host` is one of TRUSTED_PROXIES (an address, a network, or a name such as `testclient`)."""
    for proxy in proxies:
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            if host == proxy:
                return True
    return False


def _request_id(scope: Scope, settings: Settings) -> str:
    """The proxy's X-Request-ID when a trusted proxy stands in front (its nginx site sets the header on every
    request, replacing the client's), else one of our own."""
    if settings.trusted_proxies:
        sent = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        if _ACCEPTED_ID.fullmatch(sent):
            return sent
    return secrets.token_hex(8)


def route_of(scope: Scope) -> str:
    """The matched route's whole template (`/api/v1/households/{household_id}`), the mount (`/static`), or
    `unmatched`. FastAPI keeps an included router's routes under it: `scope["route"]` is then the route as its
    router wrote it (`/households/{household_id}`), and the whole template is on the route's context in FastAPI's
    scope (tests/test_observe.py fails if an upgrade moves it)."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(context, "path", None) or getattr(scope.get("route"), "path", None)
    mount = scope.get("root_path", "").removeprefix(scope.get("app_root_path", ""))  # a mount adds its prefix
    return path or mount or "unmatched"


class Observe:
    """Outermost middleware: gives the request its id (on `request.state.request_id`, the log lines and the answer's
    X-Request-ID), then counts the answer and writes its log line. An error the app did not handle is answered by
    Starlette outside this middleware (with the id: app/errors_http.py) and counted here as 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope, scope["app"].state.settings)
        scope.setdefault("state", {})["request_id"] = request_id
        reset = request_id_var.set(request_id)
        began, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _account(scope, status, time.perf_counter() - began)
            request_id_var.reset(reset)


def _account(scope: Scope, status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "OTHER"
    route = route_of(scope)
    metrics.REQUESTS.labels(method, route, str(status)).inc()
    metrics.LATENCY.labels(method, route).observe(seconds)
    actor = scope["state"].get("actor")
    access_log.info("request", extra={"fields": {
        "method": method, "route": route, "status": status, "duration_ms": round(seconds * 1000, 1),
        "user_id": actor.id if actor is not None else None}})


public = APIRouter(include_in_schema=False)


@public.get("/metrics")
def prometheus_metrics(request: Request, settings: SettingsDep) -> Response:
    """The figures in Prometheus' text format, for `Authorization: Bearer <METRICS_TOKEN>` or a scrape straight from
    a trusted proxy's address; for anyone else (and with no METRICS_TOKEN set) there is nothing here: 404."""
    if not settings.metrics_token or not _may_read(request, settings):
        return JSONResponse({"error": {"code": "not_found", "message": "找不到该页面或记录"}}, status_code=404)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def _may_read(request: Request, settings: Settings) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode()):
        return True
    # uvicorn has already put the forwarded client in place for a proxied request: only a request the proxy host
    # sent itself (Prometheus beside nginx, scraping the app directly) still carries the proxy's own address.
    return request.client is not None and _trusted(request.client.host, settings.trusted_proxy_list())
