"""振风超市 JSON API: shops, goods, stock, pay codes, redemptions, settlement, household cards."""

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile
from sqlmodel import SQLModel

from app.deps import ActorDep, IdempotencyKey, SessionDep, SettingsDep, WriteSessionDep
from app.errors import NotFound, RateLimited
from app.ids import AfterId, Id
from app.images import process_photo
from app.org.access import EVERYONE, get_visible, managed_household, own_household
from app.org.models import OrgUnit
from app.paging import page_list
from app.shop import access, confirmations, paycodes, service
from app.shop import goods as catalogue
from app.shop.access import managed_shop, overseen_shop, shop_goods, staffed_shop, visible_redemption, visible_shop
from app.shop.counter import PayerPublic, counting_code_failures, describe_payer, throttle_code_tries
from app.shop.models import (
    ConfirmationDecision,
    ConfirmationPublic,
    GoodsCreate,
    GoodsPublic,
    GoodsUpdate,
    PayCodePublic,
    RedemptionCreate,
    RedemptionPublic,
    ShopPublic,
    ShopSettingsPublic,
    ShopSettingsUpdate,
    StockChange,
)
from app.shop.qr import qr_svg
from app.shop.receipts import receipts
from app.shop.settlement import monthly_settlement

router = APIRouter(tags=["shop"])
MAX_UPLOAD = 5 * 1024 * 1024 + 1


class CodeLookup(SQLModel):
    pay_code: str


class CardUnlockRequest(SQLModel):
    card_code: str
    pin: str


class Reason(SQLModel):
    reason: str


class CardIssue(SQLModel):
    pin: str


@router.get("/shops")
def list_shops(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None) -> dict:
    page = page_list(catalogue.list_shops(session, actor=actor), limit=limit, cursor=cursor)
    return {"items": [ShopPublic.model_validate(s, from_attributes=True) for s in page.items],
            "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/goods")
def list_goods(shop_id: Id, actor: ActorDep, session: SessionDep, q: str | None = None,
               include_inactive: bool = False, limit: int | None = None, cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id) if include_inactive else visible_shop(session, actor, shop_id)
    page = catalogue.page_goods(session, shop=shop, include_inactive=include_inactive, q=q, limit=limit,
                                cursor=cursor)
    return {"items": [catalogue.goods_public(g) for (g,) in page.items], "next_cursor": page.next_cursor}


@router.post("/shops/{shop_id}/goods", status_code=201, response_model=GoodsPublic)
def create_goods(shop_id: Id, body: GoodsCreate, actor: ActorDep, session: SessionDep,
                 idempotency_key: IdempotencyKey = None) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = catalogue.create_goods(session, actor=actor, shop=shop, name=body.name, points_price=body.points_price,
                                   stock=body.stock, low_stock_threshold=body.low_stock_threshold,
                                   idempotency_key=idempotency_key)
    session.commit()
    return catalogue.goods_public(goods)


@router.patch("/shops/{shop_id}/goods/{goods_id}", response_model=GoodsPublic)
def update_goods(shop_id: Id, goods_id: Id, body: GoodsUpdate, actor: ActorDep, session: SessionDep
                 ) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = catalogue.update_goods(session, actor=actor, shop=shop,
                                   goods=shop_goods(session, shop=shop, goods_id=goods_id),
                                   **body.model_dump(exclude_unset=True))
    session.commit()
    return catalogue.goods_public(goods)


@router.put("/shops/{shop_id}/goods/{goods_id}/photo", response_model=GoodsPublic)
def upload_photo(shop_id: Id, goods_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep,
                 session: SessionDep) -> GoodsPublic:
    data = photo.file.read(MAX_UPLOAD)  # a sync route: Pillow's work runs in the thread pool, not the event loop
    shop = managed_shop(session, actor, shop_id)
    goods = shop_goods(session, shop=shop, goods_id=goods_id)
    session.commit()  # end the short look-up: the photo is decoded holding no lock and no connection
    catalogue.set_goods_photo(session, actor=actor, shop=shop, goods=goods, photo=process_photo(data))
    session.commit()
    return catalogue.goods_public(goods)


@router.post("/shops/{shop_id}/goods/{goods_id}/stock", response_model=GoodsPublic)
def change_stock(shop_id: Id, goods_id: Id, body: StockChange, actor: ActorDep, session: SessionDep,
                 idempotency_key: IdempotencyKey = None) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = shop_goods(session, shop=shop, goods_id=goods_id)
    catalogue.change_stock(session, actor=actor, shop=shop, goods=goods, kind=body.kind, quantity=body.quantity,
                           reason=body.reason, idempotency_key=idempotency_key)
    session.commit()
    return catalogue.goods_public(goods)


@router.get("/shops/{shop_id}/goods/{goods_id}/movements")
def stock_movements(shop_id: Id, goods_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                    cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id)
    page = catalogue.stock_history(session, goods=shop_goods(session, shop=shop, goods_id=goods_id),
                                   limit=limit, cursor=cursor)
    return {"items": [m for (m,) in page.items], "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/low-stock")
def low_stock(shop_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
              cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id)
    page = page_list(catalogue.low_stock(session, shop=shop), limit=limit, cursor=cursor)
    return {"items": [catalogue.goods_public(g) for g in page.items], "next_cursor": page.next_cursor}


@router.get("/me/pay-code", response_model=PayCodePublic)
def my_pay_code(request: Request, actor: ActorDep, session: WriteSessionDep) -> PayCodePublic:
    household = own_household(session, actor)
    code, row = paycodes.issue_pay_code(session, user_id=actor.id, household=household,
                                        secret=request.app.state.secret)
    session.commit()
    return PayCodePublic(code=code, expires_at=row.expires_at, qr_svg_url=f"/api/v1/me/pay-code/{code}.svg")


@router.get("/me/pay-code/{code}.svg")
def my_pay_code_svg(code: str, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    own_household(session, actor)
    limiter, key = request.app.state.code_failures.by_attendant, f"user:{actor.id}"
    wait = limiter.wait(key)
    if wait is not None:
        raise RateLimited("尝试次数过多，请稍后再试", retry_after=wait)
    if not paycodes.code_belongs_to(session, code=code, household_id=actor.user.household_id,
                                    secret=request.app.state.secret):
        limiter.hit(key)
        raise NotFound("找不到该积分码")
    return Response(qr_svg(code), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/shops/{shop_id}/payer", response_model=PayerPublic)
def look_up_payer(shop_id: Id, body: CodeLookup, request: Request, actor: ActorDep, session: SessionDep
                  ) -> PayerPublic:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(request.app.state.code_tries, actor.id)
    with counting_code_failures(request.app.state.code_failures, attendant_id=actor.id, shop_id=shop.id):
        return describe_payer(session, shop=shop, code=body.pay_code, secret=request.app.state.secret)


@router.post("/shops/{shop_id}/card-unlock", response_model=PayerPublic)
def unlock_card(shop_id: Id, body: CardUnlockRequest, request: Request, actor: ActorDep, session: SessionDep,
                settings: SettingsDep) -> PayerPublic:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(request.app.state.code_tries, actor.id)
    with counting_code_failures(request.app.state.code_failures, attendant_id=actor.id, shop_id=shop.id):
        outcome = paycodes.unlock_card(session, shop=shop, card_code=body.card_code, pin=body.pin,
                                       secret=request.app.state.secret, tz=settings.timezone)
        session.commit()  # wrong PINs are counted even though the answer is a refusal
        if outcome.error:
            raise outcome.error
        return describe_payer(session, shop=shop, code=outcome.code, secret=request.app.state.secret)


@router.post("/shops/{shop_id}/redemptions", status_code=201, response_model=RedemptionPublic | ConfirmationPublic,
             responses={202: {"model": ConfirmationPublic,
                              "description": "Above the village's amount (pay codes only): waiting for the villager "
                                             "to confirm on their phone; poll GET /shops/{id}/confirmations/{cid}"}})
def redeem(shop_id: Id, body: RedemptionCreate, request: Request, response: Response, actor: ActorDep,
           session: SessionDep, settings: SettingsDep, idempotency_key: IdempotencyKey = None
           ) -> RedemptionPublic | ConfirmationPublic:
    with service.counter_queue(shop_id, wait=settings.db_write_wait):
        shop = visible_shop(session, actor, shop_id)  # redeem() itself checks the attendant is on the shop's staff
        with counting_code_failures(request.app.state.code_failures, attendant_id=actor.id, shop_id=shop.id):
            result = service.redeem(session, shop=shop, attendant=actor, pay_code=body.pay_code, items=body.items,
                                    idempotency_key=idempotency_key, secret=request.app.state.secret,
                                    expected_total=body.expected_total,
                                    confirm_above=confirmations.confirm_above(session, village_id=shop.village_id))
        session.commit()
    if isinstance(result, ConfirmationPublic):
        response.status_code = 202
    return result


@router.get("/shops/{shop_id}/redemptions/by-key/{key}", response_model=RedemptionPublic | ConfirmationPublic,
            responses={202: {"model": ConfirmationPublic, "description": "the request asked the villager"}})
def redemption_by_key(shop_id: Id, key: str, response: Response, actor: ActorDep, session: SessionDep
                      ) -> RedemptionPublic | ConfirmationPublic:
    shop = staffed_shop(session, actor, shop_id)
    waiting = confirmations.pending_for_key(session, attendant_id=actor.id, shop_id=shop.id, key=key)
    if waiting is not None:
        response.status_code = 202
        return confirmations.public(session, waiting, reader=actor)
    return service.redemption_by_key(session, shop=shop, attendant=actor, key=key)


@router.get("/shops/{shop_id}/confirmations/{confirmation_id}", response_model=ConfirmationPublic)
def counter_confirmation(shop_id: Id, confirmation_id: Id, actor: ActorDep, session: SessionDep
                         ) -> ConfirmationPublic:
    """The counter waits on this: pending until the villager answers (or expires_at passes: expired)."""
    shop = staffed_shop(session, actor, shop_id)
    return confirmations.public(session, access.counter_confirmation(session, actor, shop, confirmation_id),
                                reader=actor)


@router.post("/shops/{shop_id}/confirmations/{confirmation_id}/cancel", response_model=ConfirmationPublic)
def cancel_confirmation(shop_id: Id, confirmation_id: Id, actor: ActorDep, session: SessionDep
                        ) -> ConfirmationPublic:
    shop = staffed_shop(session, actor, shop_id)
    result = confirmations.cancel(session, row=access.counter_confirmation(session, actor, shop, confirmation_id),
                                  reader=actor)
    session.commit()
    return result


@router.get("/me/confirmations")
def my_confirmations(actor: ActorDep, session: SessionDep) -> dict:
    """Redemptions waiting for the household to confirm, newest first (at most a few: each lives 90 seconds)."""
    household = own_household(session, actor)
    rows = confirmations.pending_for_household(session, household_id=household.id)
    return {"items": [confirmations.public(session, r, reader=actor) for r in rows], "next_cursor": None}


@router.post("/me/confirmations/{confirmation_id}", response_model=ConfirmationPublic)
def decide_confirmation(confirmation_id: Id, body: ConfirmationDecision, request: Request, actor: ActorDep,
                        session: SessionDep) -> ConfirmationPublic:
    """`{"decision": "confirm", "total_points": n}` makes the redemption now (200 with `redemption`); `"refuse"` ends
    it. `total_points` is the total the phone showed: another total is 409 total_changed and nothing moves (optional
    for older clients; checked whenever sent). Another household's confirmation is 404; one that ended (refused,
    cancelled, expired) is 409 invalid_state."""
    row = access.own_confirmation(session, actor, confirmation_id)
    outcome = confirmations.decide(session, actor=actor, row=row, decision=body.decision,
                                   secret=request.app.state.secret, total_points=body.total_points)
    session.commit()  # a failed redemption is recorded on the confirmation (the counter reads why)
    if outcome.error:
        raise outcome.error
    return outcome.confirmation


@router.get("/villages/{village_id}/shop-settings", response_model=ShopSettingsPublic)
def get_shop_settings(village_id: Id, actor: ActorDep, session: SessionDep) -> ShopSettingsPublic:
    return confirmations.shop_settings(session, village_id=_village(session, actor, village_id).id)


def _village(session, actor, village_id: int) -> OrgUnit:
    village = get_visible(session, actor, OrgUnit, village_id, roles=EVERYONE, village=lambda v: v.id,
                          missing="找不到该村")
    if village.kind != "village":
        raise NotFound("找不到该村")
    return village


@router.put("/villages/{village_id}/shop-settings", response_model=ShopSettingsPublic)
def put_shop_settings(village_id: Id, body: ShopSettingsUpdate, actor: ActorDep, session: SessionDep
                      ) -> ShopSettingsPublic:
    result = confirmations.set_confirm_above(session, actor=actor, village_id=_village(session, actor, village_id).id,
                                             amount=body.confirm_above)
    session.commit()
    return result


@router.get("/shops/{shop_id}/redemptions")
def shop_redemptions(shop_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                     cursor: str | None = None) -> dict:
    shop = overseen_shop(session, actor, shop_id)
    page = service.shop_redemptions(session, shop=shop, limit=limit, cursor=cursor)
    return {"items": receipts(session, [r for (r,) in page.items], reader=actor), "next_cursor": page.next_cursor}


@router.get("/redemptions/{redemption_id}", response_model=RedemptionPublic)
def get_redemption(redemption_id: Id, actor: ActorDep, session: SessionDep) -> RedemptionPublic:
    return service.receipt(session, visible_redemption(session, actor, redemption_id), reader=actor)


@router.post("/redemptions/{redemption_id}/reversal", response_model=RedemptionPublic)
def reverse_redemption(redemption_id: Id, body: Reason, actor: ActorDep, session: SessionDep,
                       idempotency_key: IdempotencyKey = None) -> RedemptionPublic:
    redemption = visible_redemption(session, actor, redemption_id)
    result = service.reverse_redemption(session, actor=actor, redemption=redemption, reason=body.reason,
                                        idempotency_key=idempotency_key)
    session.commit()
    return result


@router.get("/me/redemptions")
def my_redemptions(actor: ActorDep, session: SessionDep, after_id: AfterId = 0, limit: int | None = None,
                   cursor: str | None = None) -> dict:
    """The household's receipts, newest first; `after_id` keeps only those newer than one already seen."""
    household = own_household(session, actor)
    page = service.household_redemptions(session, household_id=household.id, after_id=after_id, limit=limit,
                                         cursor=cursor)
    return {"items": receipts(session, [r for (r,) in page.items], reader=actor), "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/settlements/{month}")
def settlement(shop_id: Id, month: str, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> dict:
    shop = overseen_shop(session, actor, shop_id)
    result = monthly_settlement(session, shop=shop, month=month, tz=settings.timezone)
    return {"shop_id": shop.id, "month": month, "total_points": result.total_points,
            "redemptions": result.redemptions, "rows": [vars(r) for r in result.rows]}


@router.post("/households/{household_id}/cards", status_code=201)
def issue_card(household_id: Id, body: CardIssue, request: Request, actor: ActorDep, session: SessionDep,
               idempotency_key: IdempotencyKey = None) -> dict:
    household = managed_household(session, actor, household_id)
    code, card = paycodes.issue_card(session, actor=actor, household=household, pin=body.pin,
                                     secret=request.app.state.secret, idempotency_key=idempotency_key)
    session.commit()
    return {"id": card.id, "household_id": household.id, "card_code": code, "issued_at": card.issued_at}


@router.post("/households/{household_id}/cards/{card_id}/revoke")
def revoke_card(household_id: Id, card_id: Id, body: Reason, actor: ActorDep, session: SessionDep) -> dict:
    household = managed_household(session, actor, household_id)
    card = paycodes.revoke_card(session, actor=actor, household=household, card_id=card_id, reason=body.reason)
    session.commit()
    return {"id": card.id, "household_id": household.id, "revoked_at": card.revoked_at}

