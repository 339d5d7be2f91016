"""A disclosure's body: CommonMark with tables (paragraphs, lists, tables for finance figures), raw HTML never rendered.

markdown-it-py with `html: False` escapes every tag typed into the text; links keep only safe schemes
(markdown-it's own validateLink refuses javascript:, vbscript:, file: and data: other than images); images are not
loaded from outside (the CSP forbids it too) — they are turned into their alt text."""

import difflib
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_MD.disable("image")


_ALIGN = {"text-align:right": "align-right", "text-align:center": "align-center", "text-align:left": "align-left"}


def render_body(body: str) -> Markup:
    """The body as safe HTML (everything typed as HTML shows as text). A table column's alignment becomes a class:
    the CSP allows no inline style."""
    env: dict = {}
    tokens = _MD.parse(body or "", env)
    for token in tokens:
        style = token.attrs.pop("style", None) if token.attrs else None
        if style in _ALIGN:
            token.attrs["class"] = _ALIGN[style]
    return Markup(_MD.renderer.render(tokens, _MD.options, env))  # noqa: S704 - html=False escapes all input


# A table cell's own characters that the markup would read as syntax: `|` would end the cell, the others start
# emphasis, code, links or an autolink. A backslash before one shows it as typed (CommonMark's escapes).
_CELL_SYNTAX = re.compile(r"([\\|*_`\[\]<&])")
_NUMBER = re.compile(r"[-+]?[¥￥$]?\d[\d,]*(\.\d+)?\s*(%|元|万元|分|户|人|个)?")


def escape_cell(text: str) -> str:
    """A cell's text for a table row: on one line, trimmed, its syntax characters escaped (static/table-editor.js
    does the same in the browser)."""
    return _CELL_SYNTAX.sub(r"\\\1", " ".join(str(text).split()))


def table_markup(rows: list[list[str]]) -> str:
    """Rows of cells (the first is the header) as a table in the body's markup; a column whose cells are all numbers
    (6,880.00 · 12% · 300元) is aligned right. Short rows are padded."""
    width = max(len(row) for row in rows)
    padded = [list(row) + [""] * (width - len(row)) for row in rows]
    rule = []
    for column in range(width):
        cells = [row[column].strip() for row in padded[1:] if row[column].strip()]
        rule.append("---:" if cells and all(_NUMBER.fullmatch(cell) for cell in cells) else "---")
    lines = ["| " + " | ".join(escape_cell(cell) for cell in row) + " |" for row in padded]
    return "\n".join([lines[0], "|" + "|".join(rule) + "|", *lines[1:]])


@dataclass
class DiffLine:
    kind: str  # "same" | "added" | "removed"
    text: str


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def line_diff(before: str, after: str) -> list[DiffLine]:
    """What changed between two versions, line by line (unchanged lines kept for context). Blank lines and a table's
    |---| rule are left out, and a table row reads as its cells: "路灯维修 · 6,880.00"."""
    out: list[DiffLine] = []
    a, b = (before or "").splitlines(), (after or "").splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [DiffLine("same", line) for line in a[i1:i2]]
            continue
        out += [DiffLine("removed", line) for line in a[i1:i2]]
        out += [DiffLine("added", line) for line in b[j1:j2]]
    return [DiffLine(d.kind, _readable(d.text)) for d in out if d.text.strip() and not _TABLE_RULE.match(d.text)]


def _readable(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return " · ".join(cell.strip() for cell in _cells(stripped[1:-1]) if cell.strip())
    return line


def _cells(row: str) -> list[str]:
    """A table row's cells as they read: split at the pipes that are not escaped, the escapes taken off."""
    cells, cell, escaped = [], "", False
    for ch in row:
        if escaped:
            cell, escaped = cell + ch, False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            cells, cell = [*cells, cell], ""
        else:
            cell += ch
    return [*cells, cell + ("\\" if escaped else "")]
