"""One place turns every error into the API's error body, an error page, or an htmx toast."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import Busy, DomainError, PasswordChangeRequired, Unauthenticated
from app.htmx import elder_mode
from app.metrics import REFUSALS

log = logging.getLogger("zhenfeng")
HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "没有权限进行此操作"),
    404: ("not_found", "找不到该页面或记录"),
    405: ("method_not_allowed", "不支持该操作"),
    413: ("too_large", "内容太大"),
    422: ("validation_error", "填写的内容有误"),
    429: ("rate_limited", "尝试次数过多，请稍后再试"),
}


class BodyTooLarge(StarletteHTTPException):
    """A request body past its cap (app/middleware.py), raised while a route reads it: an HTTPException, so that
    FastAPI's body parsing passes it on unwrapped, answered 413 `too_large` with its own message."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)
        self.message = message


def error_response(request: Request, *, status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The error as JSON for the API, a toast for htmx, a redirect to login or an error page otherwise. The error
    page shows the request's id (app/observe.py), which a villager can read to the county's IT person to find the
    log line; every answer carries it as X-Request-ID, even when Starlette sends it (a 500). The API's body keeps
    the contract's shape, {code, message} (shared/api-v1.md): a client reads the id from the header."""
    REFUSALS.labels(code).inc()
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        headers = {**(headers or {}), "X-Request-ID": request_id}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
    is_htmx = request.headers.get("HX-Request") == "true"
    if status == 401 or code == PasswordChangeRequired.code:
        # A stale or revoked session: forget the cookie and sign in again. A one-time password: choose a new one.
        target = "/login" if status == 401 else "/password"
        response = (Response(status_code=200, headers={"HX-Redirect": target}) if is_htmx
                    else RedirectResponse(target, status_code=303))
        if status == 401:
            response.delete_cookie("zf_session", path="/")
        return response
    templates = request.app.state.templates
    context = {"request": request, "status": status, "message": message, "code": code, "request_id": request_id,
               "actor": getattr(request.state, "actor", None), "csrf_token": getattr(request.state, "csrf_token", ""),
               "elder": elder_mode(getattr(request.state, "actor", None))}
    if is_htmx:
        response = templates.TemplateResponse(request, "_toast.html", context, status_code=status, headers=headers)
        response.headers["HX-Retarget"] = "#toast"
        response.headers["HX-Push-Url"] = "false"  # a refused boosted form must not leave its POST URL behind
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return templates.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError, *, name_fields: bool) -> str:
    """"填写的内容有误", naming the fields for API clients; a page names none (they are the code's words)."""
    if not name_fields:
        return "填写的内容有误"
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        if loc:
            fields.append(".".join(loc))
    return "填写的内容有误" + (f"：{'、'.join(dict.fromkeys(fields))}" if fields else "")


def _only_the_path(exc: RequestValidationError) -> bool:
    """Whether every refused value was part of the URL's path (an id out of range, or not a number): app/ids.py."""
    errors = exc.errors()
    return bool(errors) and all(tuple(err.get("loc", ()))[:1] == ("path",) for err in errors)


LOCK_WAIT_SQLSTATES = {"55P03", "57014"}  # lock_not_available, query_canceled (lock_timeout / statement_timeout)
OUT_OF_RANGE_SQLSTATE = "22003"  # numeric_value_out_of_range: a number too large for PostgreSQL's integer column


def _is_lock_wait(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in LOCK_WAIT_SQLSTATES or "database is locked" in str(exc.orig)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if isinstance(exc, Unauthenticated) and request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"}
        return error_response(request, status=exc.status_code, code=exc.code, message=exc.message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _only_the_path(exc):  # /households/abc, /households/0, /households/2**64: a URL that names nothing
            code, message = HTTP_MESSAGES[404]
            return error_response(request, status=404, code=code, message=message)
        message = _validation_message(exc, name_fields=request.url.path.startswith("/api/"))
        return error_response(request, status=422, code="validation_error", message=message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("error", "请求失败"))
        if isinstance(exc, BodyTooLarge):
            message = exc.message
        return error_response(request, status=exc.status_code, code=code, message=message,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(PoolTimeout)
    async def _no_connection(request: Request, exc: PoolTimeout) -> Response:
        log.warning("no free database connection for %s %s", request.method, request.url.path)
        return await _domain(request, Busy())

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> Response:
        if _is_lock_wait(exc):  # a row lock (PostgreSQL) or the database file (SQLite) waited for too long
            log.warning("lock wait ran out on %s %s: %s", request.method, request.url.path, exc.orig)
            return await _domain(request, Busy())
        return await _unexpected(request, exc)

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: DataError) -> Response:
        # Behind the bounds at the edge (app/ids.py, the services' own limits): a number that still reached
        # PostgreSQL too large for its column is the request's fault, as it is on SQLite (app/db.py).
        if getattr(exc.orig, "sqlstate", None) == OUT_OF_RANGE_SQLSTATE:
            log.warning("number out of range on %s %s: %s", request.method, request.url.path, exc.orig)
            return error_response(request, status=422, code="validation_error", message="数字超出范围")
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, status=500, code="internal_error", message="服务器出错了，请稍后再试")
