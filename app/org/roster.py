"""花名册 (the roster): a village's households read from an .xlsx workbook — checked in full first, every bad row and
column named in Chinese, then written all or nothing — and written back out as one, in the same columns.

Who may is app/org/access.py's (`roster_village`); the households are written by app/org/service.py
`insert_households`, the one path that adds households (their members as villagers, their points accounts), and the
whole file makes one line of the audit log. Imported members get no password: an official gives one a one-time
password (重置密码) or the household a card when they first need to sign in."""

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, select

from app.audit.service import record_action
from app.disclosure.filescan import check_xlsx
from app.errors import TooLarge, ValidationFailed
from app.exports import put
from app.ledger.models import Account
from app.org.access import Actor
from app.org.models import VILLAGE_TARGET, Household, OrgAction, OrgKind, OrgUnit, User
from app.org.service import NewHousehold, NewPerson, clean_phone, insert_households, village_name
from app.text import clean_text

COLUMNS = ("户主姓名", "村民小组", "住址", "成员姓名", "手机号", "与户主关系")
HEAD, GROUP, ADDRESS, NAME, PHONE, RELATION = range(len(COLUMNS))
BALANCE = "积分余额"  # the export's last column (an import ignores any column after the six)
SHEET, HELP_SHEET = "花名册", "说明"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000  # members (one a row): a large village has 3,000 people
LOOKUP_CHUNK = 500  # phones per "already used?" query (SQLite and PostgreSQL both take that many parameters)
NOT_XLSX = "这不是 Excel 花名册（.xlsx）文件，请下载模板，填好后另存为 .xlsx 再上传"
EMPTY_FILE = "文件是空的，请选择填好的花名册（.xlsx）"
TOO_LARGE = f"花名册文件不能超过 {MAX_BYTES // (1024 * 1024)} MB，请分成几个文件导入"
TOO_MANY_ROWS = f"花名册最多 {MAX_ROWS} 行（一行一人），这个文件超过了，请分成几个文件导入"
WRONG_HEADERS = f"表头不对：第 1 行应依次为 {'、'.join(COLUMNS)}，请用下载的模板填写"
NO_ROWS = "花名册里没有农户：请从第 2 行起，一行填一位成员"
_WIDTHS = (14, 12, 28, 14, 16, 12, 12)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0E0")


@dataclass(frozen=True)
class RosterRow:
    """One line of the sheet: its row number there (the header is row 1) and the six columns as text."""

    row: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RosterPlan:
    """What a roster holds — its households, each with its members, and how many people (one a row) — and what is
    wrong with it: `errors`, in row order. Only a plan without errors is written."""

    households: list[NewHousehold] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    members: int = 0


# --- reading a workbook ---------------------------------------------------------------------------------------

def read_roster(data: bytes) -> list[RosterRow]:
    """The filled rows of an uploaded roster, as text; a file that is not one is refused whole: empty, past
    MAX_BYTES (413), not an .xlsx (or one with macros, links or formulas, or a zip bomb), wrong headers, no rows or
    more than MAX_ROWS. Read before the database is touched: nothing waits on it."""
    if not data:
        raise ValidationFailed(EMPTY_FILE, field="file")
    if len(data) > MAX_BYTES:
        raise TooLarge(TOO_LARGE)
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationFailed(NOT_XLSX, field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx(archive, not_allowed=NOT_XLSX)  # macros, links, formulas, a bomb: refused by their names
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever openpyxl trips on, the file is not a workbook we can read
        raise ValidationFailed(NOT_XLSX, field="file") from exc
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = list(_rows(sheet))
    finally:
        workbook.close()
    if not rows:
        raise ValidationFailed(NO_ROWS, field="file")
    return rows


def _rows(sheet: Worksheet) -> Iterator[RosterRow]:
    lines = sheet.iter_rows(values_only=True)
    header = tuple(_text(v) for v in _six(next(lines, ())))
    if header != COLUMNS:
        raise ValidationFailed(WRONG_HEADERS, field="file")
    count = 0
    for number, values in enumerate(lines, start=2):
        cells = tuple(_text(v) for v in _six(values))
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ValidationFailed(TOO_MANY_ROWS, field="file")
        yield RosterRow(row=number, cells=cells)


def _six(values: Iterable[object]) -> tuple[object, ...]:
    values = tuple(values)[:len(COLUMNS)]
    return values + (None,) * (len(COLUMNS) - len(values))


def _text(value: object) -> str:
    """A cell as the text a person typed: 13800000001 typed as a number (even stored as 1.38e10) reads as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


# --- checking it against the village --------------------------------------------------------------------------

@dataclass
class _Draft:
    """A household as its rows so far: the first row's values, and its members by name (for the same-name check)."""

    head: str
    address: str
    group: str
    row: int
    members: list[NewPerson] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)


def check_roster(session: Session, *, village_id: int, rows: list[RosterRow]) -> RosterPlan:
    """Every problem of every row (missing names, phones not 11 digits, used twice in the file or already in the
    county, an unknown 村民小组, a person twice in a household, a household whose rows disagree, a household the
    village has), or the households to write when there is none."""
    groups = village_groups(session, village_id=village_id)
    drafts: dict[tuple[str, str], _Draft] = {}
    phone_rows: dict[str, int] = {}
    errors = [problem for line in rows
              for problem in _check_line(line, groups=groups, drafts=drafts, phone_rows=phone_rows)]
    errors += _phones_in_use(session, phone_rows)
    errors += _households_known(session, village_id=village_id, drafts=drafts)
    errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column)))
    households = [NewHousehold(head_name=d.head, address=d.address, group_id=groups.get(d.group), members=d.members)
                  for d in drafts.values()]
    return RosterPlan(households=households, errors=errors, members=len(rows))


# Each column's longest text (the database's), and whether it must be filled in.
_LIMITS = {HEAD: (50, True), GROUP: (100, False), ADDRESS: (200, False), NAME: (50, True), RELATION: (20, False)}


def _check_line(line: RosterRow, *, groups: dict[str, int], drafts: dict[tuple[str, str], _Draft],
                phone_rows: dict[str, int]) -> list[RowError]:
    """One row's problems; a row without any joins its household (the draft of its 户主姓名 and 住址)."""
    problems: list[RowError] = []
    head, group, address, name, relation = (_cell(line, column, problems) for column in _LIMITS)
    if group and group not in groups:
        problems.append(RowError(line.row, COLUMNS[GROUP],
                                 f"本村没有“{group}”这个村民小组：请先在村里建好，或把这一格留空"))
    phone = _phone(line, phone_rows, problems)
    if head is None or address is None or group is None:
        return problems
    draft = drafts.setdefault((head, address), _Draft(head=head, address=address, group=group, row=line.row))
    if draft.group != group:
        problems.append(RowError(line.row, COLUMNS[GROUP],
                                 f"同一户（户主{head}）第 {draft.row} 行的村民小组是“{draft.group or '空'}”，"
                                 f"这一行是“{group or '空'}”：一户的各行应一致"))
    if name is not None and name in draft.names:
        problems.append(RowError(line.row, COLUMNS[NAME],
                                 f"这一户在第 {draft.names[name]} 行已有成员“{name}”，同一人不能填两次"))
    if name is not None:
        draft.names.setdefault(name, line.row)
    if not problems and name is not None:
        draft.members.append(NewPerson(name=name, phone=phone, relation=relation or ""))
    return problems


def _cell(line: RosterRow, column: int, problems: list[RowError]) -> str | None:
    """The column's text, cleaned (invisible characters dropped, trimmed); None, and a problem, when it is wrong."""
    max_length, required = _LIMITS[column]
    try:
        return clean_text(line.cells[column], label=COLUMNS[column], max_length=max_length, required=required)
    except ValidationFailed as exc:
        problems.append(RowError(line.row, COLUMNS[column], exc.message))
        return None


def _phone(line: RosterRow, seen: dict[str, int], problems: list[RowError]) -> str | None:
    """The row's phone (None when left empty); one not 11 digits, or used on an earlier row, is a problem."""
    typed = line.cells[PHONE]
    try:
        phone = clean_phone(typed)
    except ValidationFailed:
        problems.append(RowError(line.row, COLUMNS[PHONE], f"手机号“{typed[:20]}”不对：应为 1 开头的 11 位数字"))
        return None
    if phone is None:
        return None
    if phone in seen:
        problems.append(RowError(line.row, COLUMNS[PHONE],
                                 f"手机号与第 {seen[phone]} 行相同：每人的手机号不能重复"))
        return None
    seen[phone] = line.row
    return phone


def _phones_in_use(session: Session, phone_rows: dict[str, int]) -> list[RowError]:
    """A problem for each row whose phone already belongs to someone (anyone in the county: a phone signs in one
    person)."""
    phones = sorted(phone_rows)
    taken: list[str] = []
    for start in range(0, len(phones), LOOKUP_CHUNK):
        taken += session.exec(select(User.phone).where(User.phone.in_(phones[start:start + LOOKUP_CHUNK]))).all()
    return [RowError(phone_rows[p], COLUMNS[PHONE], f"手机号 {p} 已被使用：县里已有用这个手机号的账号")
            for p in taken]


def _households_known(session: Session, *, village_id: int, drafts: dict[tuple[str, str], _Draft]
                      ) -> list[RowError]:
    """A problem for each household the village already has (the same head and address): a roster sent twice, or
    a second file that repeats the first, adds nobody twice."""
    heads = sorted({head for head, _ in drafts})
    known: set[tuple[str, str]] = set()
    for start in range(0, len(heads), LOOKUP_CHUNK):
        known |= set(session.exec(select(Household.head_name, Household.address).where(
            Household.village_id == village_id, Household.head_name.in_(heads[start:start + LOOKUP_CHUNK]))).all())
    return [RowError(drafts[key].row, COLUMNS[HEAD], f"本村已登记过这一户（户主{key[0]}，住址“{key[1] or '空'}”），"
                     "不能重复导入") for key in sorted(known & drafts.keys(), key=lambda k: drafts[k].row)]


def village_groups(session: Session, *, village_id: int) -> dict[str, int]:
    """The village's 村民小组 by name."""
    return dict(session.exec(select(OrgUnit.name, OrgUnit.id).where(OrgUnit.parent_id == village_id,
                                                                      OrgUnit.kind == OrgKind.group)).all())


# --- writing it ---------------------------------------------------------------------------------------------------

def import_roster(session: Session, *, actor: Actor, village_id: int, rows: list[RosterRow], filename: str,
                  dry_run: bool) -> RosterPlan:
    """Check the roster and, unless `dry_run` or anything is wrong, write all its households (from
    `access.roster_village`) with one line in the audit log; a refused roster writes nothing."""
    if not dry_run:  # two imports into one village at once: one after the other (PostgreSQL; SQLite has one writer)
        session.exec(select(OrgUnit.id).where(OrgUnit.id == village_id).with_for_update()).one()
    plan = check_roster(session, village_id=village_id, rows=rows)
    if dry_run or plan.errors:
        return plan
    insert_households(session, village_id=village_id, households=plan.households)
    name = clean_text(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1], label="文件名", max_length=500,
                      required=False)[:100]
    record_action(session, actor_id=actor.id, action=OrgAction.roster_import, village_id=village_id,
                  target_type=VILLAGE_TARGET, target_id=village_id,
                  target_label=village_name(session, village_id),
                  detail={"households": len(plan.households), "members": plan.members, "file": name})
    return plan


# --- the workbooks: the template and the export -------------------------------------------------------------------

HELP_LINES = (
    "花名册填写说明",
    "1. 在“花名册”表里从第 2 行起填写，一行一位成员；第 1 行的表头不要改。",
    "2. 同一户的各行，户主姓名和住址要完全一样（系统按这两项把各行归为一户）；户主本人也占一行。",
    "3. 村民小组可以不填；填了的话，要和村里已建的村民小组名称一样。同一户的各行应填同一个村民小组。",
    "4. 手机号可以不填；填了的话应为 1 开头的 11 位数字，每人不同，且不能是县里已登记过的手机号。",
    "5. 导入的成员没有密码：需要登录时，请村干部在农户页面“重置密码”给一个一次性密码，或为农户办积分卡。",
    f"6. 一个文件最多 {MAX_ROWS} 行、{MAX_BYTES // (1024 * 1024)} MB；请保存为 .xlsx，不要用公式。",
    "7. 上传后先点“先检查”，有问题会列出第几行、哪一列、什么问题；全部无误才能导入，"
    "导入时要么全部导入，要么一户也不导入。",
    "",
    "示例（请在“花名册”表里填写，不要填在这里）：",
)
EXAMPLE = (("王建国", "一组", "东街 12 号", "王建国", "13800000000", "本人"),
           ("王建国", "一组", "东街 12 号", "李秀英", "", "配偶"),
           ("王建国", "一组", "东街 12 号", "王小明", "13900000000", "子"),
           ("张桂兰", "", "西街 3 号", "张桂兰", "", "本人"))


def template_workbook() -> bytes:
    """The roster template: the 花名册 sheet (its header alone, the phone column as text) and a 说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    _header(sheet, COLUMNS)
    sheet.column_dimensions["E"].number_format = "@"  # phones stay digits, never 1.38E+10
    help_sheet = workbook.create_sheet(HELP_SHEET)
    for number, line in enumerate(HELP_LINES, start=1):
        put(help_sheet.cell(row=number, column=1), line).font = Font(bold=number == 1, size=14 if number == 1 else 11)
    start = len(HELP_LINES) + 1
    _header(help_sheet, COLUMNS, row=start)
    for offset, values in enumerate(EXAMPLE, start=1):
        for column, value in enumerate(values, start=1):
            put(help_sheet.cell(row=start + offset, column=column), value)
    help_sheet.column_dimensions["A"].width = 14
    return _save(workbook)


def roster_workbook(session: Session, *, village_id: int) -> bytes:
    """The village's roster in the template's columns (one row a member, active members only), with each
    household's balance: a household without members has one row of its own."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    _header(sheet, COLUMNS + (BALANCE,))
    number = 2
    for values in roster_lines(session, village_id=village_id):
        for column, value in enumerate(values, start=1):
            put(sheet.cell(row=number, column=column), value)
        number += 1
    return _save(workbook)


def roster_lines(session: Session, *, village_id: int) -> Iterator[tuple[object, ...]]:
    """The roster's lines: 户主姓名, 村民小组, 住址, 成员姓名, 手机号, 与户主关系, 积分余额."""
    households = session.exec(
        select(Household, OrgUnit.name, Account.balance)
        .join(Account, Account.household_id == Household.id)
        .outerjoin(OrgUnit, OrgUnit.id == Household.group_id)
        .where(Household.village_id == village_id).order_by(Household.id)).all()
    members: dict[int, list[User]] = {}
    for user in session.exec(select(User).join(Household, Household.id == User.household_id)
                             .where(Household.village_id == village_id, User.active).order_by(User.id)):
        members.setdefault(user.household_id, []).append(user)  # type: ignore[arg-type]
    for household, group, balance in households:
        first = (household.head_name, group or "", household.address)
        for user in members.get(household.id, []) or [None]:  # type: ignore[list-item]
            person = (user.name, user.phone or "", user.relation) if user is not None else ("", "", "")
            yield (*first, *person, balance)


def _header(sheet: Worksheet, labels: tuple[str, ...], *, row: int = 1) -> None:
    for column, label in enumerate(labels, start=1):
        cell = put(sheet.cell(row=row, column=column), label)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, Alignment(horizontal="center")
        sheet.column_dimensions[cell.column_letter].width = _WIDTHS[column - 1]
    if row == 1:
        sheet.freeze_panes = "A2"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
