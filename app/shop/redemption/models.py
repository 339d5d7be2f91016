"""Redemption (兑换): pay codes, household cards, the redemption and its receipt lines, the village's amount above
which a villager confirms on their phone, and those confirmations."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.shop.catalogue.models import BasketLine
from app.timeutil import ts_column, utcnow

DEFAULT_CONFIRM_ABOVE = 100  # points: a redemption by pay code above this waits for the villager's own phone
DEFAULT_OFFLINE_CAP = 100  # points: the most one offline code (离线码) pays for, unless the village sets another


class PayCode(SQLModel, table=True):
    """A short-lived pay code; only its keyed hash is stored."""

    __tablename__ = "pay_codes"
    # A member's offline codes: the phone asks what became of them, a new batch counts the last hour's
    __table_args__ = (Index("ix_pay_codes_user_id_created_at", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_type=String(64), unique=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    village_id: int = Field(foreign_key="org_units.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")  # the member who showed it
    card_id: int | None = Field(default=None, foreign_key="household_cards.id")  # or the card it was unlocked from
    expires_at: datetime = Field(sa_column=ts_column(index=True))  # purge: the long dead
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    # An offline code (离线码, fetched while online, kept on the phone for up to 24 hours): the most it pays for,
    # as the village set it when the code was fetched. None for the 60-second codes and cards' codes.
    offline_cap: int | None = None
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))  # 挂失, or replaced


class HouseholdCard(SQLModel, table=True):
    """A printed card for a household without a smartphone: long-lived code, used only with the PIN."""

    __tablename__ = "household_cards"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    code_hash: str = Field(sa_type=String(64), unique=True)
    pin_hash: str = Field(sa_type=String(200))
    pin_failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    issued_by: int | None = Field(default=None, foreign_key="users.id")
    issued_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Redemption(SQLModel, table=True):
    __tablename__ = "redemptions"
    __table_args__ = (Index("ix_redemptions_shop_id_created_at", "shop_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id")
    household_id: int = Field(foreign_key="households.id", index=True)
    attendant_id: int = Field(foreign_key="users.id")
    transaction_id: int = Field(foreign_key="ledger_transactions.id", unique=True)
    pay_code_id: int | None = Field(default=None, foreign_key="pay_codes.id", unique=True)  # I7: used once
    card_id: int | None = Field(default=None, foreign_key="household_cards.id")
    total_points: int
    balance_after: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class RedemptionItem(SQLModel, table=True):
    __tablename__ = "redemption_items"

    id: int | None = Field(default=None, primary_key=True)
    redemption_id: int = Field(foreign_key="redemptions.id", index=True)
    goods_id: int = Field(foreign_key="goods.id")
    name: str = Field(sa_type=String(60))
    unit_points: int
    quantity: int
    points: int


class VillageSettings(SQLModel, table=True):
    """What a village sets for itself; one row per village, made when first changed (defaults until then)."""

    __tablename__ = "village_settings"
    __table_args__ = (CheckConstraint("confirm_above >= 0", name="confirm_above_non_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    confirm_above: int = DEFAULT_CONFIRM_ABOVE
    offline_cap: int = Field(default=DEFAULT_OFFLINE_CAP,
                             sa_column_kwargs={"server_default": str(DEFAULT_OFFLINE_CAP)})
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ConfirmationStatus(StrEnum):
    pending = "pending"        # waiting for the villager (until expires_at; then it reads as expired)
    confirmed = "confirmed"    # the villager confirmed and the redemption is done (redemption_id)
    refused = "refused"        # the villager said no
    cancelled = "cancelled"    # the counter gave up, or sent the same code again with another basket
    failed = "failed"          # confirmed, but the redemption was refused (price changed, stock, balance…): error_code
    expired = "expired"        # only ever computed, never stored: pending past expires_at


class RedemptionConfirmation(SQLModel, table=True):
    """A redemption by pay code above the village's amount, waiting for the villager to confirm on their phone.
    Nothing moves until then: the confirmation runs the redemption itself, in one transaction, exactly once."""

    __tablename__ = "redemption_confirmations"
    __table_args__ = (UniqueConstraint("attendant_id", "shop_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id")
    household_id: int = Field(foreign_key="households.id", index=True)
    attendant_id: int = Field(foreign_key="users.id")
    pay_code_id: int = Field(foreign_key="pay_codes.id", index=True)
    idempotency_key: str | None = Field(default=None, sa_type=String(200))
    expected_total: int | None = None  # as the counter sent it (part of the request's idempotency payload)
    basket: str = Field(sa_type=String(4000))  # JSON: the receipt lines as priced when asked
    total_points: int
    status: str = Field(default=ConfirmationStatus.pending, sa_type=String(12))
    error_code: str | None = Field(default=None, sa_type=String(40))
    error_message: str | None = Field(default=None, sa_type=String(300))
    redemption_id: int | None = Field(default=None, foreign_key="redemptions.id")
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    expires_at: datetime = Field(sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


make_append_only(Redemption.__table__)
make_append_only(RedemptionItem.__table__)


# --- API shapes ---------------------------------------------------------------------------------------------

class PayCodePublic(SQLModel):
    code: str
    expires_at: datetime
    qr_svg_url: str


class RedemptionCreate(SQLModel):
    pay_code: str
    items: list[BasketLine]
    # The total the counter showed. Optional for api-v1 clients; when sent and the goods' current prices add up
    # to another total, the answer is 409 price_changed and nothing happens.
    expected_total: StrictInt | None = None


class ReceiptLine(SQLModel):
    goods_id: int
    name: str
    unit_points: int
    quantity: int
    points: int


class RedemptionReversal(SQLModel):
    """Who reversed a redemption, when, and why (the reason as the official wrote it)."""

    reason: str
    actor: str | None
    created_at: datetime


class RedemptionPublic(SQLModel):
    id: int
    shop_id: int
    shop_name: str
    household_id: int
    household_name: str  # in full for the household and the village's officials; masked (王*国) for the shop's
    # attendants and anyone else (app.org.service.name_for)
    attendant: str
    total_points: int
    balance_after: int
    items: list[ReceiptLine]
    created_at: datetime
    reversed: bool = False
    reversal: RedemptionReversal | None = None  # added in issue #7: who reversed it and why
    verify_url: str | None = None  # added in issue #21 item 5: 核对 — the public page that checks its ledger line


class ConfirmationError(SQLModel):
    code: str
    message: str


class ConfirmationPublic(SQLModel):
    """A redemption waiting for (or decided by) the villager: POST /shops/{id}/redemptions answers 202 with it."""

    id: int
    status: str  # pending | confirmed | refused | cancelled | failed | expired
    shop_id: int
    shop_name: str
    household_id: int
    household_name: str  # masked for the counter (王*国); in full for the household itself
    total_points: int
    items: list[ReceiptLine]
    expires_at: datetime
    created_at: datetime
    redemption: RedemptionPublic | None = None  # once confirmed
    error: ConfirmationError | None = None  # once failed: why the redemption was refused


class ConfirmationDecision(SQLModel):
    decision: str  # confirm | refuse
    # The total the villager's phone showed (issue #15): confirming another total than the question's → 409
    # total_changed, nothing moves. Optional for clients written before it; the pay page always sends it.
    total_points: StrictInt | None = None


class ShopSettingsPublic(SQLModel):
    village_id: int
    confirm_above: int


class ShopSettingsUpdate(SQLModel):
    confirm_above: StrictInt


class CodeLookup(SQLModel):
    pay_code: str


class CardUnlockRequest(SQLModel):
    card_code: str
    pin: str


class Reason(SQLModel):
    reason: str


class CardIssue(SQLModel):
    pin: str


class PayerPublic(SQLModel):
    pay_code: str
    household_id: int
    household_name: str  # masked: 王*国
    balance: int
    expires_at: datetime


class OfflineCodePublic(SQLModel):
    """One offline code (离线码) of a fresh batch: its digits and QR are shown only now (only a hash is kept)."""

    id: int
    code: str
    cap: int  # the most it pays for, in points
    expires_at: datetime
    qr_data_uri: str  # the QR as an SVG data: URI, for the phone to keep and show with no network


class OfflineCodeBatch(SQLModel):
    items: list[OfflineCodePublic]


class OfflineCodeState(SQLModel):
    """What became of an offline code: live, used (with its receipt), revoked (挂失 or replaced) or expired."""

    id: int
    status: str
    cap: int
    expires_at: datetime
    created_at: datetime
    receipt: RedemptionPublic | None = None


class OfflineCapPublic(SQLModel):
    village_id: int
    offline_cap: int


class OfflineCapUpdate(SQLModel):
    offline_cap: StrictInt
