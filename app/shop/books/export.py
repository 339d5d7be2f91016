"""The monthly settlement sheet the shop hands to the village committee, as an .xlsx workbook.

Totals are computed here, never as Excel formulas, and every cell goes through app/exports.py (`put`, `safe_text`),
so a goods or shop name typed by a user can never become a formula when the sheet is opened (OWASP CSV/formula
injection).
"""

import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from app.exports import put, safe_text

HEADERS = ("商品", "单价(积分)", "数量", "积分合计")
SIGNATURES = ("超市负责人签字", "村委会审核")

_BOLD = Font(bold=True)
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0E0")
_NUMBER = "#,##0"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass
class SettlementRow:
    goods_name: str
    unit_points: int
    quantity: int
    points: int


def month_label(month: str) -> str:
    """'2026-11' → '2026年11月'; anything else is shown as given."""
    match = _MONTH.match(month)
    return f"{match[1]}年{int(match[2])}月" if match else month


def settlement_workbook(*, shop_name: str, village_name: str, month: str, rows: list[SettlementRow],
                        redemptions: int, generated_at: str, fen_per_point: int | None = None) -> bytes:
    """Build the settlement sheet for one shop and one month; return the .xlsx bytes. With the village's rate
    (`fen_per_point`), the sheet also gives the 元 value of the points redeemed, for the village to reimburse."""
    wb = Workbook()
    ws = wb.active
    ws.title = "结算单"
    title = f"{shop_name} {month_label(month)} 积分兑换结算单"
    wb.properties.title = safe_text(title)
    wb.properties.creator = "振风"

    _put(ws, 1, 1, title, font=Font(bold=True, size=16))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.row_dimensions[1].height = 30
    _put(ws, 2, 1, "村", font=_BOLD)
    _put(ws, 2, 2, village_name)
    _put(ws, 3, 1, "生成时间", font=_BOLD)
    _put(ws, 3, 2, generated_at)

    header_row = 5
    for col, label in enumerate(HEADERS, start=1):
        _put(ws, header_row, col, label, font=_BOLD, border=_BOX, fill=_HEADER_FILL)
    last = _write_rows(ws, header_row + 1, rows)
    total = last + 1
    _put(ws, total, 1, "合计", font=_BOLD, border=_BOX)
    _put(ws, total, 2, None, border=_BOX)
    _put(ws, total, 3, sum(r.quantity for r in rows), font=_BOLD, border=_BOX)
    _put(ws, total, 4, sum(r.points for r in rows), font=_BOLD, border=_BOX)
    _put(ws, total + 1, 1, "兑换笔数", font=_BOLD)
    _put(ws, total + 1, 2, redemptions)
    if fen_per_point is not None:
        _put(ws, total + 2, 1, "折算标准", font=_BOLD)
        _put(ws, total + 2, 2, f"1 积分 = {_yuan(fen_per_point)} 元")
        _put(ws, total + 3, 1, "折合金额(元)", font=_BOLD)
        _put(ws, total + 3, 2, _yuan(sum(r.points for r in rows) * fen_per_point), font=_BOLD)
        total += 2
    _write_signatures(ws, total + 3)

    _size_columns(ws, rows)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _yuan(fen: int) -> Decimal:
    """Fen as an exact number of 元 (a Decimal: never a float's rounding)."""
    return Decimal(fen).scaleb(-2)  # 50 → 0.50


def _write_rows(ws: Worksheet, first: int, rows: list[SettlementRow]) -> int:
    """Write one line per goods; return the last row used (a '本月无兑换' line when there is none)."""
    if not rows:
        _put(ws, first, 1, "本月无兑换", border=_BOX)
        for col in range(2, len(HEADERS) + 1):
            _put(ws, first, col, None, border=_BOX)
        return first
    for i, row in enumerate(rows):
        values = (row.goods_name, row.unit_points, row.quantity, row.points)
        for col, value in enumerate(values, start=1):
            _put(ws, first + i, col, value, border=_BOX)
    return first + len(rows) - 1


def _write_signatures(ws: Worksheet, start: int) -> None:
    """Labelled blank lines to sign on, each followed by a date line."""
    for i, label in enumerate(SIGNATURES):
        row = start + i * 2
        _put(ws, row, 1, f"{label}：", font=_BOLD)
        _put(ws, row, 3, "日期：", font=_BOLD)
        for col in (2, 4):
            ws.cell(row=row, column=col).border = Border(bottom=_THIN)
        ws.row_dimensions[row].height = 32


def _put(ws: Worksheet, row: int, col: int, value: str | int | Decimal | None, *, font: Font | None = None,
         border: Border | None = None, fill: PatternFill | None = None) -> None:
    """Write one cell: text neutralised and forced to a string cell, numbers formatted."""
    cell = put(ws.cell(row=row, column=col), value)
    if isinstance(value, int):
        cell.number_format = _NUMBER
    elif isinstance(value, Decimal):
        cell.number_format = "#,##0.00"
    numeric = isinstance(value, int | Decimal)
    cell.alignment = Alignment(vertical="center", horizontal="right" if numeric else "left")
    if font:
        cell.font = font
    if border:
        cell.border = border
    if fill:
        cell.fill = fill


def _display_width(text: str) -> int:
    """Columns a text needs: CJK and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _size_columns(ws: Worksheet, rows: list[SettlementRow]) -> None:
    names = [r.goods_name for r in rows] + list(SIGNATURES)
    widest = max(_display_width(safe_text(n)) for n in names)
    ws.column_dimensions["A"].width = min(max(widest + 4, 18), 50)
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 14
