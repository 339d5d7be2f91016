"""A disclosure's body: CommonMark with tables (paragraphs, lists, tables for finance figures), raw HTML never rendered.

markdown-it-py with `html: False` escapes every tag typed into the text; links keep only safe schemes
(markdown-it's own validateLink refuses javascript:, vbscript:, file: and data: other than images); images are not
loaded from outside (the CSP forbids it too) — they are turned into their alt text."""

import difflib
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_MD.disable("image")


def render_body(body: str) -> Markup:
    """The body as safe HTML (everything typed as HTML shows as text)."""
    return Markup(_MD.render(body or ""))  # noqa: S704 - markdown-it with html=False escapes all input


@dataclass
class DiffLine:
    kind: str  # "same" | "added" | "removed"
    text: str


def line_diff(before: str, after: str) -> list[DiffLine]:
    """What changed between two versions, line by line (unchanged lines kept for context)."""
    out: list[DiffLine] = []
    a, b = (before or "").splitlines(), (after or "").splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [DiffLine("same", line) for line in a[i1:i2]]
            continue
        out += [DiffLine("removed", line) for line in a[i1:i2]]
        out += [DiffLine("added", line) for line in b[j1:j2]]
    return out
