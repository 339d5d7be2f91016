"""Starlette's TestClient, answering each request in one call into its event loop.

Starlette's own transport crosses from the test's thread into the client's event loop thread eight to ten times a
request (events made, a stream made, the app started, the response awaited, each body chunk fetched, cancellation
checked): each crossing wakes the other thread. Here the request's whole exchange runs in one call: the app gets the
body at once and its response is gathered whole. On GET /api/v1/me that is 2.4 ms of CPU where Starlette's took 3.5
to 4.3 (docs/performance.md, "Eleventh session"), and most of the suite's tests are such requests.

What the tests rely on stays: cookies, redirects and headers (httpx.Client does those), the lifespan (`with
TestClient(app)`), server exceptions raised in the test (or, with `raise_server_exceptions=False`, the 500 the app
sent), HEAD without a body, WebSockets (Starlette's transport). Not kept: reading a response while it is still being
sent (no test streams one), and the template/context debug extension (no test reads it)."""

from urllib.parse import unquote

import anyio
import httpx
from starlette.testclient import TestClient as StarletteTestClient
from starlette.testclient import _TestClientTransport

from app.form_replay import _replaying

_PORTS = {"http": 80, "https": 443}


async def _connected() -> dict:
    await anyio.sleep_forever()


class _OneHopTransport(_TestClientTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _PORTS:  # WebSockets: Starlette's own way
            return super().handle_request(request)
        headers = [] if "host" in request.headers else [(b"host", url.netloc)]
        headers += [(key.lower().encode(), value.encode()) for key, value in request.headers.multi_items()]
        scope = {"type": "http", "http_version": "1.1", "method": request.method, "path": unquote(url.path),
                 "raw_path": url.raw_path.split(b"?", 1)[0], "root_path": self.root_path, "scheme": url.scheme,
                 "query_string": url.query, "headers": headers, "client": self.client,
                 "server": [url.raw_host.decode("ascii"), url.port or _PORTS[url.scheme]], "extensions": {},
                 "state": self.app_state.copy()}
        body = request.read()
        start: dict = {}
        chunks: list[bytes] = []

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        async def exchange() -> None:
            # the body at once (as app/form_replay.py gives a form back), then a client that stays connected until
            # the response is whole
            await self.app(scope, _replaying(body, _connected), send)

        with self.portal_factory() as portal:
            try:
                portal.call(exchange)
            except BaseException:
                if self.raise_server_exceptions:
                    raise
        if not start:
            if self.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            return httpx.Response(500, request=request)
        content = b"" if request.method == "HEAD" else b"".join(chunks)
        return httpx.Response(start["status"], headers=start.get("headers", []), stream=httpx.ByteStream(content),
                              request=request)


class TestClient(StarletteTestClient):
    """Starlette's TestClient (same arguments, same use) with the one-call transport above."""

    def __init__(self, app, *args, **kwargs) -> None:
        super().__init__(app, *args, **kwargs)
        own = self._transport
        self._transport = _OneHopTransport(own.app, portal_factory=own.portal_factory,
                                           raise_server_exceptions=own.raise_server_exceptions,
                                           root_path=own.root_path, app_state=own.app_state, client=own.client)
