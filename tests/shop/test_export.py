"""The monthly settlement workbook: right figures, readable layout, and no cell that can run as a formula."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from app.shop.books.export import HEADERS, SettlementRow, month_label, safe_text, settlement_workbook

ROWS = [
    SettlementRow(goods_name="大米 5kg", unit_points=30, quantity=12, points=360),
    SettlementRow(goods_name="菜籽油 5L", unit_points=60, quantity=3, points=180),
    SettlementRow(goods_name="食盐", unit_points=3, quantity=25, points=75),
]
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", "\t=1+1", "\r=1+1"]


def build(rows=ROWS, **kw) -> bytes:
    params = dict(shop_name="振风超市", village_name="青石村", month="2026-11", rows=rows, redemptions=31,
                  generated_at="2026-12-01 09:30")
    return settlement_workbook(**(params | kw))


def sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def values(ws) -> list[tuple]:
    return [tuple(v for v in row if v is not None) for row in ws.iter_rows(values_only=True)]


def find_row(ws, first_value) -> tuple:
    return next(r for r in ws.iter_rows(values_only=True) if r[0] == first_value)


class TestSafeText:
    @pytest.mark.parametrize("text", HOSTILE)
    def test_formula_triggers_quoted(self, text):
        assert safe_text(text) == "'" + text

    @pytest.mark.parametrize("text", ["大米", "5kg 装", "'already quoted", "a=b", ""])
    def test_ordinary_text_unchanged(self, text):
        assert safe_text(text) == text

    def test_control_characters_removed(self):
        assert safe_text("毛\x00巾\x1b") == "毛巾"
        assert safe_text("\x01=1+1") == "'=1+1"  # stripping must not expose a trigger


class TestMonthLabel:
    def test_formats_year_month(self):
        assert month_label("2026-11") == "2026年11月"
        assert month_label("2026-01") == "2026年1月"

    def test_other_text_kept(self):
        assert month_label("2026年第四季度") == "2026年第四季度"


class TestSettlementWorkbook:
    def test_is_a_real_xlsx(self):
        data = build()
        assert zipfile.is_zipfile(io.BytesIO(data))
        assert sheet(data).title == "结算单"

    def test_title_village_and_time(self):
        ws = sheet(build())
        assert ws["A1"].value == "振风超市 2026年11月 积分兑换结算单"
        assert find_row(ws, "村")[1] == "青石村"
        assert find_row(ws, "生成时间")[1] == "2026-12-01 09:30"

    def test_header_and_rows(self):
        rows = values(sheet(build()))
        start = rows.index(HEADERS)
        expected = [("大米 5kg", 30, 12, 360), ("菜籽油 5L", 60, 3, 180), ("食盐", 3, 25, 75)]
        assert rows[start + 1 : start + 4] == expected

    def test_totals_are_numbers_computed_in_python(self):
        ws = sheet(build())
        assert find_row(ws, "合计")[2:4] == (40, 615)
        assert find_row(ws, "兑换笔数")[1] == 31
        total_row = next(r for r in ws.iter_rows() if r[0].value == "合计")
        assert total_row[3].data_type == "n"

    def test_signature_lines(self):
        ws = sheet(build())
        for label in ("超市负责人签字：", "村委会审核："):
            row = next(r for r in ws.iter_rows() if r[0].value == label)
            assert row[2].value == "日期："
            assert row[1].value is None and row[1].border.bottom.style == "thin"  # a blank line to sign on

    def test_no_redemptions(self):
        ws = sheet(build(rows=[], redemptions=0))
        assert find_row(ws, "本月无兑换")
        assert find_row(ws, "合计")[2:4] == (0, 0)

    def test_columns_wide_enough_for_chinese_names(self):
        long_name = "农夫山泉饮用天然水 550ml×24瓶 整箱装"
        ws = sheet(build(rows=[SettlementRow(long_name, 45, 1, 45)]))
        assert ws.column_dimensions["A"].width >= 40
        assert all(ws.column_dimensions[c].width >= 10 for c in "BCD")


class TestFormulaInjection:
    def test_hostile_names_stored_as_quoted_text(self):
        ws = sheet(build(rows=[SettlementRow(name, 1, 1, 1) for name in HOSTILE]))
        header = next(r[0].row for r in ws.iter_rows() if r[0].value == HEADERS[0])
        cells = [ws.cell(row=header + 1 + i, column=1) for i in range(len(HOSTILE))]
        # XML turns a stored carriage return into a line feed on reading; the quote is what matters.
        assert [c.value for c in cells] == ["'" + name.replace("\r", "\n") for name in HOSTILE]
        assert all(c.data_type == "s" for c in cells)

    def test_hostile_shop_village_and_time_quoted(self):
        ws = sheet(build(shop_name="=cmd|' /C calc'!A0", village_name="+青石村", generated_at="@now"))
        assert ws["A1"].value == "'=cmd|' /C calc'!A0 2026年11月 积分兑换结算单"
        assert find_row(ws, "村")[1] == "'+青石村"
        assert find_row(ws, "生成时间")[1] == "'@now"

    def test_no_formula_anywhere(self):
        rows = [SettlementRow(name, 1, 1, 1) for name in HOSTILE]
        data = build(rows=rows, shop_name="=1+1", village_name="-1")
        ws = sheet(data)
        assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
