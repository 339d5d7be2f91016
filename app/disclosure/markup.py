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
        return " · ".join(cell.strip() for cell in stripped[1:-1].split("|") if cell.strip())
    return line
