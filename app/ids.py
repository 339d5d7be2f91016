"""Ids at the edge: every id a request names (path, query, form field, JSON body, cursor) is an integer in
1..2**31-1, the range both databases hold: the keys are SQLAlchemy `Integer` columns, 64-bit on SQLite but
PostgreSQL's 32-bit `integer` (there, 3000000000 fails inside the database as a 500; beyond 64 bits SQLite's
driver overflows). Two thousand million rows of a kind is more than a county will write.

Out of that range (0, -1, 3000000000, 2**64), like an id that is not a number at all ("abc"), it is refused before
any query:
- in the URL's path (`/households/99999999999999999999`): 404 `not_found` — the URL names nothing, just as an id in
  range that names no record, or another village's record, is 404 (app/org/access.py);
- in a query string, a form field or a JSON body (`?after_id=`, `household_id`, a basket's `goods_id`): 422
  `validation_error` — the request's content is wrong, like any other field out of range.
app/errors_http.py turns the path case into 404. tests/test_ids.py fails when a route takes an id without these
types; app/db.py and app/errors_http.py answer 422 for any number that still reaches a database too large for it."""

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import Strict

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the smaller of the two engines' keys

Id = Annotated[int, Ge(1), Le(MAX_ID)]  # a route's path, query and form parameters; JSON fields that take "7" too
StrictId = Annotated[Id, Strict()]  # JSON fields that must be a number, not a string holding one
AfterId = Annotated[int, Ge(0), Le(MAX_ID)]  # "newer than this id": 0 for everything


def int_within(value: object, low: int, high: int) -> bool:
    """Whether `value` is a whole number in `low`..`high` (inclusive): an int, not a bool (JSON's `true` is not 1
    point), not a float — points, days, stars, counts a body or a form gives a service."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def in_range(value: int) -> bool:
    """Whether `value` could be an id at all (for ids that did not come through a route's parameters)."""
    return 0 < value <= MAX_ID
