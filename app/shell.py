"""The public shell of the web app: manifest, service worker, offline page, icon; the API's docs."""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from app.config import STATIC_DIR
from app.deps import TemplatesDep

public = APIRouter(include_in_schema=False)
SWAGGER_UI = "5.35.0"  # npm swagger-ui-dist, vendored in static/ (its licence beside it)


@public.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    return FileResponse(STATIC_DIR / "manifest.webmanifest", media_type="application/manifest+json")


@public.get("/sw.js")
def service_worker() -> FileResponse:
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript",
                        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})


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
