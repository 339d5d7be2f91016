"""Schemathesis over the app's own /openapi.json (issue #7, item 3): every operation, with inputs that fit the schema
and inputs that do not (ids just past their range, 0 and negatives, NUL and other controls in text, wrong types,
unknown fields, other HTTP methods), signed in as the demo official, answers without a server error, and every
refusal has the API's error shape.

On SQLite alone, in-process (ASGI), derandomized with a bounded number of examples: the same cases on every run."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import bind_app
from tests.conftest import make_settings, the_routed_app

pytestmark = pytest.mark.sqlite_only

EXAMPLES = 10  # per operation and kind of input (valid, invalid), beyond the coverage phase's boundary cases
# The schema is read once, from the run's app (tests/conftest.py); each operation's test binds it to a fresh demo
# database (and so does `api`, to the same database).
APP = the_routed_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def bound(demo_engine):
    return bind_app(APP, make_settings(demo_engine), demo_engine, strict_templates=True)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(case, bound, api):
    response = case.call(headers=api.headers("official"))
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}, body
