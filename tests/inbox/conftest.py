"""The service-order fixture the message tests share with tests/volunteer."""

from tests.volunteer.conftest import new_order  # noqa: F401 - a fixture
