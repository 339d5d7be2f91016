"""The audit page tests drive the app like the page tests do."""

from tests.pages.conftest import web, web_engine  # noqa: F401
