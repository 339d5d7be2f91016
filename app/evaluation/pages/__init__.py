"""评比 pages, by area: rounds (the hub, criteria, scoring, notice, finalising) and boards (红黑榜 and its A4 print,
教育转化, coverage, 积分公示) and awards (direct awards waiting for a second person)."""

from fastapi import APIRouter

from app.evaluation.pages import awards, boards, rounds, scoring

router = APIRouter()
for area in (rounds, boards, awards, scoring):
    router.include_router(area.router)
