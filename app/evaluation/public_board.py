"""积分公示 for everyone (issue #21 item 6): a village's month as the wall board shows it, readable signed out on a
phone — the credits by source and by category (each line: when, the household masked, source, category, points),
redemptions by goods, and what the village fund received. Nothing private: households masked by the one helper
(app.org.service.mask_name, through boards.points_notice with no reader), no reasons (an official's free text may
name a person), no officials', donors' or members' names, no phones, no addresses."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.evaluation.boards import funds_received, points_notice
from app.ledger.models import CATEGORY_LABELS, KIND_LABELS, LedgerTransaction, TxnKind
from app.org.models import OrgKind, OrgUnit
from app.shop.models import Shop
from app.shop.redemption.models import Redemption, RedemptionItem
from app.timeutil import month_bounds


@dataclass
class PublicLine:
    created_at: datetime
    household: str  # masked: 王*国
    source: str  # 奖励, 评比, 志愿服务, 撤销
    category: str  # 勤劳致富 …
    points: int


@dataclass
class GoodsLine:
    name: str
    quantity: int
    points: int


@dataclass
class PublicBoard:
    village_id: int
    village: str
    month: str
    credits_total: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    lines: list[PublicLine]
    goods: list[GoodsLine]
    redeemed_total: int
    redemptions: int
    funds: dict[str, int]
    funds_total: int
    fund_balance: int


def public_village(session: Session, village_id: int) -> OrgUnit:
    """A village by id, or 404 (a township, a group or nothing at all alike)."""
    unit = session.get(OrgUnit, village_id)
    if unit is None or unit.kind != OrgKind.village:
        raise NotFound("找不到这个村")
    return unit


def public_board(session: Session, *, village: OrgUnit, month: str, tz: str) -> PublicBoard:
    """The village's month for everyone (`month` already checked: app.timeutil.checked_month)."""
    notice = points_notice(session, village_id=village.id, month=month, tz=tz, reader=None)
    by_source: dict[str, int] = defaultdict(int)
    lines = []
    for line in notice.lines:
        source = KIND_LABELS.get(line.kind, line.kind)
        by_source[source] += line.points
        lines.append(PublicLine(line.created_at, line.household, source,
                                CATEGORY_LABELS.get(line.category or "other", "其他"), line.points))
    start, end = month_bounds(month, tz)
    goods, redeemed, count = redeemed_goods(session, village_id=village.id, start=start, end=end)
    funds = funds_received(session, village_id=village.id, start=start, end=end)
    return PublicBoard(village.id, village.name, month, notice.total, dict(by_source), notice.totals, lines, goods,
                       redeemed, count, funds, sum(funds.values()), notice.fund_balance)


def redeemed_goods(session: Session, *, village_id: int, start: datetime, end: datetime
                   ) -> tuple[list[GoodsLine], int, int]:
    """What the village's shops handed out in the month, by goods (most points first), its points and how many
    redemptions; a redemption since reversed is left out (its goods went back on the shelf)."""
    reversed_txns = select(LedgerTransaction.reverses_id).where(LedgerTransaction.kind == TxnKind.reversal,
                                                                col(LedgerTransaction.reverses_id).is_not(None))
    made = (select(Redemption.id).join(Shop, col(Shop.id) == Redemption.shop_id)
            .where(Shop.village_id == village_id, Redemption.created_at >= start, Redemption.created_at < end,
                   col(Redemption.transaction_id).not_in(reversed_txns)))
    rows = session.exec(select(RedemptionItem.name, func.sum(RedemptionItem.quantity), func.sum(RedemptionItem.points))
                        .where(col(RedemptionItem.redemption_id).in_(made))
                        .group_by(RedemptionItem.name)
                        .order_by(func.sum(RedemptionItem.points).desc(), RedemptionItem.name)).all()
    count = session.exec(select(func.count()).select_from(made.subquery())).one()
    goods = [GoodsLine(name, int(quantity), int(points)) for name, quantity, points in rows]
    return goods, sum(g.points for g in goods), count
