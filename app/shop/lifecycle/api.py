"""Shops from the app (JSON): `POST /shops` opens one (api-v1 "County operations"); `PATCH /shops/{id}` renames,
pauses, resumes or closes it (README "The API beyond api-v1")."""

from fastapi import APIRouter

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.shop.access import kept_shop, shop_village
from app.shop.lifecycle import service as lifecycle
from app.shop.models import ShopCreate, ShopPublic, ShopUpdate

router = APIRouter(tags=["shop"])


@router.post("/shops", status_code=201, response_model=ShopPublic)
def open_shop(body: ShopCreate, actor: ActorDep, session: SessionDep,
              idempotency_key: IdempotencyKey = None) -> ShopPublic:
    """An official of the village opens its shop: `{"village_id", "name", "partner"?}`."""
    village_id = shop_village(actor, body.village_id)
    shop = lifecycle.open_shop(session, actor=actor, village_id=village_id, name=body.name, partner=body.partner,
                               idempotency_key=idempotency_key)
    result = lifecycle.shop_public(shop)
    session.commit()
    return result


@router.patch("/shops/{shop_id}", response_model=ShopPublic)
def update_shop(shop_id: Id, body: ShopUpdate, actor: ActorDep, session: SessionDep) -> ShopPublic:
    """`{"status": "open"|"paused"|"closed", "name"?, "partner"?}`: paused, nothing new starts there (409
    shop_paused); closed, for good (409 shop_closed), its open 扫码 requests give their points back."""
    shop = lifecycle.update_shop(session, actor=actor, shop=kept_shop(session, actor, shop_id), status=body.status,
                                 name=body.name, partner=body.partner)
    result = lifecycle.shop_public(shop)
    session.commit()
    return result
