"""Direct awards and the second person (issues #8, #15): an official's award goes through the one credit policy
(`credit_household`); a credit that waits — from any door — is approved by another official of the village or the
town (county) admin, never by its proposer nor by a member of the household it is for (回避), and posts exactly
once however often or concurrently that is sent."""

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import InvalidState
from app.idempotency import run_idempotent
from app.ledger.accounts import household_account
from app.ledger.models import AwardOutcome, AwardRequest, LedgerAction, LedgerEntry, TxnKind
from app.ledger.policy import (  # noqa: F401 - the limits are read from here too
    DEFAULT_MONTHLY_LIMIT,
    DEFAULT_SINGLE_LIMIT,
    PENDING,
    POSTED,
    REFUSED,
    set_limits,
    village_limits,
)
from app.ledger.service import Source, clean_award, credit_household, post_credit, tell_posted
from app.org.access import OFFICIALS, VILLAGE_STAFF, Actor, get_visible, may_decide_for, require_may_decide_for
from app.org.models import HOUSEHOLD_TARGET, ROLE_LABELS, Household, OrgUnit, Role, RoleAssignment, User
from app.text import clean_reason
from app.timeutil import utcnow

STATUS_LABELS = {PENDING: "待审批", POSTED: "已发放", REFUSED: "未批准"}
WHO_DECIDES = "另一位村干部或乡镇管理员"  # who approves or refuses a waiting credit (not its proposer, 回避)
RECUSED = f"提交人和受益农户的成员不能批准或不批准，请{WHO_DECIDES}处理"


def propose_award(session: Session, *, actor: Actor, household: Household, points: int, reason: str,
                  category: str | None, idempotency_key: str | None) -> AwardOutcome:
    """An official's direct award: posted at once within the village's limits, else left waiting for approval.
    Not to the official's own household (回避)."""
    actor.require(household.village_id, OFFICIALS)
    require_may_decide_for(actor, household.id, message="不能给自己家发放积分，请另一位村干部发放")
    points, reason, category = clean_award(points=points, reason=reason, category=category)

    def action() -> AwardOutcome:
        result = credit_household(session, household=household, points=points, reason=reason, category=category,
                                  source=Source(TxnKind.award), actor_id=actor.id, once=None)
        if result.status == POSTED:
            record_action(session, actor_id=actor.id, action=LedgerAction.points_award,
                          village_id=household.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                          target_label=household.head_name, reason=reason,
                          detail={"transaction_id": result.id, "points": points, "category": category})
        return result

    if idempotency_key is None:
        return action()
    return run_idempotent(session, scope=f"user:{actor.id}:award", key=idempotency_key,
                          payload={"household_id": household.id, "points": points, "reason": reason,
                                   "category": category}, result_type=AwardOutcome, action=action)


def visible_request(session: Session, actor: Actor, request_id: int) -> AwardRequest:
    return get_visible(session, actor, AwardRequest, request_id, roles=VILLAGE_STAFF, missing="找不到该奖励")


def may_approve(actor: Actor, request: AwardRequest) -> bool:
    """Whether the actor may approve this waiting credit (for showing the button)."""
    return (request.status == PENDING and actor.can(request.village_id, VILLAGE_STAFF)
            and may_decide_for(actor, request.household_id, involved=[request.proposed_by_id]))


def approve_award(session: Session, *, actor: Actor, request: AwardRequest) -> AwardOutcome:
    """Another official of the village, or the town (county) admin, approves a waiting credit: it posts once."""
    actor.require(request.village_id, VILLAGE_STAFF)
    require_may_decide_for(actor, request.household_id, involved=[request.proposed_by_id], message=RECUSED)
    moved = session.execute(update(AwardRequest).where(col(AwardRequest.id) == request.id,
                                                       col(AwardRequest.status) == PENDING)
                            .values(status=POSTED, approved_by_id=actor.id, decided_at=utcnow())).rowcount
    session.refresh(request)
    household = session.get(Household, request.household_id)
    if moved != 1:
        if request.status == POSTED and request.transaction_id is not None:
            return _outcome(session, request)
        raise InvalidState("这笔积分已经不批准了，不能再发放" if request.status == REFUSED else "这笔奖励已处理")
    # The conditional update above lets one approval through; the legs are written by it alone.
    posted = post_credit(session, household=household, points=request.points, reason=request.reason,
                         category=request.category, source=Source(TxnKind(request.source_kind), request.source_id),
                         actor_id=request.proposed_by_id)
    request.transaction_id = posted.id
    session.add(request)
    session.flush()
    record_action(session, actor_id=actor.id, action=LedgerAction.points_award_approve,
                  village_id=request.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                  target_label=household.head_name, reason=request.reason,
                  detail={"request_id": request.id, "transaction_id": posted.id, "points": request.points,
                          "proposed_by": request.proposed_by_id, "source": request.source_kind,
                          "source_id": request.source_id})
    tell_posted(session, request=request)
    return AwardOutcome(**posted.model_dump(), status=POSTED, request_id=request.id)


def refuse_award(session: Session, *, actor: Actor, request: AwardRequest, reason: str) -> AwardRequest:
    """Whoever may approve a waiting credit may refuse it instead, with a reason the household's officials read:
    it never posts. Once however often or concurrently that is sent (the same conditional update as approving:
    the first decision wins; refusing again answers the refusal, refusing a posted one is 409)."""
    actor.require(request.village_id, VILLAGE_STAFF)
    require_may_decide_for(actor, request.household_id, involved=[request.proposed_by_id], message=RECUSED)
    reason = clean_reason(reason, label="不批准的理由")
    moved = session.execute(update(AwardRequest).where(col(AwardRequest.id) == request.id,
                                                       col(AwardRequest.status) == PENDING)
                            .values(status=REFUSED, refused_by_id=actor.id, refusal_reason=reason,
                                    decided_at=utcnow())).rowcount
    session.refresh(request)
    if moved != 1:
        if request.status == REFUSED:
            return request
        raise InvalidState("这笔积分已批准发放，不能再不批准；要收回请撤销这笔积分")
    household = session.get(Household, request.household_id)
    record_action(session, actor_id=actor.id, action=LedgerAction.points_award_refuse,
                  village_id=request.village_id, target_type=HOUSEHOLD_TARGET, target_id=household.id,
                  target_label=household.head_name, reason=reason,
                  detail={"request_id": request.id, "points": request.points, "category": request.category,
                          "proposed_by": request.proposed_by_id, "source": request.source_kind,
                          "source_id": request.source_id})
    return request


def household_requests(session: Session, *, household_id: int, refused: int = 3) -> list[AwardRequest]:
    """The household's credits that did not post: every waiting one and the latest `refused`, newest first — for
    the household's pages, so nobody submits a waiting award again."""
    def of(status: str):
        return select(AwardRequest).where(AwardRequest.household_id == household_id, AwardRequest.status == status
                                          ).order_by(col(AwardRequest.id).desc())
    return list(session.exec(of(PENDING))) + list(session.exec(of(REFUSED).limit(refused)))


def approvers(session: Session, *, request: AwardRequest) -> list[str]:
    """Who may decide a waiting credit, by name and role — the village's other officials and the town admins over
    it, never its proposer nor a member of the household — so the page can say who must act."""
    village = session.get(OrgUnit, request.village_id)
    where = [and_(RoleAssignment.org_id == village.id, RoleAssignment.role == Role.official)]
    if village.parent_id is not None:
        where.append(and_(RoleAssignment.org_id == village.parent_id, RoleAssignment.role == Role.town_admin))
    rows = session.exec(select(User, RoleAssignment.role).join(RoleAssignment, RoleAssignment.user_id == User.id)
                        .where(or_(*where), User.active).order_by(RoleAssignment.role, User.id)).all()
    return [f"{user.name}（{ROLE_LABELS[role]}）" for user, role in rows
            if user.id != request.proposed_by_id and user.household_id != request.household_id]


def _outcome(session: Session, request: AwardRequest) -> AwardOutcome:
    account = household_account(session, household_id=request.household_id)
    after = session.exec(select(LedgerEntry.balance_after).where(
        LedgerEntry.transaction_id == request.transaction_id, LedgerEntry.account_id == account.id)).first()
    return AwardOutcome(id=request.transaction_id, household_id=request.household_id, points=request.points,
                        status=POSTED, balance_after=after, category=request.category, reason=request.reason,
                        request_id=request.id)


def pending_awards(session: Session, *, actor: Actor) -> list[AwardRequest]:
    """The waiting credits of the villages the actor runs or oversees, oldest first."""
    stmt = select(AwardRequest).where(AwardRequest.status == PENDING,
                                      col(AwardRequest.village_id).in_(sorted(actor.villages(VILLAGE_STAFF))))
    return list(session.exec(stmt.order_by(AwardRequest.id)))


def credit_request_for(session: Session, *, source: Source, household_id: int | None = None) -> AwardRequest | None:
    """The credit registered for a source (a service order, an evaluation round and household), if any."""
    stmt = select(AwardRequest).where(AwardRequest.source_kind == source.kind, AwardRequest.source_id == source.id)
    if household_id is not None:
        stmt = stmt.where(AwardRequest.household_id == household_id)
    return session.exec(stmt.order_by(col(AwardRequest.id).desc())).first()
