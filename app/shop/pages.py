"""振风超市 pages: each wing's routes (catalogue, redemption, books, 扫码兑换 requests), mounted together; `public`
holds the one page a signed-out phone may open (/s/{id}, the address on a shop's poster)."""

from fastapi import APIRouter

from app.shop.books import pages as books_pages
from app.shop.catalogue import pages as catalogue_pages
from app.shop.lifecycle import pages as lifecycle_pages
from app.shop.redemption.pages import cards, counter, offline, settings
from app.shop.requests import pages as requests_pages

public = requests_pages.public
router = APIRouter()
# The order the routes were always matched in: the counter first, then the catalogue, the books, cards and settings.
for wing in (counter, catalogue_pages, lifecycle_pages, books_pages, cards, settings, offline, requests_pages):
    router.include_router(wing.router)
