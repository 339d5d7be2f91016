"""Pages: the household's points history; awarding and reversing (officials)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import NotFound
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger import approvals, service
from app.ledger.history import household_history
from app.ledger.models import SOURCE_LABELS
from app.org.access import acting_household, managed_household

router = APIRouter()


@router.get("/points")
def points_history(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                   cursor: str | None = None) -> Response:
    household = acting_household(session, actor)
    if household is None:
        raise NotFound("您的账号还没有关联农户")
    balance = service.household_balance(session, household_id=household.id)  # first: holds due back come back
    page = household_history(session, household=household, limit=20, cursor=cursor)
    waiting = approvals.household_requests(session, household_id=household.id, refused=0)
    return render(request, "ledger/history.html", {"tab": "points", "household": household, "balance": balance,
                                                   "entries": page.items, "next_cursor": page.next_cursor,
                                                   "waiting": waiting, "sources": SOURCE_LABELS},
                  htmx=htmx, partial="ledger/_history_page.html")


@router.post("/admin/households/{household_id}/awards")
def award(household_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
          points: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
          category: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    result = approvals.propose_award(session, actor=actor, household=household, points=form_int(points),
                                     reason=reason, category=category or None, idempotency_key=form_key or None)
    session.commit()
    done = "pending" if result.status == approvals.PENDING else "award"
    return redirect_after_post(f"/admin/households/{household_id}?done={done}", htmx=htmx)


@router.post("/admin/awards/{transaction_id}/reverse")
def reverse(transaction_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            household_id: Annotated[Id, Form()], reason: Annotated[str, Form()] = "",
            form_key: Annotated[str, Form()] = "") -> Response:
    service.reverse_credit(session, actor=actor, transaction_id=transaction_id, reason=reason,
                          idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}?done=reverse", htmx=htmx)

