"""服务 pages: the tab (我要点单, my orders, 接单, the station's board), an order with its timeline and the steps the
state machine allows the viewer, the volunteer's record of service, the village's ratings."""

from fastapi import APIRouter

from app.volunteer.pages import applications, orders, station

router = APIRouter()
for area in (orders, station, applications):
    router.include_router(area.router)
