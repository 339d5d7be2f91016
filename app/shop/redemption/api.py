"""Redemption's JSON API: pay codes, the counter (payer, card unlock, redeem, by key), confirmations, the village's
amount, receipts and their reversal, household cards."""

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.deps import (
    ActorDep,
    CodeFailuresDep,
    CodeTriesDep,
    IdempotencyKey,
    SecretDep,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from app.errors import NotFound, RateLimited
from app.ids import AfterId, Id
from app.org.access import EVERYONE, get_visible, managed_household, own_household
from app.org.models import OrgUnit
from app.shop import access
from app.shop.access import counter_shop, staffed_shop, visible_redemption
from app.shop.qr import qr_svg
from app.shop.redemption import confirmations, paycodes, service
from app.shop.redemption.counter import counting_code_failures, describe_payer, throttle_code_tries
from app.shop.redemption.models import (
    CardIssue,
    CardUnlockRequest,
    CodeLookup,
    ConfirmationDecision,
    ConfirmationPublic,
    PayCodePublic,
    PayerPublic,
    Reason,
    RedemptionCreate,
    RedemptionPublic,
    ShopSettingsPublic,
    ShopSettingsUpdate,
)
from app.shop.redemption.receipts import receipt, receipts

router = APIRouter(tags=["shop"])


@router.get("/me/pay-code", response_model=PayCodePublic)
def my_pay_code(actor: ActorDep, session: WriteSessionDep, secret: SecretDep) -> PayCodePublic:
    household = own_household(session, actor)
    code, row = paycodes.issue_pay_code(session, user_id=actor.id, household=household, secret=secret)
    session.commit()
    return PayCodePublic(code=code, expires_at=row.expires_at, qr_svg_url=f"/api/v1/me/pay-code/{code}.svg")


@router.get("/me/pay-code/{code}.svg")
def my_pay_code_svg(code: str, actor: ActorDep, session: SessionDep, secret: SecretDep,
                    code_failures: CodeFailuresDep) -> Response:
    own_household(session, actor)
    limiter, key = code_failures.by_attendant, f"user:{actor.id}"
    wait = limiter.wait(key)
    if wait is not None:
        raise RateLimited("尝试次数过多，请稍后再试", retry_after=wait)
    if not paycodes.code_belongs_to(session, code=code, household_id=actor.user.household_id, secret=secret):
        limiter.hit(key)
        raise NotFound("找不到该积分码")
    return Response(qr_svg(code), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/shops/{shop_id}/payer", response_model=PayerPublic)
def look_up_payer(shop_id: Id, body: CodeLookup, actor: ActorDep, session: SessionDep, secret: SecretDep,
                  code_tries: CodeTriesDep, code_failures: CodeFailuresDep) -> PayerPublic:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
        return describe_payer(session, shop=shop, code=body.pay_code, secret=secret)


@router.post("/shops/{shop_id}/card-unlock", response_model=PayerPublic)
def unlock_card(shop_id: Id, body: CardUnlockRequest, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                secret: SecretDep, code_tries: CodeTriesDep, code_failures: CodeFailuresDep) -> PayerPublic:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
        outcome = paycodes.unlock_card(session, shop=shop, card_code=body.card_code, pin=body.pin,
                                       secret=secret, tz=settings.timezone)
        session.commit()  # wrong PINs are counted even though the answer is a refusal
        if outcome.error:
            raise outcome.error
        return describe_payer(session, shop=shop, code=outcome.code, secret=secret)


@router.post("/shops/{shop_id}/redemptions", status_code=201, response_model=RedemptionPublic | ConfirmationPublic,
             responses={202: {"model": ConfirmationPublic,
                              "description": "Above the village's amount (pay codes only): waiting for the villager "
                                             "to confirm on their phone; poll GET /shops/{id}/confirmations/{cid}"}})
def redeem(shop_id: Id, body: RedemptionCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep,
           secret: SecretDep, code_failures: CodeFailuresDep, idempotency_key: IdempotencyKey = None) -> Response:
    with service.counter_queue(session, shop_id=shop_id, wait=settings.db_write_wait):
        counter = counter_shop(session, actor, shop_id)  # redeem() itself refuses an attendant not on its staff
        with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop_id):
            result = service.redeem(session, counter=counter, attendant=actor, pay_code=body.pay_code,
                                    items=body.items, idempotency_key=idempotency_key, secret=secret,
                                    expected_total=body.expected_total)
        session.commit()
    return model_answer(result, status_code=202 if isinstance(result, ConfirmationPublic) else 201)


def model_answer(model: BaseModel, *, status_code: int) -> Response:
    """A model the service built as the answer's JSON, written once: returned as a model, FastAPI would check it
    against the route's response model again (in a thread of its pool) and then write the same bytes."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


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
def decide_confirmation(confirmation_id: Id, body: ConfirmationDecision, actor: ActorDep, session: SessionDep,
                        secret: SecretDep) -> ConfirmationPublic:
    """`{"decision": "confirm", "total_points": n}` makes the redemption now (200 with `redemption`); `"refuse"` ends
    it. `total_points` is the total the phone showed: another total is 409 total_changed and nothing moves (optional
    for older clients; checked whenever sent). Another household's confirmation is 404; one that ended (refused,
    cancelled, expired) is 409 invalid_state."""
    row = access.own_confirmation(session, actor, confirmation_id)
    outcome = confirmations.decide(session, actor=actor, row=row, decision=body.decision,
                                   secret=secret, total_points=body.total_points)
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


@router.get("/redemptions/{redemption_id}", response_model=RedemptionPublic)
def get_redemption(redemption_id: Id, actor: ActorDep, session: SessionDep) -> RedemptionPublic:
    return receipt(session, visible_redemption(session, actor, redemption_id), reader=actor)


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


@router.post("/households/{household_id}/cards", status_code=201)
def issue_card(household_id: Id, body: CardIssue, actor: ActorDep, session: SessionDep, secret: SecretDep,
               idempotency_key: IdempotencyKey = None) -> dict:
    household = managed_household(session, actor, household_id)
    code, card = paycodes.issue_card(session, actor=actor, household=household, pin=body.pin,
                                     secret=secret, idempotency_key=idempotency_key)
    session.commit()
    return {"id": card.id, "household_id": household.id, "card_code": code, "issued_at": card.issued_at}


@router.post("/households/{household_id}/cards/{card_id}/revoke")
def revoke_card(household_id: Id, card_id: Id, body: Reason, actor: ActorDep, session: SessionDep) -> dict:
    household = managed_household(session, actor, household_id)
    card = paycodes.revoke_card(session, actor=actor, household=household, card_id=card_id, reason=body.reason)
    session.commit()
    return {"id": card.id, "household_id": household.id, "revoked_at": card.revoked_at}
