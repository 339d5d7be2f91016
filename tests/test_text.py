"""Text typed by people: invisible-only text is refused, bidi controls never stored (app/text.py)."""

import pytest

from app.errors import ValidationFailed
from app.text import clean_reason, clean_text, has_visible


class TestCleanText:
    @pytest.mark.parametrize("value", ["", "  ", "\u200b", "\x00", "\u200b\u200c\u200d\ufeff", "\u202e", "\t\n",
                                       "\u3000", "\u0301"])
    def test_refuses_text_with_nothing_visible(self, value):
        with pytest.raises(ValidationFailed, match="请填写原因"):
            clean_reason(value)
        assert not has_visible(value)

    def test_drops_bidi_controls_and_control_characters(self):
        assert clean_text("\u202e鸡蛋\u202c 30枚\x00", label="商品名称", max_length=60) == "鸡蛋 30枚"
        assert clean_text("a\u2066b\u2069c\u200fd", label="名称", max_length=60) == "abcd"

    @pytest.mark.parametrize("multiline", [False, True])
    def test_drops_zero_width_characters_in_one_line_or_many(self, multiline):
        hidden = "王\u200b建\u200c国\u200d\u2060\ufeff\n第二\u180e行"
        cleaned = clean_text(hidden, label="说明", max_length=60, multiline=multiline)
        assert cleaned == ("王建国\n第二行" if multiline else "王建国第二行")

    def test_keeps_ordinary_text_and_inner_spaces(self):
        assert clean_reason("  照顾瘫痪老母亲 多年  ") == "照顾瘫痪老母亲 多年"
        assert clean_text("第一行\n第二行", label="说明", max_length=60, multiline=True) == "第一行\n第二行"
        assert clean_text("第一行\n第二行", label="说明", max_length=60) == "第一行第二行"

    def test_caps_the_length_after_cleaning(self):
        assert clean_reason("好" * 200) == "好" * 200
        with pytest.raises(ValidationFailed, match="不能超过 200 个字"):
            clean_reason("好" * 201)

    def test_optional_text_may_be_left_empty(self):
        assert clean_text("\u200b", label="住址", max_length=200, required=False) == ""


# --- through the API: what issue #7 reported, and NUL anywhere a request can carry it ------------------------------

INVISIBLE = ["\u200b", "\x00", "\u202e\u200b", "\u3000"]
BIDI_NAME = "\u202e劵兑\u202c肥皂"


class TestThroughTheApi:
    """On both engines: PostgreSQL cannot store NUL at all, so a NUL that reached it was a 500."""

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("reason", INVISIBLE)
    def test_an_award_needs_a_visible_reason(self, api, reason):
        r = api.post("/points/awards", "official", json={"household_id": 1, "points": 5, "reason": reason})
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
        assert api.get("/households/1", "official").json()["balance"] == 600

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("reason", INVISIBLE)
    def test_every_other_reason_needs_a_visible_character(self, api, reason):
        member = api.get("/households/1", "official").json()["members"][0]["id"]
        award = api.post("/points/awards", "official", json={"household_id": 1, "points": 5, "reason": "好"}).json()
        goods = api.get("/shops/1/goods", "official").json()["items"][0]["id"]
        refused = [
            api.post(f"/households/1/members/{member}/deactivate", "official", json={"reason": reason}),
            api.post(f"/points/awards/{award['id']}/reversal", "official", json={"reason": reason}),
            api.post(f"/shops/1/goods/{goods}/stock", "attendant",
                     json={"kind": "damage", "quantity": 1, "reason": reason}),
        ]
        assert [r.status_code for r in refused] == [422, 422, 422], [r.text for r in refused]
        assert api.get("/households/1", "official").json()["balance"] == 605  # the award stands

    def test_bidi_controls_are_dropped_from_goods_names(self, api):
        r = api.post("/shops/1/goods", "attendant", json={"name": BIDI_NAME, "points_price": 5, "stock": 1})
        assert r.status_code == 201 and r.json()["name"] == "劵兑肥皂"
        renamed = api.patch(f"/shops/1/goods/{r.json()['id']}", "attendant", json={"name": "\u2067香皂\u2069"})
        assert renamed.json()["name"] == "香皂"

    def test_bidi_controls_are_dropped_from_household_and_member_names(self, api):
        r = api.post("/households", "official", json={"head_name": "\u202e王五", "address": "\u202d一组\u202c",
                                                      "members": [{"name": "\u2066王小五\u2069"}]})
        assert r.status_code == 201
        body = r.json()
        assert (body["head_name"], body["address"], body["members"][0]["name"]) == ("王五", "一组", "王小五")

    @pytest.mark.parametrize("path", ["/households?q=%00", "/shops/1/goods?q=a%00b"])
    def test_a_search_holding_nul_is_refused(self, api, path):
        r = api.get(path, "official")
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"

    def test_a_redemption_key_holding_nul_is_refused(self, api):
        r = api.get("/shops/1/redemptions/by-key/a%00b", "attendant")
        assert r.status_code == 422

    def test_a_phone_holding_nul_signs_nobody_in(self, api):
        r = api.post("/auth/login", json={"phone": "13800000001\x00", "password": "demo1234"})
        assert r.status_code in (401, 422) and "access_token" not in r.json()
