from tests.pages.conftest import web, web_engine  # noqa: F401 - the page fixtures for tests/ledger/
