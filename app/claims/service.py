"""申报: a villager claims a criterion of their village's 评比 for their household (a sentence, a photo); the
village's committee or an official approves it — the criterion's points go through the ledger's one door
(`credit_household`: the village's limits, 回避, a second person above them), once however often or concurrently
it is sent — or refuses it with a reason. The household is told either way (app/inbox).

Limits, checked when a claim is filed: one claim of a criterion per household per day, and no claim that would take
the household's credits this month (every door, and its claims still waiting) past the village's monthly limit
(app/ledger/policy.py). When it is approved the ledger checks its limits again: a credit above them waits for a
second person, as a direct award does."""

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.claims.models import (
    CLAIM_TARGET,
    MAX_NOTE,
    STATUS_LABELS,
    Claim,
    ClaimAction,
    ClaimPublic,
    ClaimStatus,
)
from app.errors import InvalidState, LimitReached, NotFound, ValidationFailed
from app.evaluation.models import Criterion, EvidencePhoto, ListKind
from app.idempotency import create_once
from app.ids import in_range
from app.images import Photo
from app.inbox.models import MessageKind
from app.inbox.service import household_users, notify
from app.ledger.models import AwardRequest, TxnKind
from app.ledger.policy import PENDING, month_total, village_limits
from app.ledger.service import Once, Source, credit_household, lock_household_account
from app.org.access import (
    COMMITTEE,
    OFFICIALS,
    VILLAGE_STAFF,
    Actor,
    get_visible,
    own_household,
    require_may_decide_for,
)
from app.org.models import Household, RoleAssignment
from app.paging import Page, page_desc
from app.text import clean_reason, clean_text
from app.timeutil import TIMEZONE, local, month_start, utcnow

# Who decides a village's claims: its 评比委员会 and officials (and the town or county admin over it).
DECIDERS = COMMITTEE | VILLAGE_STAFF
NO_CLAIM = "找不到该申报"
OWN_HOUSEHOLD = "按回避规定，自己家的申报须由其他评比委员或村干部审核"


# --- reading --------------------------------------------------------------------------------------------------

def visible_claim(session: Session, actor: Actor, claim_id: int) -> Claim:
    """A claim for its household's members and the village's deciders; anyone else: not found."""
    return get_visible(session, actor, Claim, claim_id, roles=DECIDERS,
                       also=lambda c: actor.user.household_id == c.household_id, missing=NO_CLAIM)


def claimable_criteria(session: Session, *, village_id: int) -> list[Criterion]:
    """What a villager may claim: the village's active criteria worth points and not for the black list."""
    return list(session.exec(select(Criterion).where(
        Criterion.village_id == village_id, col(Criterion.active), Criterion.points > 0,
        or_(col(Criterion.list_kind).is_(None), Criterion.list_kind != ListKind.black))
        .order_by(Criterion.category, Criterion.id)))


def household_claims(session: Session, *, household_id: int, limit: int | None = None,
                     cursor: str | None = None) -> Page:
    """The household's claims, newest first (我的申报)."""
    page = page_desc(session, select(Claim).where(Claim.household_id == household_id), Claim.id,
                     limit=limit, cursor=cursor)
    page.items = [row[0] for row in page.items]
    return page


def waiting_claims(session: Session, *, actor: Actor) -> list[Claim]:
    """The claims waiting in the villages the actor decides for, oldest first (待审申报)."""
    return list(session.exec(select(Claim).where(
        Claim.status == ClaimStatus.pending, col(Claim.village_id).in_(sorted(actor.villages(DECIDERS))))
        .order_by(Claim.id)))


def decided_claims(session: Session, *, actor: Actor, limit: int = 10) -> list[Claim]:
    """The latest decided claims of the actor's villages (what was done lately, on the queue's page)."""
    return list(session.exec(select(Claim).where(
        Claim.status != ClaimStatus.pending, col(Claim.village_id).in_(sorted(actor.villages(DECIDERS))))
        .order_by(col(Claim.decided_at).desc(), col(Claim.id).desc()).limit(limit)))


def may_decide(actor: Actor, claim: Claim) -> bool:
    """Whether the actor is offered 通过 / 不通过 on this claim."""
    return (claim.status == ClaimStatus.pending and actor.can(claim.village_id, DECIDERS)
            and actor.user.household_id != claim.household_id)


def credit_of(session: Session, claim: Claim) -> AwardRequest | None:
    """The credit an approved claim registered with the ledger (posted, waiting or refused by a second person)."""
    if claim.credit_request_id is None:
        return None
    return session.get(AwardRequest, claim.credit_request_id)


def claim_public(session: Session, claim: Claim) -> ClaimPublic:
    credit = credit_of(session, claim)
    return ClaimPublic(**claim.model_dump(exclude={"photo_id", "claim_day", "credit_request_id"}),
                       status_label=STATUS_LABELS[ClaimStatus(claim.status)],
                       photo_url=f"/claims/{claim.id}/photo.jpg" if claim.photo_id else None,
                       credit_status=credit.status if credit else None,
                       transaction_id=credit.transaction_id if credit else None)


def claim_photo(session: Session, claim: Claim) -> EvidencePhoto:
    photo = session.get(EvidencePhoto, claim.photo_id) if claim.photo_id else None
    if photo is None:
        raise NotFound("这条申报没有照片")
    return photo


# --- filing ---------------------------------------------------------------------------------------------------

def file_claim(session: Session, *, actor: Actor, criterion_id: int, note: str, photo: Photo | None,
               idempotency_key: str | None) -> Claim:
    """A villager claims a criterion of their village for their household, with a sentence and, best, a photo
    (already checked and re-encoded by app/images.py, outside the writer)."""
    household = own_household(session, actor, "只有村民可以申报积分")
    criterion = session.get(Criterion, criterion_id) if in_range(criterion_id) else None
    if criterion is None or criterion.village_id != household.village_id:
        raise NotFound("找不到该评比项目")
    if not criterion.active or criterion.points <= 0 or criterion.list_kind == ListKind.black:
        raise ValidationFailed("这一项不能申报，请选择其他项目", field="criterion_id")
    note = clean_text(note, label="申报说明", max_length=MAX_NOTE, multiline=True, field="note")
    day = local(utcnow(), TIMEZONE).date()

    def action() -> Claim:
        lock_household_account(session, household_id=household.id)  # the household's claims, one after another
        _within_limits(session, household=household, criterion=criterion, day=day)
        claim = Claim(village_id=household.village_id, household_id=household.id, claimant_id=actor.id,
                      criterion_id=criterion.id, criterion_name=criterion.name, category=criterion.category,
                      points=criterion.points, note=note, claim_day=day)
        if photo is not None:
            claim.photo_id = _store_photo(session, village_id=household.village_id, photo=photo)
        try:
            with session.begin_nested():
                session.add(claim)
                session.flush()
        except IntegrityError:  # the same claim sent twice at once without a key: the unique day decides
            raise LimitReached(SAME_DAY) from None
        record_action(session, actor_id=actor.id, action=ClaimAction.claim_file, village_id=claim.village_id,
                      target_type=CLAIM_TARGET, target_id=claim.id, target_label=criterion.name, reason=note,
                      detail={"household_id": household.id, "criterion_id": criterion.id, "points": claim.points})
        notify(session, kind=MessageKind.claim, user_ids=_deciders(session, village_id=claim.village_id),
               skip=household_users(session, household_id=household.id), link="/claims/queue",
               text=f"新的申报待审核：{criterion.name} +{claim.points} 分")
        return claim

    return create_once(session, scope=f"user:{actor.id}:claim", key=idempotency_key,
                       payload={"criterion_id": criterion.id, "note": note, "photo": photo is not None},
                       model=Claim, action=action)


SAME_DAY = "今天已经申报过这一项了，请等村里审核，明天再申报"


def _within_limits(session: Session, *, household: Household, criterion: Criterion, day) -> None:
    """One claim of a criterion a day; the month's credits (every door) and waiting claims within the limit."""
    if session.exec(select(Claim.id).where(Claim.household_id == household.id, Claim.criterion_id == criterion.id,
                                           Claim.claim_day == day)).first() is not None:
        raise LimitReached(SAME_DAY)
    _, monthly = village_limits(session, village_id=household.village_id)
    waiting = session.exec(select(func.coalesce(func.sum(Claim.points), 0)).where(
        Claim.household_id == household.id, Claim.status == ClaimStatus.pending,
        col(Claim.created_at) >= month_start())).one()
    total = month_total(session, household_id=household.id) + int(waiting)
    if total + criterion.points > monthly:
        raise LimitReached(f"这户本月积分已有 {total} 分（含待审核的申报），村里每户每月上限 {monthly} 分，"
                           f"这次申报 {criterion.points} 分超过上限，不能提交")


def _store_photo(session: Session, *, village_id: int, photo: Photo) -> int:
    data, content_type = photo
    image = EvidencePhoto(village_id=village_id, data=data, content_type=content_type)
    session.add(image)
    session.flush()
    return image.id


def attach_photo(session: Session, *, actor: Actor, claim: Claim, photo: Photo) -> Claim:
    """A member of the household adds (or replaces) the photo of a claim still waiting."""
    if actor.user.household_id != claim.household_id:
        raise NotFound(NO_CLAIM)
    if claim.status != ClaimStatus.pending:
        raise InvalidState("申报已审核，不能再换照片")
    claim.photo_id = _store_photo(session, village_id=claim.village_id, photo=photo)
    session.add(claim)
    session.flush()
    return claim


def _deciders(session: Session, *, village_id: int) -> list[int]:
    """The village's committee members and officials (told of a new claim)."""
    return sorted(set(session.exec(select(RoleAssignment.user_id).where(
        RoleAssignment.org_id == village_id, col(RoleAssignment.role).in_(sorted(COMMITTEE | OFFICIALS))))))


# --- deciding -------------------------------------------------------------------------------------------------

def _require_decider(actor: Actor, claim: Claim) -> None:
    actor.require(claim.village_id, DECIDERS, "只有评比委员或村干部可以审核申报")
    require_may_decide_for(actor, claim.household_id, involved=[claim.claimant_id], message=OWN_HOUSEHOLD)


def _decide(session: Session, claim: Claim, **values) -> bool:
    """Move a waiting claim on; False when another decision came first (the first one wins)."""
    moved = session.execute(update(Claim).where(col(Claim.id) == claim.id, col(Claim.status) == ClaimStatus.pending)
                            .values(decided_at=utcnow(), **values)
                            .execution_options(synchronize_session=False)).rowcount
    session.refresh(claim)
    return moved == 1


def approve_claim(session: Session, *, actor: Actor, claim: Claim) -> Claim:
    """The committee or an official approves a claim: the criterion's points are credited to the household through
    the ledger's door, once however often or concurrently it is sent (the conditional update lets one approval
    through; the door's Once scope guards the credit too). Above the village's limits the credit waits for a
    second person (app/ledger/approvals.py)."""
    _require_decider(actor, claim)
    if not _decide(session, claim, status=ClaimStatus.approved, decided_by_id=actor.id):
        if claim.status == ClaimStatus.approved:
            return claim
        raise InvalidState("这条申报已经不通过，不能再通过")
    household = session.get(Household, claim.household_id)
    outcome = credit_household(session, household=household, points=claim.points,
                               reason=f"村民申报：{claim.criterion_name}", category=claim.category,
                               source=Source(TxnKind.claim, claim.id), actor_id=actor.id,
                               once=Once(f"claim:{claim.id}", "credit"))
    claim.credit_request_id = outcome.request_id
    session.add(claim)
    session.flush()
    record_action(session, actor_id=actor.id, action=ClaimAction.claim_approve, village_id=claim.village_id,
                  target_type=CLAIM_TARGET, target_id=claim.id, target_label=claim.criterion_name,
                  detail={"household_id": claim.household_id, "points": claim.points, "credit": outcome.status,
                          "request_id": claim.credit_request_id})
    waits = "，超过村里限额，等另一位村干部批准后到账" if outcome.status == PENDING else ""
    notify(session, kind=MessageKind.claim, household_id=claim.household_id, link=f"/claims/{claim.id}",
           text=f"申报已通过：{claim.criterion_name} +{claim.points} 分{waits}")
    return claim


def refuse_claim(session: Session, *, actor: Actor, claim: Claim, reason: str) -> Claim:
    """The committee or an official refuses a claim with a reason the household reads; nothing is credited. Once:
    refusing again answers the refusal; refusing an approved claim is 409."""
    _require_decider(actor, claim)
    reason = clean_reason(reason, label="不通过的理由")
    if not _decide(session, claim, status=ClaimStatus.refused, decided_by_id=actor.id, refusal_reason=reason):
        if claim.status == ClaimStatus.refused:
            return claim
        raise InvalidState("这条申报已经通过，不能再不通过；要收回积分请村干部撤销这笔积分")
    record_action(session, actor_id=actor.id, action=ClaimAction.claim_refuse, village_id=claim.village_id,
                  target_type=CLAIM_TARGET, target_id=claim.id, target_label=claim.criterion_name, reason=reason,
                  detail={"household_id": claim.household_id, "points": claim.points})
    notify(session, kind=MessageKind.claim, household_id=claim.household_id, link=f"/claims/{claim.id}",
           text=f"申报未通过：{claim.criterion_name}。理由：{reason}")
    return claim
