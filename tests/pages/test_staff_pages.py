"""人员管理 pages (issue #17 items 1–3): units, children, appointing with a one-time password shown once on a printable
slip, removing; refusals in Chinese on the page; the official's household passwords are one-time too."""

import re

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.org.models import OrgAction, OrgKind, OrgUnit, Role, RoleAssignment, User
from app.shop.models import Shop, ShopStaff
from tests.conftest import DEMO, add_person
from tests.pages.conftest import csrf_token, sign_in

COUNTY_ADMIN = "13800000060"
OTP = re.compile(r'data-testid="one-time-password">([^<]+)<')


def unit_id(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def other_county(engine) -> int:
    """A second county with a township (nobody here covers it): its township's id."""
    with session_for(engine, write=True) as s:
        county = OrgUnit(kind=OrgKind.county, name="别县", parent_id=None)
        s.add(county)
        s.flush()
        town = OrgUnit(kind=OrgKind.township, name="别镇", parent_id=county.id)
        s.add(town)
        s.commit()
        return town.id


def roles_of(engine, phone: str) -> set[tuple[str, str]]:
    with session_for(engine, write=False) as s:
        rows = s.exec(select(RoleAssignment.role, OrgUnit.name).join(OrgUnit, OrgUnit.id == RoleAssignment.org_id)
                      .join(User, User.id == RoleAssignment.user_id).where(User.phone == phone))
        return {(role, name) for role, name in rows}


def last_action(engine) -> str:
    with session_for(engine, write=False) as s:
        return s.exec(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first()


@pytest.fixture
def county(web_engine) -> str:
    return add_person(web_engine, phone=COUNTY_ADMIN, name="县管理员", role=Role.county_admin, unit="振风县")


class TestMyUnit:
    @pytest.mark.parametrize(("who", "unit"), [("town_admin", "清河镇"), ("official", "示范村")])
    def test_org_opens_the_actors_own_unit(self, web, web_engine, who, unit):
        sign_in(web, who)
        r = web.get("/org")
        assert r.status_code == 303 and r.headers["location"] == f"/org/units/{unit_id(web_engine, unit)}"

    def test_the_county_admin_lands_on_the_county_and_me_links_there(self, web, web_engine, county):
        sign_in(web, county)
        assert web.get("/org").headers["location"] == f"/org/units/{unit_id(web_engine, '振风县')}"
        assert 'href="/org"' in web.get("/me").text and 'href="/org"' in web.get("/").text

    def test_a_villager_has_no_such_page(self, web, web_engine):
        sign_in(web, "villager")
        assert web.get("/org").status_code == 403
        assert 'href="/org"' not in web.get("/me").text
        assert web.get(f"/org/units/{unit_id(web_engine, '示范村')}").status_code == 403


class TestUnitPage:
    def test_the_village_page_shows_staff_by_role_and_what_the_official_may_appoint(self, web, web_engine):
        sign_in(web, "official")
        page = web.get(f"/org/units/{unit_id(web_engine, '示范村')}").text
        assert "示范村" in page and "评比委员" in page and "志愿者" in page and "超市管理员" in page
        assert 'value="committee"' in page and 'value="official"' not in page  # the town admin appoints officials
        assert "振风超市" in page  # the shop an attendant is appointed to
        assert 'name="kind" value="group"' in page  # 村民小组 of its village

    def test_another_village_or_county_is_not_found(self, web, web_engine):
        town = other_county(web_engine)
        sign_in(web, "official")
        assert web.get(f"/org/units/{unit_id(web_engine, '邻村')}").status_code == 404
        sign_in(web, "town_admin")
        assert web.get(f"/org/units/{town}").status_code == 404
        assert web.get("/org/units/99999999999999999999999").status_code in (404, 422)


class TestChildren:
    def test_the_county_admin_adds_a_township_then_a_village_in_it(self, web, web_engine, county):
        csrf = sign_in(web, county)
        county_id = unit_id(web_engine, "振风县")
        r = web.post(f"/org/units/{county_id}/children", data={"kind": "township", "name": " 柳林镇 ",
                                                               "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=child")
        town = unit_id(web_engine, "柳林镇")
        assert "柳林镇" in web.get(r.headers["location"]).text
        r = web.post(f"/org/units/{town}/children", data={"kind": "village", "name": "柳林村", "csrf_token": csrf})
        assert r.status_code == 303 and unit_id(web_engine, "柳林村")
        assert last_action(web_engine) == OrgAction.unit_create.value

    def test_a_double_tap_makes_one_township(self, web, web_engine, county):
        csrf = sign_in(web, county)
        county_id = unit_id(web_engine, "振风县")
        key = re.search(r'name="form_key" value="([^"]+)"', web.get(f"/org/units/{county_id}").text).group(1)
        data = {"kind": "township", "name": "双击镇", "form_key": key, "csrf_token": csrf}
        first, second = (web.post(f"/org/units/{county_id}/children", data=data) for _ in range(2))
        assert first.status_code == second.status_code == 303
        with session_for(web_engine, write=False) as s:
            assert len(s.exec(select(OrgUnit).where(OrgUnit.name == "双击镇")).all()) == 1

    def test_a_village_under_the_county_is_refused_in_chinese_on_the_page(self, web, web_engine, county):
        csrf = sign_in(web, county)
        r = web.post(f"/org/units/{unit_id(web_engine, '振风县')}/children",
                     data={"kind": "village", "name": "错村", "csrf_token": csrf})
        assert r.status_code == 422 and "村要建在乡镇下" in r.text and 'value="错村"' in r.text

    def test_the_official_adds_a_group_and_renames_the_village_but_not_the_township(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        r = web.post(f"/org/units/{village}/children", data={"kind": "group", "name": "三组", "csrf_token": csrf})
        assert r.status_code == 303 and unit_id(web_engine, "三组")
        r = web.post(f"/org/units/{village}/children", data={"kind": "village", "name": "x", "csrf_token": csrf})
        assert r.status_code == 403 and "您不能新建村" in r.text
        r = web.post(f"/org/units/{unit_id(web_engine, '三组')}/rename", data={"name": "第三组", "csrf_token": csrf})
        assert r.status_code == 303 and unit_id(web_engine, "第三组")

    def test_a_blank_name_is_refused_beside_the_form(self, web, web_engine):
        csrf = sign_in(web, "town_admin")
        r = web.post(f"/org/units/{unit_id(web_engine, '示范村')}/rename", data={"name": "\u200b ", "csrf_token": csrf})
        assert r.status_code == 422 and "名称" in r.text and unit_id(web_engine, "示范村")


class TestAppoint:
    def test_a_new_phone_gets_a_slip_once_and_must_change_it(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        r = web.post(f"/org/units/{village}/staff", data={"phone": "13911112222", "name": "赵委员",
                                                          "role": "committee", "csrf_token": csrf})
        assert r.status_code == 200 and "账号开通单" in r.text and "首次登录须修改密码" in r.text
        assert "赵委员" in r.text and "13911112222" in r.text and "评比委员" in r.text and "示范村" in r.text
        assert "http://testserver/login" in r.text and "@media print" not in r.text  # the print sheet is linked
        password = OTP.search(r.text).group(1)
        assert r.headers["HX-Push-Url"] == f"/org/units/{village}?done=slip"
        assert r.headers["Cache-Control"] == "no-store"
        again = web.get(r.headers["HX-Push-Url"])  # the reload
        assert again.status_code == 200 and password not in again.text and "只显示那一次" in again.text
        repeat = web.post(f"/org/units/{village}/staff", data={"phone": "13911112222", "name": "赵委员",
                                                               "role": "committee", "csrf_token": csrf})
        assert repeat.status_code == 409 and password not in repeat.text and "已经是示范村的评比委员" in repeat.text
        with session_for(web_engine, write=False) as s:
            user = s.exec(select(User).where(User.phone == "13911112222")).one()
            assert user.must_change_password and password not in (user.password_hash or "")
        assert ("committee", "示范村") in roles_of(web_engine, "13911112222")
        assert last_action(web_engine) == OrgAction.staff_appoint.value
        web.post("/logout", data={"csrf_token": csrf})
        login = web.post("/login", data={"phone": "13911112222", "password": password})
        assert login.headers["location"] == "/password"
        assert web.get("/org").headers["location"] == "/password"

    def test_names_are_shown_as_text_and_invisible_characters_dropped(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        r = web.post(f"/org/units/{village}/staff", data={"phone": "139-1111-9999", "name": "<b>\u200b钱</b>",
                                                          "role": "volunteer", "csrf_token": csrf})
        assert r.status_code == 200 and "&lt;b&gt;钱&lt;/b&gt;" in r.text and "<b>钱" not in r.text
        assert "13911119999" in r.text and "\u200b" not in r.text
        assert "&lt;b&gt;钱&lt;/b&gt;" in web.get(f"/org/units/{village}").text

    def test_an_existing_villager_becomes_a_volunteer_without_a_slip(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        add_person(web_engine, phone="13911113333", name="钱村民", role=Role.villager, unit="示范村")
        r = web.post(f"/org/units/{village}/staff", data={"phone": "13911113333", "name": "随便",
                                                          "role": "volunteer", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=appoint")
        assert roles_of(web_engine, "13911113333") == {("villager", "示范村"), ("volunteer", "示范村")}

    def test_an_attendant_is_appointed_to_the_villages_shop(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        with session_for(web_engine, write=False) as s:
            shop = s.exec(select(Shop.id).where(Shop.village_id == village)).first()
        r = web.post(f"/org/units/{village}/staff", data={"phone": "13911114444", "name": "孙店员",
                                                          "role": "attendant", "shop_id": str(shop),
                                                          "csrf_token": csrf})
        assert r.status_code == 200 and "超市管理员" in r.text
        with session_for(web_engine, write=False) as s:
            user = s.exec(select(User.id).where(User.phone == "13911114444")).one()
            assert s.exec(select(ShopStaff).where(ShopStaff.user_id == user, ShopStaff.shop_id == shop)).first()

    @pytest.mark.parametrize(("who", "data", "status", "words"), [
        ("official", {"phone": "1391111", "name": "甲", "role": "committee"}, 422, "手机号格式不正确"),
        ("official", {"phone": DEMO["official"], "name": "我", "role": "volunteer"}, 403, "不能任免自己"),
        ("official", {"phone": "13911115555", "name": "乙", "role": "official"}, 403, "您不能任免示范村的村干部"),
        ("official", {"phone": "13911115555", "name": "乙", "role": "attendant"}, 422, "请选择超市"),
        ("official", {"phone": "13911115555", "name": "乙", "role": "attendant", "shop_id": "99999999999999999999"},
         404, "找不到该超市"),
        ("official", {"phone": "13911115555", "name": "乙", "role": "boss"}, 422, "请选择职务"),
        ("official", {"phone": "13911115555", "name": "乙", "role": "town_admin"}, 422, "村不设乡镇管理员"),
    ])
    def test_refusals_are_in_chinese_beside_the_form(self, web, web_engine, who, data, status, words):
        csrf = sign_in(web, who)
        r = web.post(f"/org/units/{unit_id(web_engine, '示范村')}/staff", data={**data, "csrf_token": csrf})
        assert r.status_code == status and words in r.text, r.text[-2000:]
        assert 'id="org-appoint-error"' in r.text and r.headers["HX-Push-Url"] == "false"
        assert "one-time-password" not in r.text
        with session_for(web_engine, write=False) as s:
            assert s.exec(select(User).where(User.phone == "13911115555")).first() is None

    def test_another_countys_township_is_not_found(self, web, web_engine, county):
        town = other_county(web_engine)
        csrf = sign_in(web, county)
        r = web.post(f"/org/units/{town}/staff", data={"phone": "13911116666", "name": "丙", "role": "town_admin",
                                                       "csrf_token": csrf})
        assert r.status_code == 404 and "找不到该组织" in r.text
        r = web.post(f"/org/units/{town}/children", data={"kind": "village", "name": "越界村", "csrf_token": csrf})
        assert r.status_code == 404
        r = web.post(f"/org/units/{town}/rename", data={"name": "改名", "csrf_token": csrf})
        assert r.status_code == 404

    def test_another_villages_unit_is_not_found(self, web, web_engine):
        csrf = sign_in(web, "official")
        r = web.post(f"/org/units/{unit_id(web_engine, '邻村')}/staff",
                     data={"phone": "13911116666", "name": "丙", "role": "volunteer", "csrf_token": csrf})
        assert r.status_code == 404

    def test_the_town_admin_appoints_an_official_of_its_village(self, web, web_engine):
        csrf = sign_in(web, "town_admin")
        r = web.post(f"/org/units/{unit_id(web_engine, '邻村')}/staff",
                     data={"phone": "13911117777", "name": "邻村书记", "role": "official", "csrf_token": csrf})
        assert r.status_code == 200 and OTP.search(r.text)


class TestRemove:
    def test_the_official_removes_the_committee_member_after_confirming(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        page = web.get(f"/org/units/{village}").text
        assert "确认免去" in page
        with session_for(web_engine, write=False) as s:
            member = s.exec(select(User.id).where(User.phone == DEMO["committee"])).one()
        r = web.post(f"/org/units/{village}/staff/{member}/remove", data={"role": "committee", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=remove")
        assert ("committee", "示范村") not in roles_of(web_engine, DEMO["committee"])
        assert last_action(web_engine) == OrgAction.staff_remove.value

    def test_nobody_removes_themselves(self, web, web_engine, county):
        csrf = sign_in(web, county)
        with session_for(web_engine, write=False) as s:
            me = s.exec(select(User.id).where(User.phone == COUNTY_ADMIN)).one()
        r = web.post(f"/org/units/{unit_id(web_engine, '振风县')}/staff/{me}/remove",
                     data={"role": "county_admin", "csrf_token": csrf})
        assert r.status_code == 422 and "县不设县管理员" in r.text
        add_person(web_engine, phone="13911118888", name="兼任", role=Role.town_admin, unit="清河镇")
        with session_for(web_engine, write=True) as s:  # the county admin also holds the township's post
            s.add(RoleAssignment(user_id=me, role=Role.town_admin, org_id=unit_id(web_engine, "清河镇")))
            s.commit()
        r = web.post(f"/org/units/{unit_id(web_engine, '清河镇')}/staff/{me}/remove",
                     data={"role": "town_admin", "csrf_token": csrf})
        assert r.status_code == 403 and "不能任免自己" in r.text
        assert ("town_admin", "清河镇") in roles_of(web_engine, COUNTY_ADMIN)
        page = web.get(f"/org/units/{unit_id(web_engine, '清河镇')}").text
        assert page.count("确认免去") == 2  # the demo town admin and 兼任, not the county admin themselves


class TestHouseholdPasswords:
    def test_a_password_the_official_sets_is_one_time_and_printed_on_a_slip(self, web, web_engine):
        csrf = sign_in(web, "official")
        r = web.post("/admin/households", data={"head_name": "周大海", "address": "一组 9 号",
                                                "member_name": ["周大海", "周小海"],
                                                "member_phone": ["13922220001", ""],
                                                "member_password": ["zhou-first-1", ""], "csrf_token": csrf})
        assert r.status_code == 200 and "账号开通单" in r.text and "zhou-first-1" in r.text
        assert "周小海" not in r.text  # no phone, no account, no slip
        assert r.headers["HX-Push-Url"].endswith("?done=create")
        assert "zhou-first-1" not in web.get(r.headers["HX-Push-Url"]).text
        web.post("/logout", data={"csrf_token": csrf})
        login = web.post("/login", data={"phone": "13922220001", "password": "zhou-first-1"})
        assert login.status_code == 303 and login.headers["location"] == "/password"
        assert web.get("/service").headers["location"] == "/password"
        page = web.get("/password").text
        assert "一次性密码" in page
        r = web.post("/password", data={"password": "zhou-own-pass-9", "password_again": "zhou-own-pass-9",
                                        "csrf_token": csrf_token(page)})
        assert r.status_code == 303 and web.get("/service").status_code == 200

    def test_a_member_added_with_a_password_gets_a_slip_too(self, web, web_engine):
        from tests.pages.conftest import household_id

        csrf = sign_in(web, "official")
        r = web.post(f"/admin/households/{household_id(web_engine, '王建国')}/members",
                     data={"name": "王小二", "phone": "13922220002", "password": "wang-first-2", "csrf_token": csrf})
        assert r.status_code == 200 and "wang-first-2" in r.text and "账号开通单" in r.text
        with session_for(web_engine, write=False) as s:
            assert s.exec(select(User.must_change_password).where(User.phone == "13922220002")).one()
