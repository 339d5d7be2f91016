"""The served household's phone on a service order: in full, to call, for the volunteer who accepted the order while
they still have to go there; masked (138****0004) for everyone else who reads the order in full; nothing for the
open pool (issue #18; the minimum necessary of issue #15)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.org.access import Actor
from app.org.models import Household, User
from app.org.service import mask_phone
from app.volunteer.models import OrderStatus, ServiceOrder


@dataclass(frozen=True)
class Contact:
    phone: str  # as this reader may read it
    can_call: bool  # in full: the page links it (tel:)


def may_call(viewer: Actor | None, order: ServiceOrder) -> bool:
    """The volunteer who accepted the order, until it is done."""
    return viewer is not None and order.status == OrderStatus.accepted and order.volunteer_id == viewer.id


def served_phone(session: Session, order: ServiceOrder, *, viewer: Actor | None, full_view: bool) -> Contact | None:
    """The phone of the served household (its head's, else a member's), as `viewer` may read it; None when the
    reader sees the order as the open pool does, or the household has no phone."""
    if not full_view or order.household_id is None:
        return None
    household = session.get(Household, order.household_id)
    members = session.exec(select(User).where(User.household_id == order.household_id, User.active,
                                              User.phone.is_not(None)).order_by(User.id)).all()
    if not members:
        return None
    head = next((m for m in members if household is not None and m.name == household.head_name), members[0])
    if may_call(viewer, order):
        return Contact(phone=head.phone, can_call=True)
    return Contact(phone=mask_phone(head.phone), can_call=False)
