"""Every spreadsheet the app hands out (the shop's settlement sheet, the village's roster …) writes its cells through
here, so that text typed by a user can never become a formula when the file is opened (OWASP CSV/formula
injection): a text starting with = + - @ (or a tab or carriage return, which some programs skip before such a sign)
gets a leading apostrophe and is stored as an explicit string cell. tests/test_exports.py keeps every module that
writes a workbook or a CSV file going through this one."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> str:
    """Make text inert in a spreadsheet: drop characters XML forbids, quote a leading formula trigger."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_cell(value: object) -> object:
    """A value fit for a cell: numbers (not bools) and None as they are, anything else as inert text."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return safe_text(value)


def put(cell: Cell, value: object) -> Cell:
    """Write `value` into `cell`: text neutralised and forced to a string cell (never a formula, whatever it says)."""
    cell.value = safe_cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
