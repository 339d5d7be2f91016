"""Rendering for pages: the full page for a normal request, the partial for an htmx one."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import Htmx


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, htmx: Htmx | None = None,
           partial: str | None = None, status_code: int = 200) -> HTMLResponse:
    """Render `template` (or `partial` for a targeted htmx request) with the page context every template needs."""
    name = partial if partial and htmx and htmx.wants_partial else template
    ctx = {"request": request, "actor": getattr(request.state, "actor", None),
           "csrf_token": getattr(request.state, "csrf_token", ""), **(context or {})}
    response = request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    if ctx["actor"] is not None:
        response.headers["Cache-Control"] = "no-store"  # personal pages stay out of every cache, back button too
    return response


def redirect_after_post(url: str, *, htmx: Htmx, trigger: str | None = None) -> Response:
    """303 for a plain form; HX-Redirect for htmx (so the browser lands on a page with a fresh URL)."""
    if htmx.request:
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response
