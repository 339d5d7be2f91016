"""Monthly settlement per shop: what it handed out, for the village to reimburse (reversed redemptions excluded)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.ledger.funds import fen_per_point
from app.ledger.service import reversed_transactions
from app.paging import Page, page_desc
from app.shop.books.export import SettlementRow
from app.shop.models import Shop
from app.shop.redemption.models import Redemption, RedemptionItem
from app.timeutil import checked_month_bounds, day_bounds, utcnow


@dataclass
class Settlement:
    shop: Shop
    month: str
    rows: list[SettlementRow]
    total_points: int
    redemptions: int
    fen_per_point: int  # the village's rate (app/ledger/funds.py): what one redeemed point is worth, in fen

    @property
    def total_fen(self) -> int:
        """The 元 value of the month's redeemed points at the village's rate, in fen."""
        return self.total_points * self.fen_per_point


def _handed_out(shop: Shop, start: datetime, end: datetime):
    """The ids of the shop's redemptions from `start` to before `end`, reversed ones left out (what the books count:
    pay codes, cards and 核销 of phone requests alike)."""
    return select(Redemption.id).where(Redemption.shop_id == shop.id, Redemption.created_at >= start,
                                       Redemption.created_at < end,
                                       Redemption.transaction_id.not_in(reversed_transactions()))


def monthly_settlement(session: Session, *, shop: Shop, month: str, tz: str) -> Settlement:
    """Goods, quantities and points a shop handed out in a month."""
    start, end = checked_month_bounds(month, tz=tz)
    in_month = _handed_out(shop, start, end)
    grouped = session.exec(
        select(RedemptionItem.name, RedemptionItem.unit_points, func.sum(RedemptionItem.quantity),
               func.sum(RedemptionItem.points))
        .where(RedemptionItem.redemption_id.in_(in_month))
        .group_by(RedemptionItem.name, RedemptionItem.unit_points)
        .order_by(func.sum(RedemptionItem.points).desc(), RedemptionItem.name)
    ).all()
    rows = [SettlementRow(goods_name=name, unit_points=unit, quantity=int(qty), points=int(points))
            for name, unit, qty, points in grouped]
    count = session.exec(select(func.count()).select_from(in_month.subquery())).one()
    return Settlement(shop=shop, month=month, rows=rows, total_points=sum(r.points for r in rows), redemptions=count,
                      fen_per_point=fen_per_point(session, village_id=shop.village_id))


def shop_redemptions(session: Session, *, shop: Shop, limit: int | None, cursor: str | None) -> Page:
    """The shop's redemptions, newest first."""
    return page_desc(session, select(Redemption).where(Redemption.shop_id == shop.id), Redemption.id,
                     limit=limit, cursor=cursor)


@dataclass
class DayTotal:
    redemptions: int
    points: int


def day_total(session: Session, *, shop: Shop, tz: str, now: datetime | None = None) -> DayTotal:
    """How many redemptions and points the shop handed out today (the villages' day, counted as the books count)."""
    start, end = day_bounds(now or utcnow(), tz)
    handed = _handed_out(shop, start, end)
    points = session.exec(select(func.coalesce(func.sum(RedemptionItem.points), 0))
                          .where(RedemptionItem.redemption_id.in_(handed))).one()
    count = session.exec(select(func.count()).select_from(handed.subquery())).one()
    return DayTotal(redemptions=int(count), points=int(points))
