"""Every domain that lends the ledger words or holds (app/ledger/registry.py), gives a new village its defaults
(app/org/starters.py) or follows 四议两公开 decisions (app/disclosure/registry.py), imported in one place so that
they are always registered: app.main, app.__main__ and the tests import this module, as Alembic imports
app/models.py."""

from app.compact import service as _compact_follows  # noqa: F401  (村规民约: follows its decisions' steps)
from app.councils import service as _councils_start  # noqa: F401  (the four councils: 一约四会)
from app.disclosure import ledger_roots as _ledger_roots  # noqa: F401  (a month's ledger root, as a 财务 disclosure)
from app.disclosure import powers as _powers_start  # noqa: F401  (the 小微权力清单's 第 1 版)
from app.evaluation import criteria as _criteria_start  # noqa: F401  (the six categories' criteria)
from app.shop.redemption import receipts as _redemption_words  # noqa: F401  (a redemption's goods)
from app.shop.requests import service as _request_holds  # noqa: F401  (a request's hold: its words, its check)
from app.volunteer import catalogue as _menu_start  # noqa: F401  (the station's service menu)
