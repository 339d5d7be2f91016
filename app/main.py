"""create_app(): routers, static files, error handlers, middleware; bind_app(): its settings, database and state."""

import gc

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine
from starlette.datastructures import State

import app.domains  # noqa: F401  (what each domain lends the ledger, registered before anything reads it)
from app import errors_http, metrics, observe
from app.auth.limits import make_login_limits
from app.config import STATIC_DIR, Settings, get_settings
from app.db import bound_writer_wait, make_engine
from app.deps import current_actor
from app.form_replay import FormReplay
from app.inbox import push
from app.middleware import BodyCap, SecurityHeaders
from app.ratelimit_db import limiters_for
from app.route_gate import gate_routers
from app.shop.redemption.counter import make_code_failure_limits
from app.templating import make_templates

API_DESCRIPTION = """Errors are `{"error": {"code", "message", "request_id"}}` (the id is also the answer's
`X-Request-ID`: quote it when asking for help). After a password reset the user signs in with a
one-time password (`user.must_change_password` is true): every call but `GET /api/v1/me`, `POST /api/v1/me/password`
and the logouts then answers 403 `password_change_required` until a new password is set. A logged-out token answers
401 `unauthenticated`; too many sign-in tries 429 `rate_limited` with `Retry-After`."""


def bind_app(app: FastAPI, settings: Settings, engine: Engine | None = None, *, strict_templates: bool = False
             ) -> FastAPI:
    """Give `app` a fresh state for these settings and this database: the secret, the engine, the templates and
    the rate limiters (in memory and empty, or on PostgreSQL the counts every process shares): everything but its
    routes, middleware and error handlers. create_app() does this once; the test suite builds one app per run
    (building the routes takes ~0.2 s) and binds it to each test's database."""
    app.state = State()
    app.state.settings = settings
    app.state.secret = settings.resolved_secret()
    app.state.engine = engine or make_engine(settings.database_url, limits=settings.db_limits())
    bound_writer_wait(app.state.engine, settings.db_write_wait)
    metrics.watch_pool(app.state.engine)
    app.state.templates = make_templates(timezone=settings.timezone, strict=strict_templates)
    limiters = limiters_for(app.state.engine)  # in PostgreSQL, shared by every server process; else in memory
    app.state.login_limits = make_login_limits(settings, limiters)
    app.state.code_tries = limiters.window("code.tries", limit=settings.code_tries_per_minute, window_seconds=60)
    app.state.code_failures = make_code_failure_limits(settings, limiters)
    app.state.public_tries = limiters.window("public.client", limit=settings.public_pages_per_minute,
                                             window_seconds=60)
    push.configure(app.state.engine, settings)
    return app


def create_app(settings: Settings | None = None, engine: Engine | None = None, *, strict_templates: bool = False
               ) -> FastAPI:
    settings = settings or get_settings()
    # /docs is app/shell.py's own page: Swagger UI from static/, under the CSP (FastAPI's loads it from a CDN).
    app = FastAPI(title="振风 Zhenfeng API", version="1.0", docs_url=None, openapi_url="/openapi.json",
                  redoc_url=None, description=API_DESCRIPTION)
    bind_app(app, settings, engine, strict_templates=strict_templates)
    app.add_middleware(FormReplay)  # a page form sent again gets its first answer (app/form_replay.py)
    app.add_middleware(BodyCap)  # next: its 413 is compressed and carries the headers like any answer
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(observe.Observe)  # outermost: the request id first, the answer counted and logged last
    observe.install_logging(settings)
    errors_http.install(app)
    _mount_routes(app)
    gate_routers(app)  # each router asked only about the paths its routes can match (app/route_gate.py)
    return app


def create_served_app() -> FastAPI:
    """The app as `python -m app serve` runs it, in each server process: `create_app`, then what it made (routes,
    templates, the models' metadata: ~all the objects the process keeps) frozen out of the cyclic garbage
    collector's sight and the collector run every 50,000 allocations rather than 700. A request makes and drops
    thousands of objects (ORM rows, dicts); with Python's defaults the collector ran several times a request and
    walked everything the process keeps (docs/performance.md, the redemption's fourth pass). Garbage without cycles
    is freed at once either way; cycles wait a little longer."""
    app = create_app()
    keep_out_of_the_collector()
    return app


def keep_out_of_the_collector() -> None:
    """Every object this process holds now frozen out of the cyclic collector's sight (it is kept for the process's
    life), and the collector run every 50,000 allocations instead of 700 (the test suite's workers do the same)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def _mount_routes(app: FastAPI) -> None:
    from app import shell
    from app.activities import api as activities_api
    from app.activities import pages as activities_pages
    from app.assist import api as assist_api
    from app.assist import pages as assist_pages
    from app.audit import api as audit_api
    from app.audit import pages as audit_pages
    from app.auth import api as auth_api
    from app.auth import pages as auth_pages
    from app.ceremonies import api as ceremonies_api
    from app.ceremonies import pages as ceremonies_pages
    from app.claims import api as claims_api
    from app.claims import pages as claims_pages
    from app.compact import api as compact_api
    from app.compact import pages as compact_pages
    from app.councils import api as councils_api
    from app.councils import pages as councils_pages
    from app.dashboard import api as dashboard_api
    from app.dashboard import pages as dashboard_pages
    from app.disclosure import api as disclosure_api
    from app.disclosure import pages as disclosure_pages
    from app.evaluation import api as evaluation_api
    from app.evaluation import pages as evaluation_pages
    from app.evaluation.pages import public as evaluation_public
    from app.exports import api as exports_api
    from app.exports import pages as exports_pages
    from app.inbox import api as inbox_api
    from app.inbox import pages as inbox_pages
    from app.ledger import api as ledger_api
    from app.ledger import chain_api as ledger_chain_api
    from app.ledger import funds_api as ledger_funds_api
    from app.ledger import funds_pages as ledger_funds_pages
    from app.ledger import pages as ledger_pages
    from app.org import api as org_api
    from app.org import pages as org_pages
    from app.org import roster_api as org_roster_api
    from app.org import staff_pages as org_staff_pages
    from app.org import units_api as org_units_api
    from app.shop import api as shop_api
    from app.shop import pages as shop_pages
    from app.shop.catalogue import media as shop_media
    from app.volunteer import api as volunteer_api
    from app.volunteer import applications_api as volunteer_applications_api
    from app.volunteer import pages as volunteer_pages

    # The public routes, all in one place: everything else needs a signed-in user.
    app.include_router(auth_api.public, prefix="/api/v1")
    app.include_router(auth_pages.public)
    app.include_router(shell.public)
    app.include_router(shop_media.public)
    app.include_router(shop_pages.public)  # /s/{shop_id}: the address on a shop's QR poster
    app.include_router(activities_pages.public)  # /a/{code}: the address in an activity's check-in QR
    app.include_router(observe.public)  # /metrics: its own token (METRICS_TOKEN), else 404
    app.include_router(evaluation_public.public)  # /public/villages/{id}/points: 积分公示 for everyone
    app.include_router(ledger_chain_api.public)  # /verify and /api/v1/public/ledger/…: a ledger anyone can check
    app.mount("/static", shell.HashedStaticFiles(directory=STATIC_DIR), name="static")

    # Each domain's API straight on the app, signed in: a router between them and the app would make every request
    # match its path once more against all of them (FastAPI matches a router's routes at each level it descends).
    # The shop's wings first: a counter's redemption is the request that most needs to be quick (app/route_gate.py
    # refuses the routers before it by their paths' fixed text). The order decides nothing else (tests/test_routing.py).
    for module in (*shop_api.WINGS, auth_api, org_roster_api, org_api, org_units_api, ledger_api, ledger_funds_api,
                   audit_api, disclosure_api, evaluation_api, volunteer_api, volunteer_applications_api, inbox_api,
                   claims_api, activities_api, exports_api, assist_api, councils_api, compact_api, ceremonies_api,
                   dashboard_api):
        app.include_router(module.router, prefix="/api/v1", dependencies=[Depends(current_actor)])
    for module in (auth_pages, ledger_pages, ledger_funds_pages, org_pages, org_staff_pages, audit_pages, shop_pages,
                   disclosure_pages, evaluation_pages, volunteer_pages, inbox_pages, claims_pages, activities_pages,
                   exports_pages, dashboard_pages, assist_pages, councils_pages, compact_pages,
                   ceremonies_pages):
        app.include_router(module.router, dependencies=[Depends(current_actor)], include_in_schema=False)

