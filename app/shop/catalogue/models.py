"""The catalogue: goods, their photos, and every stock movement (never a silent overwrite)."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import CheckConstraint, Column, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.ids import StrictId
from app.shop.models import ShopAction
from app.timeutil import ts_column, utcnow


class MovementKind(StrEnum):
    initial = "initial"
    restock = "restock"
    correction = "correction"
    damage = "damage"
    redemption = "redemption"
    reversal = "reversal"


MOVEMENT_LABELS = {MovementKind.initial: "初始库存", MovementKind.restock: "进货", MovementKind.correction: "盘点更正",
                   MovementKind.damage: "损耗", MovementKind.redemption: "兑换", MovementKind.reversal: "兑换撤销"}


STOCK_ACTIONS = {MovementKind.restock: ShopAction.stock_restock, MovementKind.damage: ShopAction.stock_damage,
                 MovementKind.correction: ShopAction.stock_correction}


class GoodsImage(SQLModel, table=True):
    __tablename__ = "goods_images"

    id: int | None = Field(default=None, primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(sa_type=String(30))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Goods(SQLModel, table=True):
    __tablename__ = "goods"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("points_price > 0", name="price_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", index=True)
    name: str = Field(sa_type=String(60))
    points_price: int
    stock: int = 0
    low_stock_threshold: int = 5
    image_id: int | None = Field(default=None, foreign_key="goods_images.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class StockMovement(SQLModel, table=True):
    __tablename__ = "stock_movements"

    id: int | None = Field(default=None, primary_key=True)
    goods_id: int = Field(foreign_key="goods.id", index=True)
    kind: str = Field(sa_type=String(20))
    delta: int
    stock_after: int
    reason: str = Field(default="", sa_type=String(200))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    redemption_id: int | None = Field(default=None, foreign_key="redemptions.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


make_append_only(StockMovement.__table__)


# --- API shapes ---------------------------------------------------------------------------------------------

class GoodsCreate(SQLModel):
    name: str
    points_price: StrictInt
    stock: StrictInt = 0
    low_stock_threshold: StrictInt = 5


class GoodsUpdate(SQLModel):
    name: str | None = None
    points_price: StrictInt | None = None
    low_stock_threshold: StrictInt | None = None
    active: bool | None = None


class GoodsPublic(SQLModel):
    id: int
    shop_id: int
    name: str
    points_price: int
    stock: int
    low_stock_threshold: int
    active: bool
    image_url: str | None


class StockChange(SQLModel):
    kind: str  # restock | correction | damage
    quantity: StrictInt  # restock/damage: how many; correction: the counted stock
    reason: str


class BasketLine(SQLModel):
    goods_id: StrictId
    quantity: StrictInt
