"""The public shell of the web app: manifest, service worker, offline page, icon; the API's docs."""

import re
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from app.config import STATIC_DIR
from app.deps import TemplatesDep
from app.static_files import static_hashes, static_url, static_version

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
