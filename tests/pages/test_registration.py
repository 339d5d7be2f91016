"""登记农户 (issue #7): a refusal names the member it is about and stands beside that member's field, on the form
again with what was typed — not a toast far away or an error page."""

import re

from tests.pages.conftest import household_count, household_id, sign_in

HTMX = {"HX-Request": "true", "HX-Boosted": "true"}


def register(web, token: str, rows: list[tuple[str, str, str]], head: str = "孙立新", headers=None, **extra):
    data = {"head_name": head, "address": "示范村四组 6 号", "csrf_token": token,
            "member_name": [r[0] for r in rows], "member_phone": [r[1] for r in rows],
            "member_password": [r[2] for r in rows], **extra}
    return web.post("/admin/households", data=data, headers=headers or {})


def error_beside(html: str, input_id: str) -> str:
    """The message shown under the input, which points at it."""
    field = re.search(rf'<input id="{input_id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f'aria-describedby="{input_id}-error"' in field, field
    return re.search(rf'<p class="field-error" id="{input_id}-error">([^<]*)</p>', html).group(1)


def value_of(html: str, input_id: str) -> str:
    field = re.search(rf'<input id="{input_id}"[^>]*>', html).group(0)
    value = re.search(r'\bvalue="([^"]*)"', field)
    return value.group(1) if value else ""


class TestTooShortPassword:
    def test_names_the_member_beside_their_field_and_keeps_what_was_typed(self, web, web_engine):
        token = sign_in(web, "official")
        before = household_count(web_engine)
        rows = [("孙立新", "13912345678", "sunlixin2024"), ("孙小梅", "13912345679", "short")]
        r = register(web, token, rows)
        assert r.status_code == 422 and "<form" in r.text and "出错了" not in r.text
        assert error_beside(r.text, "m1-password") == "成员 2 孙小梅 的密码至少 8 位"
        assert 'id="m1-password"' in r.text and "autofocus" in re.search(r'<input id="m1-password"[^>]*>', r.text)[0]
        assert value_of(r.text, "hh-head") == "孙立新" and value_of(r.text, "hh-address") == "示范村四组 6 号"
        assert value_of(r.text, "m0-name") == "孙立新" and value_of(r.text, "m1-phone") == "13912345679"
        assert "sunlixin2024" not in r.text and value_of(r.text, "m0-password") == ""  # passwords are not sent back
        assert r.text.count('class="field-error"') == 1 and household_count(web_engine) == before

    def test_the_number_is_the_one_on_the_form_when_a_row_is_left_empty(self, web):
        token = sign_in(web, "official")
        r = register(web, token, [("", "", ""), ("", "", ""), ("孙小梅", "13912345679", "1234")])
        assert r.status_code == 422
        assert error_beside(r.text, "m2-password") == "成员 3 孙小梅 的密码至少 8 位"

    def test_a_boosted_form_gets_the_form_back_not_a_toast(self, web, web_engine):
        token = sign_in(web, "official")
        r = register(web, token, [("孙小梅", "13912345679", "short")], headers={**HTMX, "X-CSRF-Token": token})
        assert r.status_code == 422 and "<html" in r.text and "hx-retarget" not in r.headers
        assert r.headers["hx-push-url"] == "false"  # the address bar keeps /admin/households/new
        assert error_beside(r.text, "m0-password") == "成员 1 孙小梅 的密码至少 8 位"
        assert household_id(web_engine, "孙立新") is None

    def test_sent_again_right_it_registers(self, web, web_engine):
        token = sign_in(web, "official")
        form = register(web, token, [("孙小梅", "13912345679", "short")]).text
        key = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
        r = register(web, token, [("孙小梅", "13912345679", "sunxiaomei1")], form_key=key)
        assert r.status_code == 200 and household_id(web_engine, "孙立新") is not None
        assert "账号开通单" in r.text and "sunxiaomei1" in r.text


class TestOtherRefusalsStandBesideTheirField:
    def test_a_phone_without_a_name(self, web):
        r = register(web, sign_in(web, "official"), [("孙立新", "", ""), ("", "13912345679", "sunxiaomei1")])
        assert r.status_code == 422 and error_beside(r.text, "m1-name") == "请填写成员 2 的姓名"

    def test_a_bad_phone(self, web):
        r = register(web, sign_in(web, "official"), [("孙小梅", "1391234", "sunxiaomei1")])
        assert error_beside(r.text, "m0-phone").startswith("成员 1 孙小梅 的手机号格式不正确")

    def test_a_phone_already_taken(self, web):
        r = register(web, sign_in(web, "official"), [("孙小梅", "13800000004", "sunxiaomei1")])
        assert error_beside(r.text, "m0-phone") == "成员 1 孙小梅 的手机号已被使用"

    def test_the_same_phone_twice(self, web):
        rows = [("孙立新", "13912345678", "sunlixin2024"), ("孙小梅", "13912345678", "sunxiaomei1")]
        r = register(web, sign_in(web, "official"), rows)
        assert error_beside(r.text, "m1-phone") == "成员 2 孙小梅 的手机号与成员 1 孙立新相同，每人的手机号不能重复"

    def test_no_head_of_household(self, web):
        r = register(web, sign_in(web, "official"), [("孙小梅", "", "")], head="  ")
        assert error_beside(r.text, "hh-head") == "请填写户主姓名"
        assert value_of(r.text, "m0-name") == "孙小梅"


class TestAnAdminRegisters:
    """Issue #17: the town admin (over 示范村 and 邻村) registers a household, choosing its village on the form."""

    def test_the_form_asks_which_village_and_says_so_when_none_is_chosen(self, web, web_engine):
        token = sign_in(web, "town_admin")
        form = web.get("/admin/households/new").text
        options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form)
        assert {name for _, name in options} == {"示范村", "邻村"}
        before = household_count(web_engine)
        r = register(web, token, [("孙立新", "", "")])
        assert r.status_code == 422 and "请选择村" in r.text and household_count(web_engine) == before

        neighbour = next(vid for vid, name in options if name == "邻村")
        r = register(web, token, [("孙立新", "", "")], village_id=neighbour)
        assert r.status_code == 303 and re.search(r"/admin/households/\d+\?done=create$", r.headers["location"])
        assert household_count(web_engine) == before + 1
        page = web.get(r.headers["location"].split("?")[0]).text
        assert "孙立新家" in page

    def test_an_official_sees_no_village_to_choose(self, web):
        sign_in(web, "official")
        assert 'id="hh-village"' not in web.get("/admin/households/new").text
