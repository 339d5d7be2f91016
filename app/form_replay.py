"""The first answer again for a page form sent twice (issue #18): every form a page draws carries a key (a hidden
`form_key`, made when it was drawn; static/app.js adds one to any form whose template did not), and the page sends
it as `X-Form-Key` with its htmx request. When the answer is lost on a weak signal, the page sends the very same
form again; this layer answers that repeat with the answer the first one got, so a step (接单, 核销, 同意, 撤销 …)
is done once and the page shows its result, not an error that it was already done.

Where: page POSTs of form fields (not /api, whose writes take an Idempotency-Key of their own; not uploads, whose
multipart bodies differ with every send) that come from htmx (`HX-Request`, a header no other site can make a
browser send) in a session (its cookie, or a bearer token). An answer is kept per session, path, key and the fields
sent (in `idempotency_keys`, scope `form:` + a hash of the session: another never reads it; a review step that
passes its key on to 确认 sends other fields, so it is a request of its own), and
only a 2xx or 3xx answer that sets no cookie; a refusal (4xx) is not kept, so a repeat is decided afresh. A repeat
that arrives while the first is still being answered waits for it (up to REPLAY_WAIT seconds), then goes through
like any request: the domain's own rules (a form key, a state that has moved on) keep it from doing anything twice."""

import asyncio
import base64
import hashlib
import json

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import session_for
from app.deps import COOKIE_NAME
from app.idempotency import MAX_KEY_LENGTH, IdempotencyRecord, find_record

KEPT_BYTES = 512 * 1024  # an answer larger than this is not kept (a page is ~30-100 KB)
REPLAY_WAIT = 10.0
_POLL = 0.25
_DROPPED = {"set-cookie", "content-length", "date", "server", "content-encoding"}


def _sent_form(scope: Scope) -> Headers | None:
    """The headers of a page form's request this layer answers again, else None."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].startswith("/api/"):
        return None
    headers = Headers(scope=scope)
    key = headers.get("x-form-key", "").strip()
    if (headers.get("hx-request") != "true" or not key or len(key) > MAX_KEY_LENGTH or not key.isascii()
            or not headers.get("content-type", "").startswith("application/x-www-form-urlencoded")):
        return None
    return headers


def _where(scope: Scope, headers: Headers, body: bytes) -> tuple[str, str] | None:
    """(scope, key) of the answer kept for this session, path, key and body; None without a session."""
    key = headers.get("x-form-key", "").strip()
    cookie = next((part.split("=", 1)[1] for part in headers.get("cookie", "").split(";")
                   if part.strip().startswith(COOKIE_NAME + "=")), "")
    who = cookie.strip() or headers.get("authorization", "")  # the session: its cookie, or a client's token
    if not who:
        return None
    session_hash = hashlib.sha256(who.encode()).hexdigest()
    sent = hashlib.sha256(f"{scope['path']}\0{key}\0".encode() + body).hexdigest()
    return "form:" + session_hash, sent


class FormReplay:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _sent_form(scope)
        if headers is None:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:  # a form's fields (BodyCap, outside, caps them); the app reads them from here
            message = await receive()
            if message["type"] != "http.request":
                return  # the phone went away before it had sent the form
            body += message.get("body", b"")
            more = message.get("more_body", False)
        receive = _replaying(body, receive)
        where = _where(scope, headers, body)
        if where is None:
            await self.app(scope, receive, send)
            return
        engine = scope["app"].state.engine
        kept, claimed = await run_in_threadpool(_claim, engine, *where)
        waited = 0.0
        while kept is None and not claimed and waited < REPLAY_WAIT:  # the first is still being answered
            await asyncio.sleep(_POLL)
            waited += _POLL
            kept, claimed = await run_in_threadpool(_claim, engine, *where)
        if kept is not None:
            await _replay(kept, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def keeping_send(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and size <= KEPT_BYTES:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            await send(message)

        try:
            await self.app(scope, receive, keeping_send)
        finally:
            if claimed:
                answer = _answer(start, b"".join(chunks)) if size <= KEPT_BYTES else None
                await run_in_threadpool(_settle, engine, *where, answer)


def _replaying(body: bytes, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


def _answer(start: Message | None, body: bytes) -> str | None:
    """What is kept of an answer: a success that sets no cookie."""
    if start is None or not 200 <= start["status"] < 400:
        return None
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
    if any(k.lower() == "set-cookie" for k, _ in headers):
        return None
    kept = [(k, v) for k, v in headers if k.lower() not in _DROPPED]
    return json.dumps({"status": start["status"], "headers": kept, "body": base64.b64encode(body).decode()})


async def _replay(kept: str, send: Send) -> None:
    answer = json.loads(kept)
    body = base64.b64decode(answer["body"])
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer["headers"]]
    headers += [(b"content-length", str(len(body)).encode()), (b"x-form-replayed", b"1")]
    await send({"type": "http.response.start", "status": answer["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _claim(engine, scope: str, key: str) -> tuple[str | None, bool]:
    """(the kept answer, False) if there is one; else (None, whether this request now holds the key — False: the
    first is still being answered)."""
    with session_for(engine, write=True) as session:
        record = find_record(session, scope, key)
        if record is not None:
            return (record.response_body or None), False
        session.add(IdempotencyRecord(scope=scope, key=key, request_hash=""))
        try:
            session.commit()
        except IntegrityError:
            return None, False
        return None, True


def _settle(engine, scope: str, key: str, answer: str | None) -> None:
    """Keep the answer for a repeat, or give the key up (a refusal, a failure: a repeat is decided afresh)."""
    with session_for(engine, write=True) as session:
        if answer is None:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                         IdempotencyRecord.key == key))
        else:
            record = find_record(session, scope, key)
            if record is not None:
                record.response_body = answer
                session.add(record)
        session.commit()
