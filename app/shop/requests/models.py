"""扫码兑换 (shop requests): a villager scans the shop's poster, picks goods on their own phone and submits; the
points are held at once and a one-time 核销码 is shown; the attendant 核销 it at the counter (a redemption)."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.shop.catalogue.models import BasketLine
from app.timeutil import ts_column, utcnow

DEFAULT_REQUEST_MINUTES = 15
MIN_REQUEST_MINUTES, MAX_REQUEST_MINUTES = 5, 24 * 60


class RequestStatus(StrEnum):
    pending = "pending"
    fulfilled = "fulfilled"
    cancelled = "cancelled"
    expired = "expired"
    refused = "refused"


STATUS_LABELS = {RequestStatus.pending: "待核销", RequestStatus.fulfilled: "已核销", RequestStatus.cancelled: "已取消",
                 RequestStatus.expired: "已过期", RequestStatus.refused: "店员已退回"}


@declare_actions
class ShopRequestAction(AuditAction):
    request_create = "shop_request.create", "提交扫码兑换"
    request_cancel = "shop_request.cancel", "取消扫码兑换"
    request_expire = "shop_request.expire", "扫码兑换过期"
    request_fulfil = "shop_request.fulfil", "核销扫码兑换"
    request_drop = "shop_request.drop", "缺货删减商品"
    request_consent = "shop_request.consent", "同意新的合计"
    request_refuse = "shop_request.refuse", "退回扫码兑换"
    request_minutes = "shop_request.minutes", "修改核销码有效期"


SHOP_REQUEST_TARGET = declare_target("shop_request", "扫码兑换")
SETTING_TARGET = declare_target("shop_request_setting", "核销码有效期")


class ShopRequest(SQLModel, table=True):
    """One basket a household chose on its phone. Its points sit in the household's hold account while pending."""

    __tablename__ = "shop_requests"
    __table_args__ = (
        Index("ix_shop_requests_shop_id_status", "shop_id", "status"),
        CheckConstraint("total_points >= 0", name="request_total_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id")
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id", index=True)
    user_id: int = Field(foreign_key="users.id")  # the member who made it
    status: str = Field(default=RequestStatus.pending, sa_type=String(20))
    code_hash: str = Field(sa_type=String(64), unique=True)  # keyed hash of the 核销码 (app.shop.redemption.paycodes)
    code_salt: str = Field(sa_type=String(32))  # the code is rebuilt from it with the server's secret, never stored
    total_points: int
    needs_consent: bool = False  # the attendant dropped an item: the villager agrees to the new total first
    hold_transaction_id: int = Field(foreign_key="ledger_transactions.id", index=True)  # a history's lines
    redemption_id: int | None = Field(default=None, foreign_key="redemptions.id", unique=True)
    closed_reason: str = Field(default="", sa_type=String(200))  # why it was refused (the attendant's words)
    closed_by: int | None = Field(default=None, foreign_key="users.id")
    expires_at: datetime = Field(sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ShopRequestItem(SQLModel, table=True):
    __tablename__ = "shop_request_items"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="shop_requests.id", index=True)
    goods_id: int = Field(foreign_key="goods.id")
    name: str = Field(sa_type=String(60))
    unit_points: int  # the price when the request was made: the price paid, whatever it is later
    quantity: int
    points: int
    dropped: bool = False  # out of stock: taken off by the attendant (points given back at once)


class ShopRequestSetting(SQLModel, table=True):
    """A village's rule for shop requests: how long a 核销码 stays valid (its officials set it)."""

    __tablename__ = "shop_request_settings"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    request_minutes: int = DEFAULT_REQUEST_MINUTES
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------

class ShopRequestCreate(SQLModel):
    items: list[BasketLine]


class FulfilCreate(SQLModel):
    code: str


class DropItem(SQLModel):
    goods_id: StrictId


class ConsentCreate(SQLModel):
    # The total the villager's phone showed and agrees to: another total on the server → 409 total_changed.
    # Optional here for clients written before it (issue #15); the pages always send it.
    total_points: StrictInt | None = None


class RequestMinutes(SQLModel):
    minutes: StrictInt


class RequestLine(SQLModel):
    goods_id: int
    name: str
    unit_points: int
    quantity: int
    points: int
    dropped: bool = False


class ShopRequestPublic(SQLModel):
    id: int
    shop_id: int
    shop_name: str
    household_id: int
    household_name: str  # in full for its members and the village's officials; masked (王*国) for the shop's staff
    status: str
    total_points: int
    needs_consent: bool
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None = None
    closed_reason: str = ""
    redemption_id: int | None = None
    items: list[RequestLine]
    code: str | None = None  # only to the household's members, only while pending
