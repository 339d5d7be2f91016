"""振风超市, what its wings share: the shop itself, its staff, and the shop's audit vocabulary.

The wings (each with its own models, service, api and pages): catalogue/ (goods, photos, stock), redemption/
(pay codes, cards, the one record of a redemption, confirmations, the counter, receipts), requests/ (扫码兑换),
books/ (settlement and its Excel sheet)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow


@declare_actions
class ShopAction(AuditAction):
    goods_create = "goods.create", "上架商品"
    goods_update = "goods.update", "修改商品"
    goods_photo = "goods.photo", "更换商品照片"
    stock_restock = "stock.restock", "进货"
    stock_damage = "stock.damage", "损耗"
    stock_correction = "stock.correction", "盘点更正"
    card_issue = "card.issue", "发放积分卡"
    card_revoke = "card.revoke", "作废积分卡"
    offline_codes_revoke = "offline_codes.revoke", "挂失离线码"
    redemption_reverse = "redemption.reverse", "撤销兑换"
    settings_update = "shop_settings.update", "修改大额兑换确认额度"
    shop_open = "shop.open", "开设积分超市"
    shop_update = "shop.update", "修改超市名称"
    shop_pause = "shop.pause", "暂停营业"
    shop_resume = "shop.resume", "恢复营业"
    shop_close = "shop.close", "关闭积分超市"


class ShopStatus(StrEnum):
    """open: business as usual; paused (暂停营业): nothing new starts (redemptions, pay codes, 扫码 requests), what is
    open may still be cancelled; closed (关闭, for good): open requests released, books and history kept."""

    open = "open"
    paused = "paused"
    closed = "closed"


SHOP_STATUS_LABELS = {ShopStatus.open: "营业中", ShopStatus.paused: "暂停营业", ShopStatus.closed: "已关闭"}

SHOP_TARGET = declare_target("shop", "积分超市")
GOODS_TARGET = declare_target("goods", "商品")
REDEMPTION_TARGET = declare_target("redemption", "兑换")
VILLAGE_SETTINGS_TARGET = declare_target("village_settings", "村设置")


class Shop(SQLModel, table=True):
    __tablename__ = "shops"
    __table_args__ = (CheckConstraint("status IN ('open', 'paused', 'closed')", name="status_known"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    name: str = Field(sa_type=String(100))
    partner_name: str = Field(default="", sa_type=String(100))  # the private supermarket partnering, if any
    status: str = Field(default=ShopStatus.open, sa_type=String(10), sa_column_kwargs={"server_default": "open"})
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ShopStaff(SQLModel, table=True):
    __tablename__ = "shop_staff"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)



# --- API shapes ---------------------------------------------------------------------------------------------

class ShopPublic(SQLModel):
    id: int
    name: str
    village_id: int
    partner_name: str = ""
    partner: str = ""  # the same as partner_name: the word POST /shops takes
    status: str = ShopStatus.open


class ShopCreate(SQLModel):
    village_id: StrictId
    name: str
    partner: str | None = None


class ShopUpdate(SQLModel):
    status: str | None = None
    name: str | None = None
    partner: str | None = None
