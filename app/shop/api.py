"""振风超市 JSON API: each wing's routes (redemption, catalogue, the shop's own lifecycle, books, 扫码兑换 requests)."""

from app.shop.books import api as books_api
from app.shop.catalogue import api as catalogue_api
from app.shop.lifecycle import api as lifecycle_api
from app.shop.redemption import api as redemption_api
from app.shop.redemption import offline_api
from app.shop.requests import api as requests_api

# Each wing's router is included straight on the app (app/main.py): a router between them and the app made every shop
# request match its path once more against the wings' routes (FastAPI matches a router's routes to find it, and again
# to pick the route inside, at each level it descends).
WINGS = (redemption_api, catalogue_api, lifecycle_api, offline_api, books_api, requests_api)
