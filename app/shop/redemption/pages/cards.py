"""Shop pages by area — printed household cards (a QR and a PIN) for villagers without a smartphone."""

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.deps import ActorDep, HtmxDep, SecretDep, SessionDep
from app.errors import ValidationFailed
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import managed_household
from app.org.models import Household
from app.org.service import village_name
from app.shop.picking import DONE
from app.shop.qr import qr_svg
from app.shop.redemption import paycodes

router = APIRouter()


# --- household cards for people without a smartphone --------------------------------------------------------

@router.get("/admin/households/{household_id}/card")
def card(household_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    household = managed_household(session, actor, household_id)
    return _card_page(request, session, household, done=DONE.get(done, ""))


@router.post("/admin/households/{household_id}/card")
def issue_card(household_id: Id, request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
               pin: Annotated[str, Form()] = "", pin_again: Annotated[str, Form()] = "",
               form_key: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    try:
        pin = paycodes.confirm_pin(pin, pin_again)
        code, issued = paycodes.issue_card(session, actor=actor, household=household, pin=pin,
                                           secret=secret, idempotency_key=form_key or None)
    except ValidationFailed as exc:  # the form again, the message beside the 卡密码 it is about
        session.rollback()
        return _card_page(request, session, household, error=exc)
    session.commit()
    qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode()
    return render(request, "shop/card_sheet.html", {"tab": "admin", "household": household, "code": code,
                                                    "card": issued, "qr": qr,
                                                    "village": village_name(session, household.village_id)},
                  no_store=True)  # the card's code and QR: a credential, printed once


def _card_page(request: Request, session: Session, household: Household, *, done: str = "",
               error: ValidationFailed | None = None) -> Response:
    return render(request, "shop/card.html", {
        "tab": "admin", "household": household, "done": done,
        "cards": paycodes.active_cards(session, household_id=household.id),
        "errors": {error.field or "": error.message} if error else {}}, status_code=422 if error else 200)


@router.post("/admin/households/{household_id}/card/{card_id}/revoke")
def revoke_card(household_id: Id, card_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                reason: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    paycodes.revoke_card(session, actor=actor, household=household, card_id=card_id, reason=reason)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}/card?done=revoke", htmx=htmx)
