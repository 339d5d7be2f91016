"""振风超市 JSON API: each wing's routes (catalogue, the shop's own lifecycle, redemption, books, 扫码兑换 requests),
mounted together."""

from fastapi import APIRouter

from app.shop.books import api as books_api
from app.shop.catalogue import api as catalogue_api
from app.shop.lifecycle import api as lifecycle_api
from app.shop.redemption import api as redemption_api
from app.shop.redemption import offline_api
from app.shop.requests import api as requests_api

router = APIRouter()
for wing in (catalogue_api, lifecycle_api, redemption_api, offline_api, books_api, requests_api):
    router.include_router(wing.router)
