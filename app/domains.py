"""Every domain that lends the ledger words or holds (app/ledger/registry.py), imported in one place so that they
are always registered: app.main, app.__main__ and the tests import this module, as Alembic imports app/models.py."""

from app.shop.redemption import receipts as _redemption_words  # noqa: F401  (a redemption's goods)
from app.shop.requests import service as _request_holds  # noqa: F401  (a request's hold: its words, its check)
