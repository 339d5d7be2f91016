"""Each router the app includes is asked only about paths that begin with its routes' fixed text.

FastAPI (0.165) finds a request's route by asking every router the app includes in turn, and a router answers by
matching the path against each of its routes' patterns (and again, inside the router it picked). With ~480 routes
in ~55 routers, a page request matched some 400 patterns before its own: 0.4–0.5 ms of Python a request, about 15 %
of the server's CPU in the browser tests. A route's pattern is its path, and every path it matches begins with the
fixed text before its first parameter (is the whole path, for a route without one). So a path that begins with none
of a router's prefixes, and is none of its fixed paths, is answered "no match" by a string test; every other path
is matched by FastAPI as before (the order, the method's 405, the trailing slash's redirect: all unchanged).
"""

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Route
from starlette.types import Scope


@dataclass
class _GatedRouter(_IncludedRouter):
    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            path = get_route_path(scope)
            if path not in self.exact and not path.startswith(self.prefixes):
                return Match.NONE, {}
        return super().matches(scope)


def gate_routers(app: FastAPI) -> None:
    """Every router included on `app` whose routes are all plain paths asked only about the paths they can match."""
    routes = app.router.routes
    for i, route in enumerate(routes):
        if type(route) is not _IncludedRouter:
            continue
        paths = _paths(route.original_router.routes, route.include_context.prefix)
        if paths is None:
            continue
        exact = frozenset(p for p in paths if "{" not in p)
        prefixes = tuple(sorted({p[:p.index("{")] for p in paths if "{" in p}))
        # FastAPI builds the routes' effective forms (their paths, dependencies and responses under the include) when
        # the router is first asked: the gate reads only the paths, so a server's start builds none of them.
        routes[i] = _GatedRouter(original_router=route.original_router, include_context=route.include_context,
                                 exact=exact, prefixes=prefixes)


def _paths(routes: list, prefix: str) -> list[str] | None:
    """The whole path of every route in `routes` included under `prefix` (routers included in them too, under theirs),
    as FastAPI's include makes it (the prefixes put before the route's own path); None where one is not a plain path
    (a mount, a group)."""
    found: list[str] = []
    for route in routes:
        if isinstance(route, _IncludedRouter):
            below = _paths(route.original_router.routes, prefix + route.include_context.prefix)
            if below is None:
                return None
            found += below
        elif isinstance(route, APIRoute) or type(route) is Route:
            found.append(prefix + route.path)
        else:
            return None
    return found
