"""Formula injection (reliability.md "Bad input"): every spreadsheet the app hands out writes its cells through
app/exports.py, and what a user typed (=1+1, +86, -2, @SUM …) comes out as inert text."""

import ast
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.config import ROOT
from app.exports import put, safe_cell, safe_text

EVIL = ["=1+1", "+86", "-2", "@SUM(A1:A9)", "\t=cmd|' /C calc'!A0", "\r=1"]


def writes_a_sheet(tree: ast.AST) -> bool:
    """Whether a module makes a workbook (openpyxl's Workbook) or writes CSV."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "openpyxl" and any(a.name == "Workbook"
                                                                                   for a in node.names):
            return True
        if isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            return True
    return False


def uses_the_helper(tree: ast.AST) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "app.exports" for node in ast.walk(tree))


def sheet_writers() -> dict[str, bool]:
    found = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path == ROOT / "app" / "exports" / "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        if writes_a_sheet(tree):
            found[str(path.relative_to(ROOT))] = uses_the_helper(tree)
    return found


def test_every_export_goes_through_the_one_helper():
    writers = sheet_writers()
    assert {"app/shop/books/export.py", "app/org/roster.py"} <= set(writers)
    assert [name for name, ok in writers.items() if not ok] == []


def test_the_guard_sees_a_module_that_skips_it(tmp_path: Path):
    sneaky = ast.parse("import csv\nfrom openpyxl import Workbook\n")
    assert writes_a_sheet(sneaky) and not uses_the_helper(sneaky)
    assert uses_the_helper(ast.parse("from app.exports import put\n"))


@pytest.mark.parametrize("text", EVIL)
def test_a_formula_trigger_comes_out_inert(text):
    assert safe_text(text).startswith("'")
    workbook = Workbook()
    cell = put(workbook.active["A1"], text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]
    assert read.data_type == "s" and read.value.startswith("'") and cell.data_type == "s"


def test_plain_values_stay_as_they_are():
    assert [safe_cell(v) for v in (5, 2.5, None, "王建国", "13800000004")] == [5, 2.5, None, "王建国", "13800000004"]
    assert safe_cell(True) == "True"  # not a number of points
    assert safe_text("毛\x00巾") == "毛巾"
