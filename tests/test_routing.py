"""The order app/main.py includes the routers in serves the busiest requests first (the counter's); it decides
nothing else: no route of one router answers a path written for another router's route, so a request reaches the
same route whatever the order. The one pair that depends on it is listed."""

import re

from starlette.routing import compile_path

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
