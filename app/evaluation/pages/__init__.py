"""评比 pages, by area: rounds (the hub, criteria, scoring, notice, finalising) and boards (红黑榜 and its A4 print,
教育转化, coverage, 积分公示)."""

from fastapi import APIRouter

from app.evaluation.pages import boards, rounds

router = APIRouter()
for area in (rounds, boards):
    router.include_router(area.router)
