"""The order app/main.py includes the routers in serves the busiest requests first (the counter's); it decides
nothing else: no route of one router answers a path written for another router's route, so a request reaches the
same route whatever the order. The one pair that depends on it is listed."""

import re

from fastapi.routing import _IncludedRouter
from starlette.routing import Match, compile_path

from app.route_gate import _GatedRouter

# (the path written, the route of another router that would take it if its router came first)
ORDER_MATTERS = {("/api/v1/households/import-template.xlsx", "/api/v1/households/{household_id}")}


def _routes(routes, prefix: str = "", top: int | None = None) -> list[tuple[int, str, frozenset[str] | None]]:
    """Every route as (the app's router it is included under, its whole path, its methods)."""
    found = []
    for i, route in enumerate(routes):
        below = getattr(route, "original_router", None)  # FastAPI's included router
        if below is not None:
            found += _routes(below.routes, prefix + route.include_context.prefix, i if top is None else top)
        elif hasattr(route, "path"):
            methods = getattr(route, "methods", None)
            found.append((i if top is None else top, prefix + route.path, frozenset(methods) if methods else None))
    return found


def _example(path: str) -> str:
    """A path the template was written for: each parameter filled in."""
    return re.sub(r"\{[^}:]+(:[a-z]+)?\}", lambda m: "a/b" if m.group(1) == ":path" else "1", path)


def test_no_router_answers_another_routers_path(routed_app):
    routes = _routes(routed_app.router.routes)
    assert len(routes) > 400  # the walk reached into the included routers
    taken = set()
    for router, path, methods in routes:
        example = _example(path)
        for other_router, other_path, other_methods in routes:
            if other_router != router and compile_path(other_path)[0].fullmatch(example) and (
                    methods is None or other_methods is None or methods & other_methods):
                taken.add((path, other_path))
    assert taken == ORDER_MATTERS


def test_the_gated_routers_answer_as_fastapi_would(routed_app):
    """app/route_gate.py asks a router only about paths that begin with its routes' fixed text: for every route's
    path (filled in, with and without a trailing slash, a step deeper) and for paths no route has, each router
    answers as FastAPI's own matching would. One method stands for all: whether a router answers at all depends on
    the path alone, for the gate and for FastAPI (a path one of its routes matches is FULL, or PARTIAL for another
    method, never NONE), and where the gate lets a path through, FastAPI's own matching gives the answer."""
    gated = [route for route in routed_app.router.routes if isinstance(route, _GatedRouter)]
    assert len(gated) > 50  # every router the app includes is gated (none holds a mount or a group)
    written = {_example(path) for top, path, _ in _routes(routed_app.router.routes)
               if isinstance(routed_app.router.routes[top], _GatedRouter)}  # not /openapi.json, /static
    paths = written | {p + "/" for p in written} | {p.rstrip("/") for p in written} | {p + "/1" for p in written}
    paths |= {"", "/", "//", "/nowhere", "/api", "/api/v1", "/api/v2/shops", "/static/app.css", "/%E4%B8%AD"}
    answered = set()
    for path in sorted(paths):
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": []}
        for router in gated:
            mine, fastapis = router.matches(dict(scope)), _IncludedRouter.matches(router, dict(scope))
            assert mine[0] == fastapis[0], (path, router.include_context.prefix, mine, fastapis)
            if mine[0] != Match.NONE:
                answered.add(path)
    assert written <= answered  # every route's own path did reach a router (FULL, or PARTIAL for another method)
