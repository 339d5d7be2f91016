"""The four exports of a unit for a period (issue #20 item 4): what each file is called, its columns, how its
figures are reckoned (said on its 说明 sheet), and its rows — read from the domain that owns them (the ledger's
statements, the evaluation's results, the volunteers' hours), streamed, and put in words here."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from app.evaluation.models import LIST_LABELS
from app.evaluation.results import final_result_lines
from app.exports.models import ExportAction
from app.exports.workbook import Column
from app.ledger.statements import category_words, entry_lines, household_statements, kind_words, source_words
from app.timeutil import Period, local
from app.volunteer.hours import volunteer_hours

Rows = Callable[[Session, list[int], Period, str], Iterator[Sequence[object]]]


@dataclass(frozen=True)
class Export:
    """One kind of export: its address (`households` → households.xlsx), its title, a line saying what it holds,
    its sheet, its columns, the notes on its 说明 sheet, its audit action and its rows (session, village ids,
    period, time zone)."""

    slug: str
    title: str
    summary: str
    sheet: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...]
    action: ExportAction
    rows: Rows


def _local(value: datetime | None, tz: str) -> datetime | None:
    """A stored UTC time as the villages' wall-clock time, without zone (a spreadsheet has none)."""
    return local(value, tz).replace(tzinfo=None) if value is not None else None


def _households(session: Session, villages: list[int], period: Period, tz: str) -> Iterator[Sequence[object]]:
    for village, group, head, address, members, opening, earned, spent, closing in household_statements(
            session, village_ids=villages, start=period.start, end=period.end):
        yield (village, group or "", head, address, int(members), int(opening), int(earned), int(spent), int(closing))


def _ledger(session: Session, villages: list[int], period: Period, tz: str) -> Iterator[Sequence[object]]:
    for (at, village, head, txn_id, kind, source_id, reverses_id, category, amount, balance_after, reason,
         actor) in entry_lines(session, village_ids=villages, start=period.start, end=period.end):
        yield (_local(at, tz), village, head, txn_id, kind_words(kind), source_words(kind, source_id, reverses_id),
               category_words(category), amount, balance_after, reason, actor or "系统")


def _evaluations(session: Session, villages: list[int], period: Period, tz: str) -> Iterator[Sequence[object]]:
    for (village, month, head, category, item, score, listed, committee, note, finalized_at) in final_result_lines(
            session, village_ids=villages, first=period.first, last=period.last):
        yield (village, date(int(month[:4]), int(month[5:7]), 1), head, category_words(category), item, int(score),
               LIST_LABELS.get(listed, "") if listed else "", committee, note, _local(finalized_at, tz))


def _volunteer_hours(session: Session, villages: list[int], period: Period, tz: str) -> Iterator[Sequence[object]]:
    for volunteer, village, orders, minutes, points, stars, ratings in volunteer_hours(
            session, village_ids=villages, start=period.start, end=period.end):
        yield (volunteer, village, int(orders), round(int(minutes) / 60, 2), int(points),
               round(float(stars), 1) if stars is not None else None, int(ratings))


POINTS_SIGN = "积分为正是收入，为负是支出。"
EXPORTS: dict[str, Export] = {e.slug: e for e in (
    Export("households", "农户积分表", "每户的期初、期末余额，本期获得和支出的积分", "农户", (
        Column("村", 12), Column("村民小组", 12), Column("户主", 12), Column("住址", 24), Column("成员数", 8, "int"),
        Column("期初余额", 10, "int"), Column("本期获得", 10, "int"), Column("本期支出", 10, "int"),
        Column("期末余额", 10, "int")), (
        "每户一行：时间段结束前登记的农户；成员数为现有的在用成员。",
        "期初余额、期末余额：时间段开始时、结束时的积分余额，由积分账目逐笔相加。",
        "本期获得：评比、奖励、志愿服务等记入的积分；本期支出：兑换和扫码兑换预留的积分（退回的已扣除）。"
        "撤销按所撤销的那一笔计：期初余额 + 本期获得 − 本期支出 = 期末余额。"),
        ExportAction.households, _households),
    Export("ledger", "积分明细", "各户积分的每一笔变动：时间、来源、事由、经办人", "明细", (
        Column("时间", 17, "datetime"), Column("村", 12), Column("户主", 12), Column("交易号", 9, "int"),
        Column("类型", 10), Column("来源", 20), Column("类别", 10), Column("积分", 8, "int"),
        Column("变动后余额", 11, "int"), Column("事由", 40), Column("经办人", 10)), (
        "时间段内各户积分账户的每一笔变动，按时间先后；时间为北京时间。",
        POINTS_SIGN + "交易号可在系统里查到这一笔；撤销注明所撤销的交易号。"),
        ExportAction.ledger, _ledger),
    Export("evaluations", "评比结果", "已定榜评比的每户每项得分和红黑榜", "评比", (
        Column("村", 12), Column("评比月份", 10, "month"), Column("户主", 12), Column("类别", 10),
        Column("评比项目", 20), Column("得分", 8, "int"), Column("红黑榜", 8), Column("更正前得分", 10, "int"),
        Column("更正说明", 24), Column("定榜时间", 17, "datetime")), (
        "时间段内各月已定榜的评比，每户每项一行。",
        "得分和红黑榜以定榜时为准（村干部答复异议后的更正已计入）；有更正的，“更正前得分”为评委合议的分数。",
        "得分就是这一项记入该户的积分。"),
        ExportAction.evaluations, _evaluations),
    Export("volunteer-hours", "志愿服务时长", "每位志愿者完成的服务单、时长、积分和评分", "志愿服务", (
        Column("志愿者", 12), Column("村", 12), Column("完成服务单", 10, "int"),
        Column("服务时长（小时）", 14, "decimal"), Column("获得积分", 10, "int"),
        Column("平均评分", 10, "decimal"), Column("评价次数", 10, "int")), (
        "每位志愿者在每个村一行：时间段内完成、并已评价或已确认的服务单。",
        "服务时长为核定的时长（超出标准时长待审核的不计）；获得积分为已到账的积分（待批准或未批准的不计）。",
        "平均评分为村民评价的星级（1–5）平均，未评价的不计。"),
        ExportAction.volunteer_hours, _volunteer_hours),
)}
