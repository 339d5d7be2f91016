"""中期评估报告 (issue #20, item 4): a unit's dashboard figures for a period at every level below and including it
(县, 乡镇, 村), the villages below the plan's 60 % coverage, the longest-overdue service orders and the period's
least-read disclosures — as a workbook (`report_workbook`) and as a printable page (web/dashboard/report.html).

Everything is counted by the database: the figures by `unit_levels` (one aggregate query per family), the overdue
orders and the disclosures by a few bounded queries (`LONGEST` rows each). No villager's name is read: an order is
shown by its village, service and times alone."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, and_, cast, func
from sqlmodel import Session, col, select

from app.dashboard.figures import SOURCES, Figures, coverage_window, unit_levels
from app.disclosure.models import Disclosure, DisclosureRead
from app.evaluation.boards import COVERAGE_TARGET
from app.exports.workbook import Column, Cover, ExportFile, Sheet, stream_sheets
from app.ledger.models import SOURCE_LABELS
from app.org.access import DASHBOARD_READERS, Actor, unit_line
from app.org.models import ORG_KIND_LABELS, ROLE_LABELS, Household, OrgKind, OrgUnit, Role
from app.org.settings import read_many
from app.timeutil import Period, as_utc, local, utcnow
from app.volunteer.catalogue import SERVICE_RULES
from app.volunteer.models import OrderStatus, ServiceOrder

LONGEST = 20  # rows of the overdue orders and of the least-read disclosures
LOW_COVERAGE = "覆盖率不足60%的村"
OVERDUE = "超时最久的服务单"
UNREAD = "未读公开"
_RANK = (Role.county_admin, Role.town_admin, Role.official, Role.committee)


@dataclass(frozen=True)
class LateOrder:
    order_id: int
    village: str
    service: str
    placed: datetime  # local time
    reason: str
    late_hours: float  # how long past its deadline, now


@dataclass(frozen=True)
class ReadRate:
    disclosure_id: int
    village: str
    title: str
    published: datetime  # local time
    reads: int
    households: int

    @property
    def rate(self) -> float:
        return round(self.reads / self.households, 4) if self.households else 0.0


@dataclass
class Report:
    unit: OrgUnit
    period: Period
    levels: list[tuple[str, list[Figures]]]
    low_coverage: list[Figures]
    late: list[LateOrder]
    unread: list[ReadRate]
    produced_by: str
    produced_at: datetime  # local time

    @property
    def window(self) -> tuple[str, str]:
        return coverage_window(self.period)


def build_report(session: Session, *, actor: Actor, unit: OrgUnit, period: Period, tz: str,
                 now: datetime | None = None) -> Report:
    """The report of a unit the actor may read the dashboard of (`access.dashboard_unit`)."""
    now = now or utcnow()
    levels = unit_levels(session, unit=unit, period=period, tz=tz, now=now)
    villages = next((rows for kind, rows in levels if kind == OrgKind.village), [])
    names = {f.org_id: f.name for f in villages}
    return Report(unit=unit, period=period, levels=levels,
                  low_coverage=[f for f in villages if f["households"] and not f.coverage_met],
                  late=_late_orders(session, names, period=period, now=now, tz=tz),
                  unread=_least_read(session, names, period=period, tz=tz),
                  produced_by=_produced_by(session, actor, unit), produced_at=local(now, tz).replace(tzinfo=None))


def _produced_by(session: Session, actor: Actor, unit: OrgUnit) -> str:
    line = unit_line(session, unit)
    held = {Role(a.role) for a in actor.roles if a.org_id in line and a.role in DASHBOARD_READERS}
    role = next((r for r in _RANK if r in held), None)
    return f"{actor.user.name}（{ROLE_LABELS[role]}）" if role else actor.user.name


def _late_orders(session: Session, villages: dict[int, str], *, period: Period, now: datetime, tz: str
                 ) -> list[LateOrder]:
    """The orders placed in the period that are late now by the station board's rule (as the dashboard's
    `overdue` counts them), the longest past their deadline first: for each set of village rules and each way of
    being late, the `LONGEST` oldest by the index on village and time; then the longest of those."""
    if not villages:
        return []
    S = ServiceOrder
    rules = read_many(session, SERVICE_RULES, list(villages))
    groups: dict[tuple[int, int, int], list[int]] = {}
    for village, r in rules.items():
        groups.setdefault((r.dispatch_hours, r.complete_days, r.rate_days), []).append(village)
    placed = and_(S.created_at >= period.start, S.created_at < period.end)
    found: dict[int, LateOrder] = {}
    for (dispatch_hours, complete_days, rate_days), members in groups.items():
        ways = (
            (S.created_at, S.status == OrderStatus.open, timedelta(hours=dispatch_hours),
             f"超过 {dispatch_hours} 小时未派单"),
            (S.created_at, col(S.status).in_([OrderStatus.dispatched, OrderStatus.accepted]),
             timedelta(days=complete_days), f"超过 {complete_days} 天未完成"),
            (S.completed_at, S.status == OrderStatus.completed, timedelta(days=rate_days), "村民未评价"),
        )
        for since, state, allowed, reason in ways:
            for order_id, village, title, created, start in session.exec(
                    select(S.id, S.village_id, S.title, S.created_at, since)
                    .where(col(S.village_id).in_(members), placed, state, col(since) < now - allowed)
                    .order_by(col(since), col(S.id)).limit(LONGEST)):
                late = now - (as_utc(start) + allowed)
                found[order_id] = LateOrder(order_id, villages[village], title, local(created, tz).replace(
                    tzinfo=None), reason, round(late.total_seconds() / 3600, 1))
    return sorted(found.values(), key=lambda o: (-o.late_hours, o.order_id))[:LONGEST]


def _least_read(session: Session, villages: dict[int, str], *, period: Period, tz: str) -> list[ReadRate]:
    """The disclosures published in the period with the lowest share of their village's households that read them
    (unread first, then the oldest)."""
    if not villages:
        return []
    homes = (select(Household.village_id, func.count().label("n"))
             .where(col(Household.village_id).in_(list(villages))).group_by(Household.village_id).subquery())
    reads = func.count(DisclosureRead.id)
    households = func.coalesce(homes.c.n, 0)
    rate = func.coalesce(cast(reads, Float) / func.nullif(households, 0), 0.0)
    rows = session.exec(
        select(Disclosure.id, Disclosure.village_id, Disclosure.title, Disclosure.published_at, reads, households)
        .select_from(Disclosure)
        .join(DisclosureRead, col(DisclosureRead.disclosure_id) == Disclosure.id, isouter=True)
        .join(homes, homes.c.village_id == Disclosure.village_id, isouter=True)
        .where(col(Disclosure.village_id).in_(list(villages)), Disclosure.published_at >= period.start,
               Disclosure.published_at < period.end)
        .group_by(Disclosure.id, Disclosure.village_id, Disclosure.title, Disclosure.published_at, homes.c.n)
        .order_by(rate, col(Disclosure.published_at), col(Disclosure.id)).limit(LONGEST))
    return [ReadRate(i, villages[v], title, local(at, tz).replace(tzinfo=None), int(n), int(h))
            for i, v, title, at, n, h in rows]


# --- the workbook -----------------------------------------------------------------------------------------------------

def figure_columns(kind: str) -> list[Column]:
    """A level's columns: the unit (and for a village its township, for a township its county), then the figures."""
    first = [Column(ORG_KIND_LABELS.get(kind, "单位"), 14)]
    if kind != OrgKind.county:
        first.append(Column("上级", 12))
    return [*first, Column("农户", 8, "int"), Column("活跃户", 8, "int"), Column("发放积分", 10, "int"),
            *(Column(SOURCE_LABELS[s], 10, "int") for s in SOURCES),
            Column("兑换积分", 10, "int"), Column("预留积分", 10, "int"), Column("未使用积分", 10, "int"),
            Column("红榜户", 8, "int"), Column("黑榜户", 8, "int"), Column("覆盖率", 8, "decimal"),
            Column("服务单", 8, "int"), Column("完成", 8, "int"), Column("逾期", 8, "int"),
            Column("服务时长（小时）", 12, "decimal"), Column("平均评分", 10, "decimal"),
            Column("发布公开", 10, "int"), Column("阅读率", 8, "decimal"),
            Column("结算积分", 10, "int"), Column("结算金额（元）", 14, "decimal")]


def figure_row(f: Figures) -> list[object]:
    first: list[object] = [f.name] if f.kind == OrgKind.county else [f.name, f.parent]
    return [*first, f["households"], f["active"], f.issued, *(f.by_source[s] for s in SOURCES),
            f["redeemed"], f["held"], f.outstanding, f["red"], f["black"], f.coverage_rate,
            f["orders"], f["completed"], f["overdue"], f.hours, f.rating, f["published"], f.read_rate,
            f["settled_points"], f["settled_fen"] / 100]


def report_workbook(report: Report) -> ExportFile:
    """The report as a workbook: the 说明 cover, a sheet per level, then the three lists."""
    unit, period = report.unit, report.period
    first, last = report.window
    cover = Cover(
        title=f"{unit.name}中期评估报告", unit=f"{unit.name}（{ORG_KIND_LABELS.get(unit.kind, '')}）",
        period=period.label, produced_by=report.produced_by, produced_at=report.produced_at, notes=(
            "各级数字与统计看板相同：上级等于下级之和，比率由合计重新计算（覆盖率、阅读率为小数，0.6 即 60%）。",
            f"红黑榜覆盖率：{first}至{last}定榜的评比中上过红榜或黑榜的农户占全部农户的比例，目标 {COVERAGE_TARGET}%；"
            "没有农户的村不列入“覆盖率不足60%的村”。",
            "服务单：期内下单、现在已超过本村服务规则时限的（未派单、未完成、村民未评价），按超时长短排列，"
            f"最多 {LONGEST} 张；不含村民姓名。",
            f"未读公开：期内发布的公开，按本村农户阅读比例从低到高，最多 {LONGEST} 条。",
            "结算金额按各村积分兑换标准折算。"))
    sheets = [Sheet(ORG_KIND_LABELS.get(kind, kind), figure_columns(kind), [figure_row(f) for f in rows])
              for kind, rows in report.levels]
    sheets.append(Sheet(LOW_COVERAGE, [Column("村", 14), Column("乡镇", 12), Column("农户", 8, "int"),
                                       Column("上榜户", 8, "int"), Column("覆盖率", 8, "decimal")],
                        [[f.name, f.parent, f["households"], f["listed"], f.coverage_rate]
                         for f in report.low_coverage]))
    sheets.append(Sheet(OVERDUE, [Column("村", 14), Column("服务", 20), Column("下单时间", 18, "datetime"),
                                  Column("超时原因", 20), Column("超时（小时）", 12, "decimal")],
                        [[o.village, o.service, o.placed, o.reason, o.late_hours] for o in report.late]))
    sheets.append(Sheet(UNREAD, [Column("村", 14), Column("标题", 30), Column("发布时间", 18, "datetime"),
                                 Column("已读户", 8, "int"), Column("农户", 8, "int"), Column("阅读率", 8, "decimal")],
                        [[d.village, d.title, d.published, d.reads, d.households, d.rate] for d in report.unread]))
    return stream_sheets(cover=cover, sheets=sheets)


def file_names(report: Report) -> tuple[str, str]:
    """中期评估报告's file name in Chinese and in ASCII (for old browsers)."""
    p = report.period
    span = p.first if p.first == p.last else f"{p.first}至{p.last}"
    ascii_span = p.first if p.first == p.last else f"{p.first}_{p.last}"
    return f"{report.unit.name}中期评估报告{span}.xlsx", f"report-{report.unit.id}-{ascii_span}.xlsx"
