"""花名册 through the JSON API (issue #17 item 3), on both engines: the template, the import with its dry run and its
refusals (all or nothing), the export and its neutralised cells, who may."""

import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from app.audit.models import AuditEntry
from app.audit.service import in_words
from app.db import session_for
from app.ledger.models import Account
from app.org.models import Household, OrgAction, Role, RoleAssignment, User
from app.org.roster import COLUMNS, MAX_ROWS
from tests.conftest import DEMO, add_person, error_code
from tests.org.test_county_api import COUNTY_ADMIN, county_admin, unit_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(rows, headers=COLUMNS, *, formulas=False) -> bytes:
    """A roster as a person would fill it in: text typed as text ("=1+1" a name, not a formula, unless `formulas`)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(list(headers))
    for number, row in enumerate(rows, start=2):
        sheet.append(list(row))
        if not formulas:  # the cells of the row just written (sheet.max_row is a scan: quadratic over 10,000 rows)
            for column, value in enumerate(row, start=1):
                if isinstance(value, str):
                    sheet.cell(row=number, column=column).data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def send(api, village, data, who="official", *, dry_run=False, name="花名册.xlsx"):
    return api.client.post(f"/api/v1/villages/{village}/households/import",
                           params={"dry_run": "true"} if dry_run else None,
                           files={"file": (name, data, XLSX)}, headers=api.headers(who))


def households_in(engine, village) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(func.count()).select_from(Household).where(Household.village_id == village)).one()


def roster_rows(count: int, *, start: int = 0, members: int = 3) -> list[tuple]:
    """`count` households of `members` people each; the first member of each has a phone."""
    rows = []
    for i in range(start, start + count):
        head = f"户主{i:04d}"
        for m in range(members):
            phone = f"139{i:08d}" if m == 0 else ""
            rows.append((head, "", f"东街 {i} 号", head if m == 0 else f"成员{i:04d}-{m}", phone,
                         "本人" if m == 0 else "子女"))
    return rows


@pytest.fixture
def village(demo_engine) -> int:
    return unit_id(demo_engine, "示范村")


class TestTemplate:
    def test_it_downloads_with_its_columns_and_instructions(self, api):
        r = api.get("/households/import-template.xlsx", "official")
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        assert "attachment" in r.headers["content-disposition"]
        workbook = load_workbook(io.BytesIO(r.content))
        assert workbook.sheetnames == ["花名册", "说明"]
        sheet = workbook["花名册"]
        assert tuple(c.value for c in sheet[1]) == COLUMNS
        assert sheet.column_dimensions["E"].number_format == "@"  # phones stay digits
        assert sheet.column_dimensions["A"].width >= 10
        assert any("一行一位成员" in str(c.value) for c in workbook["说明"]["A"])

    def test_filled_in_it_imports(self, api, demo_engine, village):
        workbook = load_workbook(io.BytesIO(api.get("/households/import-template.xlsx", "official").content))
        sheet = workbook["花名册"]
        sheet.append(["赵大海", None, "南街 1 号", "赵大海", 13912340001, "本人"])  # a phone typed as a number
        sheet.append(["赵大海", None, "南街 1 号", "钱小花", None, "配偶"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        r = send(api, village, buffer.getvalue())
        assert r.status_code == 201, r.text
        assert r.json() == {"households": 1, "members": 2, "errors": []}
        found = api.get("/households?q=赵大海", "official").json()["items"]
        assert [h["head_name"] for h in found] == ["赵大海"]
        detail = api.get(f"/households/{found[0]['id']}", "official").json()
        assert [(m["name"], m["phone"]) for m in detail["members"]] == [("赵大海", "13912340001"), ("钱小花", None)]
        assert detail["balance"] == 0


class TestDryRun:
    def test_it_lists_every_problem_by_row_and_column_and_writes_nothing(self, api, demo_engine, village):
        rows = [
            ("", "", "北街 1 号", "无户主", "", ""),  # row 2: no head
            ("孙一", "", "北街 2 号", "孙一", "1391234", "本人"),  # row 3: phone too short
            ("孙二", "", "北街 3 号", "孙二", "13912340002", "本人"),  # row 4
            ("孙三", "", "北街 4 号", "孙三", "13912340002", "本人"),  # row 5: the same phone as row 4
            ("孙四", "", "北街 5 号", "孙四", DEMO["villager"], "本人"),  # row 6: a phone the county has
            ("孙五", "九组", "北街 6 号", "孙五", "", "本人"),  # row 7: no such 村民小组
            ("孙六", "", "北街 7 号", "孙六", "", "本人"),  # row 8
            ("孙六", "", "北街 7 号", "孙六", "", "本人"),  # row 9: the same person twice in a household
            ("孙六", "一组", "北街 7 号", "孙小六", "", "子"),  # row 10: the household's rows disagree
            ("孙七", "", "北街 8 号", "", "", "本人"),  # row 11: no member name
        ]
        api.post("/org-units", "official", json={"kind": "group", "name": "一组", "parent_id": village})
        before = households_in(demo_engine, village)
        r = send(api, village, workbook_bytes(rows), dry_run=True)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["households"], body["members"]) == (7, 10)  # what the file holds, problems and all
        found = {(e["row"], e["column"]) for e in body["errors"]}
        assert found == {(2, "户主姓名"), (3, "手机号"), (5, "手机号"), (6, "手机号"), (7, "村民小组"), (9, "成员姓名"),
                         (10, "村民小组"), (11, "成员姓名")}
        words = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
        assert words[(2, "户主姓名")] == "请填写户主姓名"
        assert "11 位" in words[(3, "手机号")]
        assert "第 4 行" in words[(5, "手机号")]
        assert "已被使用" in words[(6, "手机号")]
        assert "九组" in words[(7, "村民小组")]
        assert "第 8 行" in words[(9, "成员姓名")] and "孙六" in words[(9, "成员姓名")]
        assert "一户的各行应一致" in words[(10, "村民小组")]
        assert [e["row"] for e in body["errors"]] == sorted(e["row"] for e in body["errors"])
        assert households_in(demo_engine, village) == before

    def test_a_clean_file_says_what_it_would_write_and_writes_nothing(self, api, demo_engine, village):
        before = households_in(demo_engine, village)
        r = send(api, village, workbook_bytes(roster_rows(4)), dry_run=True)
        assert r.status_code == 200 and r.json() == {"households": 4, "members": 12, "errors": []}
        assert households_in(demo_engine, village) == before


class TestImport:
    def test_one_bad_row_writes_nothing(self, api, demo_engine, village):
        rows = roster_rows(20)
        rows[30] = (*rows[30][:4], "12345", rows[30][5])
        before = households_in(demo_engine, village)
        with session_for(demo_engine, write=False) as s:
            users, lines = s.exec(select(func.count()).select_from(User)).one(), \
                s.exec(select(func.count()).select_from(AuditEntry)).one()
        r = send(api, village, workbook_bytes(rows))
        assert r.status_code == 422
        body = r.json()
        assert body["error"]["code"] == "validation_error" and "一户也没有导入" in body["error"]["message"]
        assert body["errors"] == [{"row": 32, "column": "手机号", "message": body["errors"][0]["message"]}]
        assert households_in(demo_engine, village) == before
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(func.count()).select_from(User)).one() == users
            assert s.exec(select(func.count()).select_from(AuditEntry)).one() == lines

    def test_300_households_at_once_with_one_audit_line(self, api, demo_engine, village):
        before = households_in(demo_engine, village)
        r = send(api, village, workbook_bytes(roster_rows(300)), name="C:\\村里\\二〇二六年花名册.xlsx")
        assert r.status_code == 201, r.text
        assert r.json() == {"households": 300, "members": 900, "errors": []}
        assert households_in(demo_engine, village) == before + 300
        with session_for(demo_engine, write=False) as s:
            new = s.exec(select(Household.id).where(Household.head_name.like("户主%"))).all()
            accounts = s.exec(select(func.count()).select_from(Account).where(Account.household_id.in_(new))).one()
            assert accounts == 300  # every household has its points account
            members = s.exec(select(User).where(User.household_id.in_(new))).all()
            assert len(members) == 900 and all(m.password_hash is None for m in members)
            villagers = s.exec(select(func.count()).select_from(RoleAssignment).where(
                RoleAssignment.user_id.in_([m.id for m in members]), RoleAssignment.role == Role.villager,
                RoleAssignment.org_id == village)).one()
            assert villagers == 900
            lines = s.exec(select(AuditEntry).where(AuditEntry.action == OrgAction.roster_import.value)).all()
        assert len(lines) == 1
        assert json.loads(lines[0].detail) == {"households": 300, "members": 900, "file": "二〇二六年花名册.xlsx"}
        said = in_words(lines[0])
        assert (said.action, said.target) == ("导入花名册", "村 示范村")
        assert said.detail == "300 户 · 900 名成员 · 文件：二〇二六年花名册.xlsx"
        # no password: a member cannot sign in until an official gives them one
        login = api.client.post("/api/v1/auth/login", json={"phone": "13900000000", "password": "demo1234"})
        assert login.status_code == 401

    def test_an_imported_member_signs_in_once_an_official_gives_a_one_time_password(self, api, village):
        rows = [("冯一", "", "东街 30 号", "冯一", "13912349999", "本人")]
        assert send(api, village, workbook_bytes(rows)).status_code == 201
        login = {"phone": "13912349999", "password": "yici-mima-1"}
        assert api.client.post("/api/v1/auth/login", json=login).status_code == 401
        household = api.get("/households?q=冯一", "official").json()["items"][0]
        member = api.get(f"/households/{household['id']}", "official").json()["members"][0]
        reset = api.post(f"/households/{household['id']}/members/{member['id']}/password", "official",
                         json={"password": login["password"]})
        assert reset.status_code == 200 and reset.json()["must_change_password"] is True
        signed_in = api.client.post("/api/v1/auth/login", json=login)
        assert signed_in.status_code == 200 and signed_in.json()["user"]["must_change_password"] is True

    def test_sent_twice_it_adds_nobody_twice(self, api, demo_engine, village):
        rows = [("周一", "", "西街 1 号", "周一", "", "本人")]  # no phone: only the household tells it apart
        assert send(api, village, workbook_bytes(rows)).status_code == 201
        again = send(api, village, workbook_bytes(rows))
        assert again.status_code == 422
        assert again.json()["errors"][0]["column"] == "户主姓名" and "已登记" in again.json()["errors"][0]["message"]
        assert api.get("/households?q=周一", "official").json()["items"].__len__() == 1

    def test_phones_the_county_has_are_refused(self, api, demo_engine, village):
        r = send(api, village, workbook_bytes([("吴一", "", "", "吴一", DEMO["town_admin"], "本人")]))
        assert r.status_code == 422
        assert r.json()["errors"] == [{"row": 2, "column": "手机号",
                                       "message": f"手机号 {DEMO['town_admin']} 已被使用：县里已有用这个手机号的账号"}]

    def test_a_household_lands_in_its_group(self, api, demo_engine, village):
        group = api.post("/org-units", "official", json={"kind": "group", "name": "二组", "parent_id": village})
        assert group.status_code == 201
        rows = [("郑一", "二组", "南街 9 号", "郑一", "", "本人"), ("郑一", "二组", "南街 9 号", "郑二", "", "子")]
        assert send(api, village, workbook_bytes(rows)).status_code == 201
        with session_for(demo_engine, write=False) as s:
            household = s.exec(select(Household).where(Household.head_name == "郑一")).one()
            assert household.group_id == group.json()["id"]
            assert [u.relation for u in s.exec(select(User).where(User.household_id == household.id)
                                                .order_by(User.id))] == ["本人", "子"]


class TestWhoMay:
    def test_another_village_is_not_found(self, api, demo_engine):
        r = send(api, unit_id(demo_engine, "邻村"), workbook_bytes(roster_rows(1)))
        assert r.status_code == 404 and error_code(r) == "not_found"
        assert api.get(f"/villages/{unit_id(demo_engine, '邻村')}/households.xlsx", "official").status_code == 404

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "attendant", "committee", "volunteer"])
    def test_others_of_the_village_are_refused(self, api, village, who):
        r = send(api, village, workbook_bytes(roster_rows(1)), who)
        assert r.status_code == 403 and error_code(r) == "forbidden"
        assert api.get(f"/villages/{village}/households.xlsx", who).status_code == 403

    def test_the_town_and_county_admins_import_too(self, api, demo_engine, village):
        county_admin(demo_engine)
        assert send(api, village, workbook_bytes(roster_rows(1)), "town_admin").status_code == 201
        assert send(api, village, workbook_bytes(roster_rows(1, start=1)), COUNTY_ADMIN).status_code == 201
        neighbour = unit_id(demo_engine, "邻村")
        r = send(api, neighbour, workbook_bytes(roster_rows(1, start=2)), COUNTY_ADMIN)
        assert r.status_code == 201 and households_in(demo_engine, neighbour) >= 1

    def test_an_outsider_official_cannot_export(self, api, demo_engine, village):
        add_person(demo_engine, phone="13800000099", name="邻村干部", role=Role.official, unit="邻村")
        assert api.get(f"/villages/{village}/households.xlsx", "13800000099").status_code == 404


class TestExport:
    def test_it_reads_back_as_imported_with_balances_and_inert_text(self, api, demo_engine, village):
        rows = [("=1+1", "", "+86", "=1+1", "", "@SUM(A1)"), ("=1+1", "", "+86", "-2", "", "\t=cmd")]
        assert send(api, village, workbook_bytes(rows)).status_code == 201
        r = api.get(f"/villages/{village}/households.xlsx", "official")
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        sheet = load_workbook(io.BytesIO(r.content))["花名册"]
        assert tuple(c.value for c in sheet[1]) == (*COLUMNS, "积分余额")
        lines = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
        evil = [line for line in lines if line[0] == "'=1+1"]
        assert [line[2:6] for line in evil] == [("'+86", "'=1+1", None, "'@SUM(A1)"),
                                                ("'+86", "'-2", None, "'=cmd")]  # the tab was dropped on the way in
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        wang = next(line for line in lines if line[3] == "王建国")
        assert isinstance(wang[6], int) and wang[6] >= 500  # the household's balance, a number
        assert DEMO["villager"] in {line[4] for line in lines if line[0] == "王建国"}


class TestBadFiles:
    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("data", "words"), [
        (b"", "文件是空的"),
        ("户主姓名,住址\n王五,东街".encode(), "不是 Excel"),  # a .txt renamed .xlsx
        (b"PK\x03\x04" + b"\0" * 200, "不是 Excel"),  # a broken zip
    ])
    def test_what_is_not_a_workbook_is_refused(self, api, village, data, words):
        r = send(api, village, data)
        assert r.status_code == 422 and error_code(r) == "validation_error" and words in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_wrong_headers_are_named(self, api, village):
        r = send(api, village, workbook_bytes([("王五", "", "", "王五", "", "")], headers=("姓名", "电话")))
        assert r.status_code == 422 and "表头不对" in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_a_huge_file_is_refused(self, api, village):
        r = send(api, village, b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024))
        assert r.status_code == 413 and error_code(r) == "too_large" and "5 MB" in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # the file is refused before any query
    def test_too_many_rows_say_the_limit(self, api, village):
        r = send(api, village, workbook_bytes([("王五", "", "", f"人{i}", "", "") for i in range(MAX_ROWS + 1)]))
        assert r.status_code == 422 and f"最多 {MAX_ROWS} 行" in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    def test_a_workbook_with_formulas_is_refused(self, api, village):
        r = send(api, village, workbook_bytes([("=A1", "", "", "王五", "", "")], formulas=True))
        assert r.status_code == 422 and "公式" in r.json()["error"]["message"]
