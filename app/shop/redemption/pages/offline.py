"""离线码 on the pages (issue #21 item 3): 我的 → 挂失离线码 stops every offline code of the member at once (a lost
phone; signed in on another). The pay screen fetches and syncs its codes through the JSON API
(static/offline-codes.js)."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.htmx import redirect_after_post
from app.org.access import own_household
from app.shop.redemption import offline

router = APIRouter()


@router.post("/pay/offline-codes/revoke")
def report_phone_lost(actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    offline.revoke_mine(session, actor=actor, household=own_household(session, actor))
    session.commit()
    return redirect_after_post("/me?done=offline-lost", htmx=htmx)
