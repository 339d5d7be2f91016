"""帮办员 pages: the official's list of the village's helpers (appoint with consent, end), and the helper's
我帮办的家庭 (each household's balance, its last entries, and 代下单)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from app.assist import service
from app.assist.access import HELPER_KEEPERS, appointment_for, helped_household, helper_village
from app.assist.models import CONSENT_LABELS
from app.deps import ActorDep, CodeTriesDep, HtmxDep, SecretDep, SessionDep, SettingsDep
from app.errors import DomainError, NotFound
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import Actor
from app.org.models import Household, OrgUnit
from app.shop.redemption.counter import throttle_code_tries

router = APIRouter()
DONE = {"appoint": "已任命帮办员", "end": "帮办已结束"}


@router.get("/helpers")
def village_page(
    request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None, done: str = ""
) -> Response:
    village = helper_village(actor, village_id)
    return _village_page(request, session, actor, village, done=DONE.get(done, ""))


@router.post("/helpers")
def appoint(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    htmx: HtmxDep,
    settings: SettingsDep,
    secret: SecretDep,
    code_tries: CodeTriesDep,
    village_id: Annotated[str, Form()] = "",
    household_id: Annotated[str, Form()] = "",
    helper_id: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    consent_note: Annotated[str, Form()] = "",
    card_code: Annotated[str, Form()] = "",
    pin: Annotated[str, Form()] = "",
    form_key: Annotated[str, Form()] = "",
) -> Response:
    vid = form_int(village_id, blank=0)
    village = helper_village(actor, vid if vid > 0 else None)
    form = {"household_id": household_id, "helper_id": helper_id, "consent": consent, "consent_note": consent_note}
    try:
        if consent == "card_pin":
            throttle_code_tries(code_tries, actor.id)
        _, refusal = service.appoint(
            session,
            actor=actor,
            village_id=village,
            household_id=form_int(household_id, blank=0),
            helper_id=form_int(helper_id, blank=0),
            consent=consent,
            consent_note=consent_note,
            card_code=card_code,
            pin=pin,
            secret=secret,
            tz=settings.timezone,
            idempotency_key=form_key or None,
        )
        session.commit()  # a wrong PIN is counted even though the answer is a refusal
        if refusal is not None:
            raise refusal
    except DomainError as exc:
        session.rollback()
        response = _village_page(
            request, session, actor, village, error=exc.message, form=form, status_code=exc.status_code
        )
        response.headers["HX-Push-Url"] = "false"
        return response
    return redirect_after_post(f"/helpers?village_id={village}&done=appoint", htmx=htmx)


@router.post("/helpers/{appointment_id}/end")
def end(appointment_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    row = service.end(session, actor=actor, appointment=appointment_for(session, actor, appointment_id))
    session.commit()
    if actor.can(row.village_id, HELPER_KEEPERS):
        return redirect_after_post(f"/helpers?village_id={row.village_id}&done=end", htmx=htmx)
    return redirect_after_post("/helping/mine?done=end", htmx=htmx)


def _village_page(
    request: Request,
    session: Session,
    actor: Actor,
    village_id: int,
    *,
    done: str = "",
    error: str = "",
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    households = list(session.exec(select(Household).where(Household.village_id == village_id).order_by(Household.id)))
    return render(
        request,
        "assist/village.html",
        {
            "tab": "me",
            "village": session.get(OrgUnit, village_id),
            "helpers": service.village_helpers(session, village_id=village_id),
            "households": households,
            "people": service.candidates(session, village_id=village_id),
            "consents": CONSENT_LABELS,
            "done": done,
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/helping")
def helping(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """我帮办的家庭: each household the user helps, its balance, and 代下单."""
    return render(request, "assist/helping.html", {"tab": "me", "households": service.my_helped(session, actor=actor)})


@router.get("/helping/mine")
def my_helpers(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    """The household's own helpers (its members may end one)."""
    if not actor.user.household_id:
        raise NotFound("您的账号还没有关联农户")
    return render(
        request,
        "assist/mine.html",
        {
            "tab": "me",
            "helpers": service.household_helpers(session, household_id=actor.user.household_id),
            "done": DONE.get(done, ""),
        },
    )


@router.get("/helping/{household_id}")
def helped(household_id: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    household, appointment = helped_household(session, actor, household_id)
    view = service.helped(session, household=household, appointment=appointment, history=service.HISTORY_LINES)
    return render(request, "assist/helped.html", {"tab": "me", "h": view})
