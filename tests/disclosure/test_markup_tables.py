"""The table editor's markup (app/disclosure/markup.py `table_markup`, mirrored by static/table-editor.js): cells
come back from the renderer exactly as typed, hostile text stays text, numbers align right, the diff reads cells."""

import html
import re

import pytest

from app.disclosure.markup import escape_cell, line_diff, render_body, table_markup
from app.static_files import static_url
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only


def cells_of(rendered: str) -> list[list[str]]:
    """The rendered table's rows of cell texts (tags taken off, entities read)."""
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.S)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


class TestTableMarkup:
    def test_round_trip_of_plain_and_awkward_cells(self):
        rows = [["科目", "金额", "备注"],
                ["路灯维修", "6,880.00", "a | b"],
                ["修路\\桥", "1200元", "*不是强调* _也不是_ `不是代码`"],
                ["[链接](http://x)", "-35", "<http://x.cn> &lt; &amp;"]]
        rendered = str(render_body(table_markup(rows)))
        assert cells_of(rendered) == rows

    def test_numbers_align_right_and_text_left(self):
        text = table_markup([["项目", "金额", "比例"], ["路灯", "6,880.00", "12%"], ["修桥", "300元", "八成"]])
        assert text.splitlines()[1] == "|---|---:|---|"
        assert '<td class="align-right">6,880.00</td>' in str(render_body(text))

    def test_short_rows_are_padded_and_line_breaks_become_spaces(self):
        text = table_markup([["甲", "乙", "丙"], ["一\n二", "三\t四"]])
        assert text.splitlines()[2] == "| 一 二 | 三 四 |  |"
        assert cells_of(str(render_body(text)))[1] == ["一 二", "三 四", ""]

    def test_escape_cell(self):
        assert escape_cell(" a|b ") == "a\\|b"
        assert escape_cell("c\\") == "c\\\\"
        assert escape_cell("<script>") == "\\<script>"


class TestHostileCells:
    def test_script_and_handlers_stay_text(self):
        hostile = ['<script>alert(1)</script>', '<img src=x onerror="alert(2)">', "javascript:alert(3)"]
        rendered = str(render_body(table_markup([["列"], *[[h] for h in hostile]])))
        assert "<script>" not in rendered and "<img" not in rendered and "href=" not in rendered
        assert [row[0] for row in cells_of(rendered)[1:]] == hostile

    def test_bidi_characters_stay_inside_their_cell(self):
        rows = [["名字", "金额"], ["\u202e劵兑", "100"], ["王\u2066x|y\u2069", "5"]]
        rendered = str(render_body(table_markup(rows)))
        assert cells_of(rendered) == rows  # the publish form drops them (app/text.py); the table keeps its shape

    def test_a_very_long_cell(self):
        long = "很长的说明" * 800 + "|" + "<b>" * 50
        rendered = str(render_body(table_markup([["说明"], [long]])))
        assert cells_of(rendered) == [["说明"], [long]] and "<b>" not in rendered


def test_the_diff_reads_escaped_pipes_as_text():
    before = table_markup([["科目", "金额"], ["路灯", "100"]])
    after = table_markup([["科目", "金额"], ["路灯 | 电费", "120"]])
    changed = [(d.kind, d.text) for d in line_diff(before, after) if d.kind != "same"]
    assert changed == [("removed", "路灯 · 100"), ("added", "路灯 | 电费 · 120")]


def test_the_publish_page_offers_the_tool_and_says_how_without_it(web):
    sign_in(web, "official")
    page = web.get("/disclosures/new").text
    assert re.search(r'<div class="table-tool" data-table-tool data-target="d-body" hidden>', page)
    assert f'<script src="{static_url("table-editor.js")}" defer></script>' in page
    assert "也可以直接这样写" in page and "| 科目 | 金额 |" in page  # typing pipes works without the script


def test_a_published_table_keeps_its_cells_and_loses_bidi_controls(web):
    token = sign_in(web, "official")
    rows = [["名字", "金额"], ["\u202e劵兑 <script>x()</script>", "100"], ["a|b", "5"]]
    r = web.post("/disclosures", data={"csrf_token": token, "category": "finance", "title": "表格",
                                       "body": table_markup(rows), "form_key": "fk-table"})
    assert r.status_code == 303
    page = web.get(r.headers["location"]).text
    table = re.search(r"<table>.*?</table>", page, re.S).group(0)
    assert cells_of(table) == [["名字", "金额"], ["劵兑 <script>x()</script>", "100"], ["a|b", "5"]]
    assert "\u202e" not in page and "<script>x()" not in page
