"""扫码兑换 JSON API (api-v1.md, Shop requests): the villager's basket and 核销码, the counter's 核销."""

from fastapi import APIRouter

from app.deps import ActorDep, CodeFailuresDep, CodeTriesDep, IdempotencyKey, SecretDep, SessionDep, SettingsDep
from app.ids import Id
from app.org.access import own_household
from app.shop.access import overseen_shop, staffed_shop, visible_shop
from app.shop.redemption.counter import counting_code_failures, throttle_code_tries
from app.shop.redemption.models import Reason, RedemptionPublic
from app.shop.redemption.service import counter_queue
from app.shop.requests import reading, service
from app.shop.requests.models import (
    ConsentCreate,
    DropItem,
    FulfilCreate,
    RequestMinutes,
    ShopRequestCreate,
    ShopRequestPublic,
)

router = APIRouter(tags=["shop requests"])


@router.post("/shops/{shop_id}/requests", status_code=201, response_model=ShopRequestPublic)
def create_request(shop_id: Id, body: ShopRequestCreate, actor: ActorDep, session: SessionDep, secret: SecretDep,
                   idempotency_key: IdempotencyKey = None) -> ShopRequestPublic:
    shop = visible_shop(session, actor, shop_id)
    req = service.create_request(session, actor=actor, shop=shop, items=body.items, idempotency_key=idempotency_key,
                                 secret=secret)
    session.commit()
    return reading.public(session, req, viewer=actor, secret=secret)


@router.get("/me/requests")
def my_requests(actor: ActorDep, session: SessionDep, secret: SecretDep, status: str | None = None,
                limit: int | None = None, cursor: str | None = None) -> dict:
    household = own_household(session, actor)
    page = reading.household_requests(session, household_id=household.id, status=status, limit=limit,
                                      cursor=cursor)
    return {"items": reading.public_many(session, [r for (r,) in page.items], viewer=actor, secret=secret),
            "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/requests")
def shop_requests(shop_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep,
                  status: str | None = None, limit: int | None = None, cursor: str | None = None) -> dict:
    shop = overseen_shop(session, actor, shop_id)
    page = reading.shop_requests(session, shop=shop, status=status, limit=limit, cursor=cursor)
    return {"items": reading.public_many(session, [r for (r,) in page.items], viewer=actor, secret=secret),
            "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/requests/{request_id}", response_model=ShopRequestPublic)
def get_request(shop_id: Id, request_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep
                ) -> ShopRequestPublic:
    shop = visible_shop(session, actor, shop_id)
    req = reading.visible_request(session, actor=actor, shop=shop, request_id=request_id)
    return reading.public(session, req, viewer=actor, secret=secret)


@router.post("/shops/{shop_id}/requests/{request_id}/cancel", response_model=ShopRequestPublic)
def cancel_request(shop_id: Id, request_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep
                   ) -> ShopRequestPublic:
    shop = visible_shop(session, actor, shop_id)
    req = service.cancel_request(session, actor=actor, shop=shop, request_id=request_id)
    session.commit()
    return reading.public(session, req, viewer=actor, secret=secret)


@router.post("/shops/{shop_id}/requests/{request_id}/consent", response_model=ShopRequestPublic)
def consent(shop_id: Id, request_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep,
            body: ConsentCreate | None = None) -> ShopRequestPublic:
    """`{"total_points": n}`: the new total the villager agrees to (another total now → 409 total_changed)."""
    shop = visible_shop(session, actor, shop_id)
    req = service.consent(session, actor=actor, shop=shop, request_id=request_id,
                          total_points=body.total_points if body else None)
    session.commit()
    return reading.public(session, req, viewer=actor, secret=secret)


@router.post("/shops/{shop_id}/requests/lookup", response_model=ShopRequestPublic)
def look_up(shop_id: Id, body: FulfilCreate, actor: ActorDep, session: SessionDep, secret: SecretDep,
            code_tries: CodeTriesDep, code_failures: CodeFailuresDep) -> ShopRequestPublic:
    """The counter checks a 核销码 without using it: the basket, the masked name, the total."""
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
        req = service.pending_by_code(session, shop=shop, code=body.code, secret=secret)
    return reading.public(session, req, viewer=actor, secret=secret)


@router.post("/shops/{shop_id}/requests/fulfil", status_code=201, response_model=RedemptionPublic)
def fulfil(shop_id: Id, body: FulfilCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep,
           secret: SecretDep, code_tries: CodeTriesDep, code_failures: CodeFailuresDep,
           idempotency_key: IdempotencyKey = None) -> RedemptionPublic:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    session.commit()
    with counter_queue(session, shop_id=shop_id, wait=settings.db_write_wait):
        with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
            result = service.fulfil(session, actor=actor, shop=shop, code=body.code,
                                    idempotency_key=idempotency_key, secret=secret)
        session.commit()
    return result


@router.post("/shops/{shop_id}/requests/{request_id}/drop", response_model=ShopRequestPublic)
def drop_item(shop_id: Id, request_id: Id, body: DropItem, actor: ActorDep, session: SessionDep,
              secret: SecretDep) -> ShopRequestPublic:
    shop = staffed_shop(session, actor, shop_id)
    req = service.drop_item(session, actor=actor, shop=shop, request_id=request_id, goods_id=body.goods_id)
    session.commit()
    return reading.public(session, req, viewer=actor, secret=secret)


@router.post("/shops/{shop_id}/requests/{request_id}/refuse", response_model=ShopRequestPublic)
def refuse(shop_id: Id, request_id: Id, body: Reason, actor: ActorDep, session: SessionDep, secret: SecretDep
           ) -> ShopRequestPublic:
    shop = staffed_shop(session, actor, shop_id)
    req = service.refuse_request(session, actor=actor, shop=shop, request_id=request_id, reason=body.reason)
    session.commit()
    return reading.public(session, req, viewer=actor, secret=secret)


@router.get("/shops/{shop_id}/request-minutes")
def get_request_minutes(shop_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    shop = visible_shop(session, actor, shop_id)
    return {"village_id": shop.village_id, "minutes": service.request_minutes(session, village_id=shop.village_id)}


@router.put("/shops/{shop_id}/request-minutes")
def put_request_minutes(shop_id: Id, body: RequestMinutes, actor: ActorDep, session: SessionDep) -> dict:
    """The village's officials set how long a 核销码 stays valid (for every shop of the village)."""
    shop = visible_shop(session, actor, shop_id)
    minutes = service.set_request_minutes(session, actor=actor, village_id=shop.village_id, minutes=body.minutes)
    session.commit()
    return {"village_id": shop.village_id, "minutes": minutes}
