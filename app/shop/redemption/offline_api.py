"""Offline pay codes' JSON API (离线码, issue #21 item 3): a batch for the member's phone, what became of them, 挂失
(all, or one), the official's revocation for a household, and the village's cap."""

import base64

from fastapi import APIRouter, Response

from app.deps import ActorDep, SecretDep, SessionDep
from app.errors import NotFound
from app.ids import Id
from app.org.access import EVERYONE, get_visible, managed_household, own_household
from app.org.models import OrgUnit
from app.shop.qr import qr_svg
from app.shop.redemption import offline
from app.shop.redemption.models import (
    OfflineCapPublic,
    OfflineCapUpdate,
    OfflineCodeBatch,
    OfflineCodePublic,
    OfflineCodeState,
)
from app.shop.redemption.receipts import receipt

router = APIRouter(tags=["shop"])


def qr_data_uri(code: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode()


@router.post("/me/offline-codes", status_code=201, response_model=OfflineCodeBatch)
def fetch_offline_codes(response: Response, actor: ActorDep, session: SessionDep, secret: SecretDep
                        ) -> OfflineCodeBatch:
    """A fresh batch for this phone (the member's earlier unused offline codes stop working)."""
    household = own_household(session, actor)
    issued = offline.issue_offline_codes(session, actor=actor, household=household, secret=secret)
    session.commit()
    response.headers["Cache-Control"] = "no-store"
    return OfflineCodeBatch(items=[OfflineCodePublic(id=i.row.id, code=i.code, cap=i.row.offline_cap,
                                                     expires_at=i.row.expires_at, qr_data_uri=qr_data_uri(i.code))
                                   for i in issued])


@router.get("/me/offline-codes")
def my_offline_codes(response: Response, actor: ActorDep, session: SessionDep) -> dict:
    """The member's offline codes of the last week and what became of each (used: with its receipt)."""
    own_household(session, actor)
    states = offline.my_offline_codes(session, actor=actor)
    response.headers["Cache-Control"] = "no-store"
    items = [OfflineCodeState(id=s.row.id, status=s.status, cap=s.row.offline_cap, expires_at=s.row.expires_at,
                              created_at=s.row.created_at,
                              receipt=receipt(session, s.redemption, reader=actor) if s.redemption else None)
             for s in states]
    return {"items": items, "next_cursor": None}


@router.delete("/me/offline-codes", status_code=204)
def report_phone_lost(actor: ActorDep, session: SessionDep) -> Response:
    """挂失: every live offline code of this member stops working."""
    offline.revoke_mine(session, actor=actor, household=own_household(session, actor))
    session.commit()
    return Response(status_code=204)


@router.delete("/me/offline-codes/{code_id}", status_code=204)
def revoke_offline_code(code_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    offline.revoke_one(session, actor=actor, code_id=code_id)
    session.commit()
    return Response(status_code=204)


@router.post("/households/{household_id}/offline-codes/revoke")
def revoke_household_codes(household_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """An official stops every live offline code of the household's members."""
    household = managed_household(session, actor, household_id)
    count = offline.revoke_for_household(session, actor=actor, household=household)
    session.commit()
    return {"household_id": household.id, "revoked": count}


def _village(session, actor, village_id: int) -> OrgUnit:
    village = get_visible(session, actor, OrgUnit, village_id, roles=EVERYONE, village=lambda v: v.id,
                          missing="找不到该村")
    if village.kind != "village":
        raise NotFound("找不到该村")
    return village


@router.get("/villages/{village_id}/offline-code-settings", response_model=OfflineCapPublic)
def get_offline_cap(village_id: Id, actor: ActorDep, session: SessionDep) -> OfflineCapPublic:
    village = _village(session, actor, village_id)
    return OfflineCapPublic(village_id=village.id, offline_cap=offline.offline_cap(session, village_id=village.id))


@router.put("/villages/{village_id}/offline-code-settings", response_model=OfflineCapPublic)
def put_offline_cap(village_id: Id, body: OfflineCapUpdate, actor: ActorDep, session: SessionDep
                    ) -> OfflineCapPublic:
    village = _village(session, actor, village_id)
    cap = offline.set_offline_cap(session, actor=actor, village_id=village.id, cap=body.offline_cap)
    session.commit()
    return OfflineCapPublic(village_id=village.id, offline_cap=cap)
