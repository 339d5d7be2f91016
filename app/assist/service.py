"""帮办员: appoint (with the household's consent, on paper or by its card + 卡密码), end, and what a helper reads
for the households they help (balance and recent history). Services add and flush; the route commits."""

from sqlmodel import Session, select

from app.assist.models import (
    CONSENT_LABELS,
    HELPER_TARGET,
    AssistAction,
    Consent,
    HelpedHousehold,
    HelperPublic,
    HouseholdHelper,
)
from app.audit.service import record_action
from app.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.ledger.service import household_balance, household_ledger
from app.org.access import Actor, load_actor, member_village, require_may_decide_for
from app.org.models import Household, RoleAssignment, User
from app.shop.redemption.paycodes import check_card
from app.text import clean_text
from app.timeutil import utcnow

HISTORY_LINES = 10


def appoint(
    session: Session,
    *,
    actor: Actor,
    village_id: int,
    household_id: int,
    helper_id: int,
    consent: str,
    consent_note: str,
    card_code: str,
    pin: str,
    secret: str,
    tz: str,
    idempotency_key: str | None = None,
) -> tuple[HouseholdHelper | None, DomainError | None]:
    """An official of the village appoints `helper_id` 帮办员 of the household. Not for their own household (回避),
    nor themselves; the helper is a person of the village and not of the household. Consent on paper (a note of
    where the signed form is) or by the household's card and 卡密码 entered now — a wrong PIN is counted (and locks
    the card, as at the counter) and returned for the route to save before it answers."""
    household = session.get(Household, household_id) if in_range(household_id) else None
    if household is None or household.village_id != village_id:
        raise NotFound("找不到该农户")
    require_may_decide_for(
        actor,
        household.id,
        involved=[helper_id],
        message="按回避规定，不能为自己家任命帮办员，也不能任命自己，请由其他村干部办理",
    )
    helper = session.get(User, helper_id) if in_range(helper_id) else None
    if helper is None or not helper.active or member_village(session, load_actor(session, helper)) != village_id:
        raise ValidationFailed("帮办员须是本村的人")
    if helper.household_id == household.id:
        raise ValidationFailed("帮办员不能是这一户的家庭成员")
    if consent not in set(Consent):
        raise ValidationFailed("请选择农户同意的方式：纸质同意书或户卡 + 卡密码")
    note = clean_text(consent_note, label="同意说明", max_length=200, required=consent == Consent.paper)
    card_id = None
    if consent == Consent.card_pin:
        card, error = check_card(session, village_id=village_id, card_code=card_code, pin=pin, secret=secret, tz=tz)
        if card is None:
            return None, error
        if card.household_id != household.id:
            return None, Forbidden("这张积分卡不是该农户的，请用被帮办家庭的积分卡")
        card_id = card.id

    def action() -> HouseholdHelper:
        if (
            session.exec(
                select(HouseholdHelper.id).where(
                    HouseholdHelper.household_id == household.id,
                    HouseholdHelper.helper_id == helper.id,
                    HouseholdHelper.ended_at.is_(None),
                )
            ).first()
            is not None
        ):
            raise Conflict(f"{helper.name} 已经是这一户的帮办员")
        row = HouseholdHelper(
            village_id=village_id,
            household_id=household.id,
            helper_id=helper.id,
            appointed_by_id=actor.id,
            consent=consent,
            consent_note=note,
            card_id=card_id,
            started_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_action(
            session,
            actor_id=actor.id,
            action=AssistAction.helper_appoint,
            village_id=village_id,
            target_type=HELPER_TARGET,
            target_id=row.id,
            target_label=f"{helper.name} → {household.head_name}家",
            reason=f"{CONSENT_LABELS[Consent(consent)]}" + (f"：{note}" if note else ""),
            detail={"household_id": household.id, "helper_id": helper.id, "consent": consent, "card_id": card_id},
        )
        return row

    row = create_once(
        session,
        scope=f"user:{actor.id}:helper-appoint",
        key=idempotency_key,
        payload={"household_id": household.id, "helper_id": helper.id, "consent": consent, "consent_note": note},
        model=HouseholdHelper,
        action=action,
    )
    return row, None


def end(session: Session, *, actor: Actor, appointment: HouseholdHelper) -> HouseholdHelper:
    """The official or the household ends a helper's appointment; ending an ended one changes nothing."""
    if appointment.ended_at is not None:
        return appointment
    appointment.ended_at, appointment.ended_by_id = utcnow(), actor.id
    session.add(appointment)
    helper = session.get(User, appointment.helper_id)
    household = session.get(Household, appointment.household_id)
    by_household = actor.user.household_id == appointment.household_id
    record_action(
        session,
        actor_id=actor.id,
        action=AssistAction.helper_end,
        village_id=appointment.village_id,
        target_type=HELPER_TARGET,
        target_id=appointment.id,
        target_label=f"{helper.name} → {household.head_name}家",
        reason="农户本人结束" if by_household else "村干部结束",
        detail={"helper_id": helper.id},
    )
    session.flush()
    return appointment


# --- reads -------------------------------------------------------------------------------------------------------


def _public(session: Session, row: HouseholdHelper) -> HelperPublic:
    helper, household = session.get(User, row.helper_id), session.get(Household, row.household_id)
    appointer = session.get(User, row.appointed_by_id)
    return HelperPublic(
        id=row.id,
        village_id=row.village_id,
        household_id=row.household_id,
        household=household.head_name,
        helper_id=row.helper_id,
        helper=helper.name,
        appointed_by=appointer.name if appointer else "",
        consent=row.consent,
        consent_label=CONSENT_LABELS.get(row.consent, row.consent),
        consent_note=row.consent_note,
        started_at=row.started_at,
        ended_at=row.ended_at,
        active=row.ended_at is None,
    )


def one(session: Session, *, appointment_id: int) -> HelperPublic:
    return _public(session, session.get(HouseholdHelper, appointment_id))


def village_helpers(session: Session, *, village_id: int) -> list[HelperPublic]:
    """The village's 帮办员, current first, then the ended ones (newest first)."""
    rows = session.exec(
        select(HouseholdHelper).where(HouseholdHelper.village_id == village_id).order_by(HouseholdHelper.id.desc())
    )
    return sorted((_public(session, r) for r in rows), key=lambda h: not h.active)


def household_helpers(session: Session, *, household_id: int) -> list[HelperPublic]:
    """The household's current helpers (shown to it, with a button to end each)."""
    rows = session.exec(
        select(HouseholdHelper).where(HouseholdHelper.household_id == household_id, HouseholdHelper.ended_at.is_(None))
    )
    return [_public(session, r) for r in rows]


def candidates(session: Session, *, village_id: int) -> list[User]:
    """People of the village who may be appointed: members of its households with a phone, and its staff."""
    members = session.exec(
        select(User)
        .join(Household, Household.id == User.household_id)
        .where(Household.village_id == village_id, User.active, User.phone.is_not(None))
    )
    staff = session.exec(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.org_id == village_id, User.active, User.household_id.is_(None))
    )
    return sorted({u.id: u for u in [*members, *staff]}.values(), key=lambda u: u.id)


def helped(
    session: Session, *, household: Household, appointment: HouseholdHelper, history: int = 0
) -> HelpedHousehold:
    lines = household_ledger(session, household=household, limit=history, cursor=None).items if history else []
    return HelpedHousehold(
        appointment_id=appointment.id,
        household_id=household.id,
        household=household.head_name,
        address=household.address,
        balance=household_balance(session, household_id=household.id),
        history=lines,
    )


def my_helped(session: Session, *, actor: Actor) -> list[HelpedHousehold]:
    """The households the actor helps now, each with its balance (我帮办的家庭)."""
    rows = session.exec(
        select(HouseholdHelper)
        .where(HouseholdHelper.helper_id == actor.id, HouseholdHelper.ended_at.is_(None))
        .order_by(HouseholdHelper.id)
    )
    return [helped(session, household=session.get(Household, r.household_id), appointment=r) for r in rows]
