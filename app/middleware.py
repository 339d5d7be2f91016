"""Pure ASGI middleware (no BaseHTTPMiddleware: nothing buffers or re-wraps the request): request bodies capped
before they are read, and the security headers on every answer."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors_http import BodyTooLarge, error_response

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "media-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
TOO_LARGE = "提交的内容太大，请删减后再试"
UPLOAD_TOO_LARGE = "文件太大：照片、PDF 和 Excel 文件都不能超过 5 MB"


class BodyCap:
    """Refuse a request body larger than its cap with 413 `too_large`: multipart uploads (goods photos) up to
    `max_upload_bytes`, anything else (JSON, forms) up to `max_body_bytes` (Settings, read per request).

    A Content-Length past the cap is answered at once, before the app reads a byte; a body without one (chunked)
    is counted as it streams in and refused the moment it passes the cap — the app never holds more than that."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        settings = scope["app"].state.settings
        upload = headers.get("content-type", "").lower().startswith("multipart/")
        cap = settings.max_upload_bytes if upload else settings.max_body_bytes
        message = UPLOAD_TOO_LARGE if upload else TOO_LARGE
        declared = headers.get("content-length", "")  # servers refuse a malformed one; ASCII digits only here
        if declared.isascii() and declared.isdigit() and int(declared) > cap:
            await _refuse(scope, receive, send, message)
            return

        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(message)
            return incoming

        started = False

        async def watched_send(outgoing: Message) -> None:
            nonlocal started
            started = started or outgoing["type"] == "http.response.start"
            await send(outgoing)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge as exc:  # read outside a route (its handler answers those): answer it here
            if started:
                raise
            await _refuse(scope, receive, send, exc.message)


async def _refuse(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    response = error_response(Request(scope, receive), status=413, code="too_large", message=message)
    response.headers["Connection"] = "close"  # the rest of the body is not read: do not reuse the connection
    await response(scope, receive, send)


class SecurityHeaders:
    """nosniff, same-origin referrer, no framing and the Content-Security-Policy (self only: /docs too, whose
    Swagger UI is served from static/) on every answer; API answers are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", CSP)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
