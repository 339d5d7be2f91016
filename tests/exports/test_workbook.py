"""The exports' common machinery (app/exports/workbook.py): a streamed workbook opens with its 说明, keeps its header
frozen, writes dates as dates and text as inert text, and goes on in a second sheet past the row limit."""

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.exports import workbook
from app.exports.workbook import Column, Cover, stream_workbook

COLUMNS = (Column("名称", 20), Column("数量", 8, "int"), Column("时间", 17, "datetime"), Column("月份", 10, "month"),
           Column("时长", 8, "decimal"))
COVER = Cover(title="测试表", unit="示范村（村）", period="2026年11月", produced_by="张书记（村干部）",
              produced_at=datetime(2026, 11, 30, 9, 15), notes=("口径一", "=口径二"))
ROWS = [("=1+1", 3, datetime(2026, 11, 2, 8, 30), date(2026, 11, 1), 1.5), ("@SUM(A1)", -2, None, None, None),
        ("王建国", 0, datetime(2026, 11, 3), date(2026, 10, 1), 0.25)]


def book(rows, **kw):
    made = stream_workbook(cover=COVER, sheet="数据", columns=COLUMNS, rows=rows, **kw)
    return made, load_workbook(io.BytesIO(made.read()))


def test_cover_then_data_with_frozen_header_widths_and_real_dates():
    made, wb = book(ROWS)
    assert wb.sheetnames == ["说明", "数据"] and made.rows == 3
    cover = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r and r[0]}
    assert cover["单位"] == "示范村（村）" and cover["导出人"] == "张书记（村干部）" and cover["行数"] == 3
    assert cover["导出时间"] == datetime(2026, 11, 30, 9, 15)
    notes = [r[1] for r in wb["说明"].iter_rows(values_only=True) if r and r[0] is None and len(r) > 1 and r[1]]
    assert notes == ["口径一", "'=口径二"]
    sheet = wb["数据"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 20
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS] and sheet["A1"].font.b
    first = sheet[2]
    assert first[0].value == "'=1+1" and first[0].data_type == "s"
    assert first[2].is_date and first[2].value == datetime(2026, 11, 2, 8, 30)
    assert first[2].number_format == "yyyy-mm-dd hh:mm"
    assert first[3].is_date and first[3].number_format == "yyyy-mm"
    assert sheet["A3"].value == "'@SUM(A1)" and sheet["B3"].value == -2 and sheet["C3"].value is None
    assert all(c.data_type != "f" for s in wb.worksheets for row in s.iter_rows() for c in row)


def test_past_the_row_limit_it_goes_on_in_another_sheet_with_its_header(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 2)
    made, wb = book(ROWS * 2)
    assert wb.sheetnames == ["说明", "数据", "数据（2）", "数据（3）"] and made.rows == 6
    assert [[c.value for c in s[1]] for s in wb.worksheets[1:]] == [[c.label for c in COLUMNS]] * 3
    assert [s.max_row for s in wb.worksheets[1:]] == [3, 3, 3]


def test_an_aware_time_is_refused_and_nothing_is_left_behind(tmp_path, monkeypatch):
    """Refused rather than written in the wrong zone; the half-written sheets' temporary files go at once."""
    from openpyxl.worksheet import _writer

    monkeypatch.setattr(_writer, "ALL_TEMP_FILES", [])
    with pytest.raises(ValueError, match="time zones"):
        stream_workbook(cover=COVER, sheet="数据", columns=COLUMNS,
                        rows=[("x", 1, datetime(2026, 1, 1, tzinfo=UTC), None, None)])
    assert _writer.ALL_TEMP_FILES == []


def test_a_large_file_spools_to_disk_and_streams_in_chunks(monkeypatch):
    monkeypatch.setattr(workbook, "SPOOL_BYTES", 1024)
    made = stream_workbook(cover=COVER, sheet="数据", columns=COLUMNS,
                           rows=((f"户{i}", i, None, None, i / 4) for i in range(5000)))
    assert made.file._rolled  # on disk, not in memory
    chunks = list(made.chunks())
    assert len(chunks) > 1 and sum(map(len, chunks)) == made.size and made.file.closed
    assert len(list(load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)["数据"].iter_rows())) == 5001
