"""Schemathesis over the app's own /openapi.json (issue #7, item 3): every operation, with inputs that fit the schema
and inputs that do not (ids just past their range, 0 and negatives, NUL and other controls in text, wrong types,
unknown fields, other HTTP methods), signed in as the demo official, answers without a server error, and every
refusal has the API's error shape.

On SQLite alone, in-process (ASGI), derandomized with a bounded number of examples: the same cases on every run.

Each operation's test is built (its boundary cases worked out, schemathesis's coverage phase) when that test runs,
not at collection. `@schema.parametrize()` built all 225 operations' tests in every xdist worker before any ran (6–8
CPU-seconds a worker here, docs/performance.md "Fourteenth session"); here the test items are the operations' labels
(`METHOD /path`, from the app's own schema) and each is built once, by the worker that runs it, with schemathesis's
own builder: the same phases and settings. Its fuzzing draws are not the old collector's (a derandomized hypothesis
test seeds them from its function), but they are the same on every run."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source

from app.main import bind_app
from tests.conftest import make_settings, the_routed_app

pytestmark = pytest.mark.sqlite_only

EXAMPLES = 10  # per operation and kind of input (valid, invalid), beyond the coverage phase's boundary cases
# The schema is read once, from the run's app (tests/conftest.py); each operation's test binds it to a fresh demo
# database (and so does `api`, to the same database).
APP = the_routed_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
OPERATIONS = [f"{method.upper()} {path}" for path, item in APP.openapi()["paths"].items() for method in item
              if method in HTTP_METHODS]


@pytest.fixture
def bound(demo_engine):
    return bind_app(APP, make_settings(demo_engine), demo_engine, strict_templates=True)


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def answers_without_a_server_error(case, bound, api):
    response = case.call(headers=api.headers("official"))
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_input_gives_a_server_error(operation, bound, api):
    found = schema.find_operation_by_label(operation)
    assert found is not None, operation
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(schema))
    run = build_operation_test(config=schema.config, operation=found, test_func=answers_without_a_server_error,
                               given_kwargs={}, feedback=feedback)
    run(bound=bound, api=api)
