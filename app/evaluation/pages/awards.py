"""评比 pages by area — awards: credits above a village's limits (direct awards, evaluation results, service hours),
waiting for another official of the village or the town admin (app/ledger/approvals.py), and the limits and bounds
the town sets (app/ledger/policy.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import col, select

from app.deps import ActorDep, HtmxDep, SessionDep
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger import approvals, policy
from app.ledger.models import SOURCE_LABELS, AwardLimit, AwardRequest, TxnKind
from app.org.access import ADMINS, VILLAGE_STAFF
from app.org.models import Household, OrgUnit, User

router = APIRouter(prefix="/evaluation")
DONE = {"approve": "已批准，积分已发放", "refuse": "已不批准：这笔积分不发放，理由已记下", "limits": "限额已保存",
        "bounds": "规则上限已保存"}


@router.get("/awards")
def waiting_awards(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    actor.require_any(VILLAGE_STAFF)
    rows = approvals.pending_awards(session, actor=actor)
    homes = {h.id: h.head_name for h in session.exec(select(Household).where(
        col(Household.id).in_({r.household_id for r in rows})))} if rows else {}
    proposers = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({r.proposed_by_id for r in rows})))} if rows else {}
    villages = sorted(actor.villages(VILLAGE_STAFF))
    names = {u.id: u.name for u in session.exec(select(OrgUnit).where(col(OrgUnit.id).in_(villages)))}
    bounds = policy.village_policies(session, village_ids=villages)
    policies = [(names.get(v, ""), bounds[v]) for v in villages]
    return render(request, "evaluation/awards.html", {
        "tab": "home", "rows": rows, "homes": homes, "people": {i: u.name for i, u in proposers.items()},
        "links": {r.id: source_link(r) for r in rows},
        "why": {r.id: _why_waiting(r, bounds.get(r.village_id), proposers.get(r.proposed_by_id)) for r in rows},
        "policies": policies, "approvable": {r.id for r in rows if approvals.may_approve(actor, r)},
        "sources": SOURCE_LABELS, "village_names": names, "can_set": actor.has_role(ADMINS),
        "done": DONE.get(done, "")})


def _why_waiting(row: AwardRequest, limits: AwardLimit | None, proposer: User | None) -> str:
    """Why a credit waits, in words: its proposer's own household (回避), one credit over the limit, or the month."""
    if proposer is not None and proposer.household_id == row.household_id:
        return "提交人是这户的成员（回避）"
    if limits is not None and row.points > limits.single_limit:
        return f"超过单笔限额 {limits.single_limit} 分"
    if limits is not None:
        return f"这户本月积分超过 {limits.monthly_limit} 分"
    return ""


def source_link(row: AwardRequest) -> str:
    """Where the credit came from, for the approver to look at (a round, a service order), else empty."""
    if row.source_id is None:
        return ""
    return {TxnKind.evaluation: f"/evaluation/rounds/{row.source_id}",
            TxnKind.service: f"/service/orders/{row.source_id}",
            TxnKind.claim: f"/claims/{row.source_id}",
            TxnKind.activity: f"/activities/{row.source_id}",
            TxnKind.ceremony: f"/ceremonies/{row.source_id}"}.get(row.source_kind, "")


@router.post("/awards/{request_id}/approve")
def approve(request_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    approvals.approve_award(session, actor=actor, request=approvals.visible_request(session, actor, request_id))
    session.commit()
    return redirect_after_post("/evaluation/awards?done=approve", htmx=htmx)


@router.post("/awards/{request_id}/refuse")
def refuse(request_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           reason: Annotated[str, Form()] = "") -> Response:
    approvals.refuse_award(session, actor=actor, request=approvals.visible_request(session, actor, request_id),
                           reason=reason)
    session.commit()
    return redirect_after_post("/evaluation/awards?done=refuse", htmx=htmx)


@router.post("/awards/limits")
def set_limits(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
               single_limit: Annotated[str, Form()] = "", monthly_limit: Annotated[str, Form()] = "") -> Response:
    policy.set_limits(session, actor=actor, village_id=village_id, single_limit=form_int(single_limit),
                         monthly_limit=form_int(monthly_limit))
    session.commit()
    return redirect_after_post("/evaluation/awards?done=limits", htmx=htmx)


@router.post("/awards/bounds")
def set_bounds(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
               max_points_per_hour: Annotated[str, Form()] = "", max_service_cap: Annotated[str, Form()] = "",
               min_notice_days: Annotated[str, Form()] = "") -> Response:
    policy.set_bounds(session, actor=actor, village_id=village_id, max_points_per_hour=form_int(max_points_per_hour),
                      max_service_cap=form_int(max_service_cap), min_notice_days=form_int(min_notice_days))
    session.commit()
    return redirect_after_post("/evaluation/awards?done=bounds", htmx=htmx)
