"""The public shell of the web app: manifest, service worker, offline page, icon, static files; the API's docs."""

import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.config import STATIC_DIR
from app.deps import TemplatesDep
from app.static_files import IMMUTABLE, SHORT, static_hashes, static_url, static_version, unhash

public = APIRouter(include_in_schema=False)
SWAGGER_UI = "5.35.0"  # npm swagger-ui-dist, vendored in static/ (its licence beside it)


@public.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    return FileResponse(STATIC_DIR / "manifest.webmanifest", media_type="application/manifest+json")


@public.get("/sw.js")
def service_worker() -> Response:
    """static/sw.js with the static files' hashed names in its SHELL list and their hash as its cache's version."""
    return Response(served_service_worker(), media_type="text/javascript",
                    headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})


@cache
def served_service_worker() -> str:
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    hashed = re.sub(r'"/static/([^"/]+)"',
                    lambda m: f'"{static_url(m[1])}"' if m[1] in static_hashes() else m[0], source)
    return hashed.replace('const VERSION = "dev";', f'const VERSION = "{static_version()}";', 1)


@public.get("/offline", response_class=HTMLResponse)
def offline(request: Request, templates: TemplatesDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "offline.html", {"request": request, "actor": None, "csrf_token": ""})


@public.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse("/static/icon-192.png", status_code=301)


@public.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """Swagger UI over /openapi.json, all of it served from here: it works offline, under the same CSP as the app."""
    return templates.TemplateResponse(request, "docs.html", {
        "request": request, "title": f"{request.app.title} — /docs", "openapi_url": request.app.openapi_url,
        "swagger_js": f"swagger-ui-bundle-{SWAGGER_UI}.js", "swagger_css": f"swagger-ui-{SWAGGER_UI}.css"})


class HashedStaticFiles(StaticFiles):
    """StaticFiles that strips the content hash from a name and says how long the answer may be kept."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        static_hashes()  # at start-up, not on the first visitor's request

    async def get_response(self, path: str, scope: Scope) -> Response:
        name, digest = unhash(path)
        current = static_hashes().get(name)
        if current is None:  # a plain name (or one that only looks hashed): the file of that name, if any
            name, digest = path, None
        response = await super().get_response(name, scope)
        if response.status_code in (200, 304):  # see app/static_files.py for why an old hash is not a 404
            response.headers["Cache-Control"] = SHORT if digest is None else IMMUTABLE if digest == current else (
                "no-cache")
        return response
