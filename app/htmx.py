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


def redirect_after_post(url: str, *, htmx: Htmx) -> Response:
    """303 to the page that shows the result: a plain form follows it, and so does htmx 2 for a boosted form (it
    swaps in the page it landed on and pushes that URL — no second full page load). Only a targeted htmx request
    (an hx-post of its own, not boosted) gets HX-Redirect."""
    if htmx.request and not htmx.boosted:
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
