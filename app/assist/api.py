"""帮办员 JSON API: a village's helpers (appoint, end) for its officials; 我帮办的家庭 (each household's balance and
recent history) for a helper. A helper orders through POST /api/v1/orders with the household's id."""

from fastapi import APIRouter

from app.assist import service
from app.assist.access import appointment_for, helped_household, helper_village
from app.assist.models import HelpedHousehold, HelperAppoint, HelperPublic
from app.deps import ActorDep, CodeTriesDep, IdempotencyKey, SecretDep, SessionDep, SettingsDep
from app.ids import Id
from app.shop.redemption.counter import throttle_code_tries

router = APIRouter(tags=["assist"])


@router.get("/villages/{village_id}/helpers", response_model=list[HelperPublic])
def village_helpers(village_id: Id, actor: ActorDep, session: SessionDep) -> list[HelperPublic]:
    return service.village_helpers(session, village_id=helper_village(actor, village_id))


@router.post("/villages/{village_id}/helpers", response_model=HelperPublic, status_code=201)
def appoint(
    village_id: Id,
    body: HelperAppoint,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    secret: SecretDep,
    code_tries: CodeTriesDep,
    key: IdempotencyKey = None,
) -> HelperPublic:
    """Appoint a 帮办员 with the household's consent: `paper` (a note of the signed form) or `card_pin` (its card and
    卡密码 now; wrong PINs are counted and lock the card as at the counter)."""
    village = helper_village(actor, village_id)
    if body.consent == "card_pin":
        throttle_code_tries(code_tries, actor.id)
    row, refusal = service.appoint(
        session,
        actor=actor,
        village_id=village,
        household_id=body.household_id,
        helper_id=body.helper_id,
        consent=body.consent,
        consent_note=body.consent_note,
        card_code=body.card_code,
        pin=body.pin,
        secret=secret,
        tz=settings.timezone,
        idempotency_key=key,
    )
    session.commit()  # a wrong PIN is counted even though the answer is a refusal
    if refusal is not None:
        raise refusal
    return service.one(session, appointment_id=row.id)


@router.post("/helpers/{appointment_id}/end", response_model=HelperPublic)
def end(appointment_id: Id, actor: ActorDep, session: SessionDep) -> HelperPublic:
    """The village's official, or a member of the household helped, ends the appointment."""
    row = service.end(session, actor=actor, appointment=appointment_for(session, actor, appointment_id))
    session.commit()
    return service.one(session, appointment_id=row.id)


@router.get("/me/helped-households", response_model=list[HelpedHousehold])
def my_helped(actor: ActorDep, session: SessionDep) -> list[HelpedHousehold]:
    """我帮办的家庭: the households the signed-in user helps now, with their balances."""
    return service.my_helped(session, actor=actor)


@router.get("/helped-households/{household_id}", response_model=HelpedHousehold)
def helped(household_id: Id, actor: ActorDep, session: SessionDep) -> HelpedHousehold:
    """One household the user helps: its balance and its last entries (to show or read to them)."""
    household, appointment = helped_household(session, actor, household_id)
    return service.helped(session, household=household, appointment=appointment, history=service.HISTORY_LINES)
