"""A 帮办员's appointment: who helps which household, who appointed them, how the household consented, and when it
ended. Read by app/assist/access.py (which households a helper may act for) and the volunteer domain (an order a
helper places says 由帮办员某某代办)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import Id
from app.ledger.models import LedgerLine
from app.timeutil import ts_column, utcnow


class Consent(StrEnum):
    paper = "paper"  # the household signed a paper form; the official ticks it and writes where it is kept
    card_pin = "card_pin"  # the household's card and 卡密码, entered there and then


CONSENT_LABELS = {Consent.paper: "纸质同意书", Consent.card_pin: "户卡 + 卡密码"}


@declare_actions
class AssistAction(AuditAction):
    helper_appoint = "helper.appoint", "任命帮办员"
    helper_end = "helper.end", "结束帮办"


HELPER_TARGET = declare_target("household_helper", "帮办员")


def helper_mark(name: str) -> str:
    """The words every helper action carries on the household's history and the audit log."""
    return f"由帮办员{name}代办"


class HouseholdHelper(SQLModel, table=True):
    __tablename__ = "household_helpers"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)  # the household's village
    household_id: int = Field(foreign_key="households.id", index=True)
    helper_id: int = Field(foreign_key="users.id", index=True)
    appointed_by_id: int = Field(foreign_key="users.id")
    consent: str = Field(sa_type=String(10))
    consent_note: str = Field(default="", sa_type=String(200))
    card_id: int | None = Field(default=None, foreign_key="household_cards.id")  # the card that consented
    started_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    ended_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    ended_by_id: int | None = Field(default=None, foreign_key="users.id")


class HelperAppoint(SQLModel):
    household_id: Id
    helper_id: Id
    consent: str
    consent_note: str = ""
    card_code: str = ""
    pin: str = ""


class HelperPublic(SQLModel):
    id: int
    village_id: int
    household_id: int
    household: str
    helper_id: int
    helper: str
    appointed_by: str
    consent: str
    consent_label: str
    consent_note: str
    started_at: datetime
    ended_at: datetime | None
    active: bool


class HelpedHousehold(SQLModel):
    appointment_id: int
    household_id: int
    household: str
    address: str
    balance: int
    history: list[LedgerLine] = []
