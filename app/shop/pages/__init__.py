"""振风超市 pages, by area: catalogue (goods and stock), books (redemptions, settlement), cards (printed household
cards), counter (the villager's 积分码 and the attendant's 收银台), settings (大额兑换确认)."""

from fastapi import APIRouter

from app.shop.pages import books, cards, catalogue, counter, settings

router = APIRouter()
for area in (counter, catalogue, books, cards, settings):
    router.include_router(area.router)
