"""振风超市 JSON API: each wing's routes (catalogue, redemption, books, 扫码兑换 requests), mounted together."""

from fastapi import APIRouter

from app.shop.books import api as books
from app.shop.catalogue import api as catalogue
from app.shop.redemption import api as redemption
from app.shop.requests import api as requests

router = APIRouter()
for wing in (catalogue, redemption, books, requests):
    router.include_router(wing.router)
