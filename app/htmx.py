"""Rendering for pages: the full page for a normal request, the partial for an htmx one."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import Htmx

PERSONAL = "private, no-cache"  # no shared cache keeps it; the browser asks again on a normal visit; back/forward
SECRET = "no-store"  # kept nowhere, not even for the back button: a live code, a one-time password, a card's PIN


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, htmx: Htmx | None = None,
           partial: str | None = None, status_code: int = 200, no_store: bool = False) -> HTMLResponse:
    """Render `template` (or `partial` for a targeted htmx request) with the page context every template needs.
    A signed-in page is private and revalidated, and may be kept by the back/forward cache; `no_store=True` for a page
    showing a live code or secret, which nothing may keep."""
    name = partial if partial and htmx and htmx.wants_partial else template
    actor = getattr(request.state, "actor", None)
    ctx = {"request": request, "actor": actor, "csrf_token": getattr(request.state, "csrf_token", ""),
           "no_store": no_store, "elder": elder_mode(actor), **(context or {})}
    response = request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    if no_store:
        response.headers["Cache-Control"] = SECRET
    elif ctx["actor"] is not None:
        response.headers["Cache-Control"] = PERSONAL
    return response


def elder_mode(actor) -> bool:
    """长辈模式 for this reader (web/base.html: class="elder" on <html> and static/elder.css; 首页's four tiles)."""
    return bool(actor is not None and actor.user.elder_mode)


def redirect_after_post(url: str, *, htmx: Htmx) -> Response:
    """303 to the page that shows the result: a plain form follows it, and so does htmx 2 for a boosted form (it
    swaps in the page it landed on and pushes that URL — no second full page load). Only a targeted htmx request
    (an hx-post of its own, not boosted) gets HX-Redirect."""
    if htmx.request and not htmx.boosted:
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
