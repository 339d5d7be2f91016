"""扫码兑换 pages: the shop's poster and stable address, the villager's basket and 核销码, the counter's 核销."""

from fastapi import APIRouter

router = APIRouter()
