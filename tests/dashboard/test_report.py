"""中期评估报告 (issue #20, item 4): GET /api/v1/org-units/{id}/report.xlsx opened with openpyxl — a sheet per level,
each village's row the dashboard's own figures for that village and the county's row their sum, the villages below
60 % listed exactly, the overdue orders and least-read disclosures in order; who may take it; periods that are not
periods. On SQLite and PostgreSQL (the figures and the lists are SQL). The printable page: tests/dashboard/
test_report_page.py."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.audit.models import AuditEntry
from app.dashboard.figures import unit_figures
from app.dashboard.report import LOW_COVERAGE, OVERDUE, UNREAD, figure_row
from app.db import session_for
from app.disclosure.models import Disclosure
from app.org.models import OrgUnit
from app.timeutil import parse_period
from tests.conftest import error_code
from tests.dashboard.conftest import PHONES

RATES = {"覆盖率", "平均评分", "阅读率", "服务时长（小时）", "结算金额（元）"}  # derived or rounded: not summed


def _report(api, unit: int, who: str, query: str = ""):
    return api.get(f"/org-units/{unit}/report.xlsx{query}", who)


def _book(answer):
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(answer.content))


def _header(sheet) -> list[str]:
    return [c.value for c in next(sheet.iter_rows(max_row=1))]


def _rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def _close(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and abs(a - b) < 1e-9)


class TestWorkbook:
    def test_a_sheet_per_level_each_village_its_dashboard_and_the_county_their_sum(self, api, county, demo_engine):
        book = _book(_report(api, county.county, PHONES["county_admin"]))
        assert book.sheetnames == ["说明", "县", "乡镇", "村", LOW_COVERAGE, OVERDUE, UNREAD]
        (top,), towns, villages = _rows(book["县"]), _rows(book["乡镇"]), _rows(book["村"])
        assert [t[0] for t in towns] == ["清河镇", "东山镇"] and {t[1] for t in towns} == {"振风县"}
        assert {(v[0], v[1]) for v in villages} == {("示范村", "清河镇"), ("邻村", "清河镇"), ("东村", "东山镇"),
                                                   ("西村", "东山镇")}
        period = parse_period(None, None)
        with session_for(demo_engine, write=False) as s:
            for row in villages:
                unit = s.exec(select(OrgUnit).where(OrgUnit.name == row[0])).one()
                wanted = figure_row(unit_figures(s, unit=unit, period=period, tz="Asia/Shanghai"))
                assert all(_close(a, b) for a, b in zip(row[2:], wanted[2:], strict=True)), (row, wanted)
        header, top_header = _header(book["村"]), _header(book["县"])
        summed = [h for h in header[2:] if h not in RATES]
        assert len(summed) >= 15 and _header(book["乡镇"])[1:] == header[1:]
        for label in summed:
            i = header.index(label)
            assert top[top_header.index(label)] == sum(v[i] for v in villages) == sum(t[i] for t in towns), label
        assert top[0] == "振风县" and top[1] > 0 and top[3] > 0  # households, points issued: the seeded activity

    def test_the_cover_says_what_for_whom_and_who_made_it(self, api, county):
        book = _book(_report(api, county.east_town, PHONES["east_admin"], f"?from={county.month}&to={county.month}"))
        assert book.sheetnames == ["说明", "乡镇", "村", LOW_COVERAGE, OVERDUE, UNREAD]
        cover = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True) if row and row[0]}
        assert cover["单位"] == "东山镇（乡镇）" and cover["导出人"].startswith("东山镇长（")
        assert str(cover["时间段"]).startswith(f"{int(county.month[:4])}年") and cover["导出时间"] is not None
        assert [v[0] for v in _rows(book["村"])] == ["东村", "西村"]

    def test_each_report_handed_out_is_in_the_audit_log(self, api, county, demo_engine):
        _book(_report(api, county.east_town, PHONES["east_admin"], f"?from={county.month}&to={county.month}"))
        assert _report(api, county.east_town, PHONES["east_admin"], "?from=2026-13").status_code == 422
        with session_for(demo_engine, write=False) as s:
            lines = s.exec(select(AuditEntry).where(AuditEntry.action == "export.report")).all()
        assert [(line.target_id, line.village_id) for line in lines] == [(county.east_town, None)]
        detail = json.loads(lines[0].detail)
        assert detail["from"] == detail["to"] == county.month and detail["rows"] > 0

    def test_the_villages_below_sixty_percent_are_listed_exactly(self, api, county, demo_engine):
        book = _book(_report(api, county.county, PHONES["county_admin"]))
        listed = {row[0]: row for row in _rows(book[LOW_COVERAGE])}
        period = parse_period(None, None)
        with session_for(demo_engine, write=False) as s:
            low = set()
            for village in (county.demo, county.neighbour, county.east, county.west):
                f = unit_figures(s, unit=s.get(OrgUnit, village), period=period, tz="Asia/Shanghai")
                if f["households"] and f["listed"] * 100 < 60 * f["households"]:
                    low.add(f.name)
        assert set(listed) == low and "西村" in low and "东村" not in low  # 西村 0 of 2; 东村 2 of 3
        assert listed["西村"][1:] == ["东山镇", 2, 0, 0]

    def test_the_overdue_orders_say_where_what_and_how_long_without_names(self, api, county):
        book = _book(_report(api, county.county, PHONES["county_admin"]))
        late = _rows(book[OVERDUE])
        east = [row for row in late if row[0] == "东村"]
        # 东村's open order: two days old, 24 hours to dispatch it.
        assert len(east) == 1 and east[0][1] == "理发" and "未派单" in east[0][3] and abs(east[0][4] - 24) <= 0.1
        hours = [row[4] for row in late]
        assert hours == sorted(hours, reverse=True)
        every_cell = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row}
        assert not any("东一" in c for c in every_cell)  # the requester 东一户主, the household 东一

    def test_the_least_read_disclosures_come_first_and_titles_cannot_be_formulas(self, api, county, demo_engine):
        with session_for(demo_engine, write=True) as s:
            d = s.exec(select(Disclosure).where(Disclosure.title == "西村党务")).one()
            d.title = "=HYPERLINK(\"http://x\")"
            s.add(d)
            s.commit()
        book = _book(_report(api, county.east_town, PHONES["east_admin"]))
        rows = _rows(book[UNREAD])
        assert [(r[1], r[3], r[4], r[5]) for r in rows] == [("'=HYPERLINK(\"http://x\")", 1, 2, 0.5),
                                                           ("西村财务", 2, 2, 1.0)]
        assert book[UNREAD]["B2"].data_type == "s"


@pytest.mark.sqlite_only  # who may, and the period, are decided in Python before any SQL; TestWorkbook runs the SQL
class TestAccess:
    @pytest.mark.parametrize("who", ["villager", "attendant"])
    def test_a_villager_is_refused(self, api, county, who):
        r = _report(api, county.demo, who)
        assert (r.status_code, error_code(r)) == (403, "forbidden")

    def test_another_township_is_not_found_and_a_village_official_has_their_village(self, api, county):
        for unit, who in ((county.town, PHONES["east_admin"]), (county.east_town, "town_admin"),
                          (county.county, "town_admin"), (county.neighbour, "official")):
            r = _report(api, unit, who)
            assert (r.status_code, error_code(r)) == (404, "not_found")
        book = _book(_report(api, county.east, PHONES["east_official"]))
        assert book.sheetnames == ["说明", "村", LOW_COVERAGE, OVERDUE, UNREAD]
        assert _report(api, county.demo, None).status_code == 401

    @pytest.mark.parametrize("query", ["?from=2026-13", "?from=2027-02&to=2027-01", "?from=2000-01&to=2099-12",
                                       "?from=%E2%80%AE2026-01", "?to=" + "9" * 50])
    def test_a_bad_period_is_a_validation_error(self, api, county, query):
        r = _report(api, county.demo, "official", query)
        assert (r.status_code, error_code(r)) == (422, "validation_error")
