"""The common machinery of the exports (and of the reports built on them): a workbook streamed row by row into a
temporary file, never held whole in memory.

A file opens with a 说明 sheet — what it is, for which unit and period, who produced it and when, how many rows,
and how its figures are reckoned — followed by the data: a bold header row that stays frozen while scrolling, set
column widths, dates and times as real spreadsheet dates (in the villages' zone: a spreadsheet has no zones), and
every cell through app/exports (`safe_cell`: text a user typed can never become a formula). openpyxl's write-only
mode keeps one row at a time; a sheet that reaches the spreadsheet's row limit goes on in a second sheet of the same
name with its own header. The file is spooled: in memory while small, on disk beyond `SPOOL_BYTES`."""

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.exports import safe_cell, safe_text

MAX_SHEET_ROWS = 1_048_575  # data rows a sheet holds under its header (Excel's limit is 1,048,576 rows)
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
COVER_SHEET = "说明"
FORMATS = {"datetime": "yyyy-mm-dd hh:mm", "month": "yyyy-mm", "date": "yyyy-mm-dd", "decimal": "0.0#"}
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0E0")


@dataclass(frozen=True)
class Column:
    """A column of a data sheet: its header, its width (in characters; a CJK character counts two) and the kind of
    its values — text, int, decimal, or datetime, date and month (written as dates)."""

    label: str
    width: int
    kind: str = "text"


@dataclass(frozen=True)
class Cover:
    """What the 说明 sheet says: the file's title, the unit and the period (in words), who produced it and when
    (a local time, without zone), and notes on how the figures are reckoned."""

    title: str
    unit: str
    period: str
    produced_by: str
    produced_at: datetime
    notes: tuple[str, ...] = ()


@dataclass
class ExportFile:
    """A finished workbook in a spooled temporary file, read from the start: its size and how many data rows it
    holds. `chunks()` hands it out and closes it."""

    file: IO[bytes]
    size: int
    rows: int

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(CHUNK_BYTES):
                yield chunk
        finally:
            self.file.close()

    def read(self) -> bytes:
        """The whole file (for tests and small files), closing it."""
        return b"".join(self.chunks())


@dataclass(frozen=True)
class Sheet:
    """A data sheet of a workbook of several (a report): its name, its columns and its rows."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]


def stream_workbook(*, cover: Cover, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]
                    ) -> ExportFile:
    """Write the cover and `rows` (each a sequence of values in `columns`' order) into a spooled .xlsx file."""
    return stream_sheets(cover=cover, sheets=[Sheet(sheet, columns, rows)])


def stream_sheets(*, cover: Cover, sheets: Sequence[Sheet]) -> ExportFile:
    """Write the cover and each sheet in turn (its rows streamed as `stream_workbook`'s) into a spooled .xlsx
    file; the cover's 行数 counts the rows of all of them."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "振风"
    workbook.properties.title = safe_text(cover.title)
    front = workbook.create_sheet(COVER_SHEET)
    front.column_dimensions["A"].width = 12
    front.column_dimensions["B"].width = 60
    total = 0
    try:
        for one in sheets:
            count = 0
            data = _data_sheet(workbook, one.name, one.columns, part=1)
            for row in one.rows:
                if count and count % MAX_SHEET_ROWS == 0:
                    data = _data_sheet(workbook, one.name, one.columns, part=count // MAX_SHEET_ROWS + 1)
                data.append([_cell(data, column, value) for column, value in zip(one.columns, row, strict=True)])
                count += 1
            total += count
        _write_cover(front, cover, rows=total)
    except BaseException:
        _discard(workbook)
        raise
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by ExportFile.chunks
    try:
        workbook.save(spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return ExportFile(file=spool, size=size, rows=total)


def _discard(workbook: Workbook) -> None:
    """A file abandoned half-written (the database failed, a value was refused): each write-only sheet's temporary
    file is closed and removed now, not when the process ends (openpyxl removes them only at save or at exit)."""
    for sheet in workbook.worksheets:
        rows, writer = getattr(sheet, "_rows", None), getattr(sheet, "_writer", None)
        with suppress(Exception):
            if rows is not None:
                rows.close()
        with suppress(Exception):
            if writer is not None:
                writer.close()
                writer.cleanup()


def _data_sheet(workbook: Workbook, title: str, columns: Sequence[Column], *, part: int) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title if part == 1 else f"{title}（{part}）")
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_text(column.label))
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    return sheet


def _cell(sheet: WriteOnlyWorksheet, column: Column, value: object) -> object:
    """A value as the sheet takes it: dates as dates in the column's format, text inert, numbers as numbers."""
    if value is None:
        return None
    if column.kind in ("datetime", "date", "month") and isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise ValueError("a spreadsheet has no time zones: give the local time")
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = FORMATS[column.kind]
        return cell
    if column.kind == "decimal":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = FORMATS["decimal"]
        return cell
    return safe_cell(value)


def _write_cover(sheet: WriteOnlyWorksheet, cover: Cover, *, rows: int) -> None:
    title = WriteOnlyCell(sheet, value=safe_text(cover.title))
    title.font = _TITLE
    sheet.append([title])
    when = WriteOnlyCell(sheet, value=cover.produced_at.replace(tzinfo=None))
    when.number_format = "yyyy-mm-dd hh:mm"
    when.alignment = Alignment(horizontal="left")
    for label, value in (("单位", cover.unit), ("时间段", cover.period), ("导出人", cover.produced_by),
                         ("导出时间", when), ("行数", rows)):
        sheet.append([_label(sheet, label), value if isinstance(value, Cell | int) else safe_text(value)])
    if cover.notes:
        sheet.append([])
        sheet.append([_label(sheet, "口径")])
        for note in cover.notes:
            sheet.append([None, safe_text(note)])


def _label(sheet: WriteOnlyWorksheet, text: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = _BOLD
    return cell
