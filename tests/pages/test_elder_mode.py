"""长辈模式 and 朗读 as a browser without JavaScript sees them (issue #21 items 1 and 2): the switch on 我的 is a real
form, the pages carry class="elder" and elder.css only for the user who chose it, 首页 has its four tiles, and the
朗读 buttons carry the words to read with their numbers in words."""

import re

import pytest

from tests.pages.conftest import csrf_token, sign_in

pytestmark = pytest.mark.sqlite_only

ELDER_HTML = '<html lang="zh-CN" class="elder">'


def switch(web, on: str):
    csrf = csrf_token(web.get("/me").text)
    return web.post("/me/elder-mode", data={"on": on, "csrf_token": csrf})


def say_of(html: str, testid: str) -> str:
    match = re.search(rf'data-say="([^"]*)" data-testid="{testid}"', html)
    assert match, f"no 朗读 button {testid}"
    return match.group(1)


class TestSwitch:
    def test_off_by_default_and_the_usual_pages_unchanged(self, web):
        sign_in(web, "villager")
        home = web.get("/").text
        assert ELDER_HTML not in home and "/static/elder." not in home and "elder-tiles" not in home
        assert "出示积分码" in home and "最近明细" in home
        assert "打开长辈模式" in web.get("/me").text

    def test_turn_on_from_me_then_off(self, web):
        sign_in(web, "villager")
        r = switch(web, "1")
        assert r.status_code == 303 and r.headers["location"] == "/me"
        me = web.get("/me").text
        assert ELDER_HTML in me and "/static/elder." in me and "关闭长辈模式" in me
        home = web.get("/").text
        tiles = re.findall(r'<a class="elder-tile[^"]*" href="([^"]+)">([^<]+)', home)
        assert tiles == [("/pay", "出示积分码"), ("/points", "我的积分"), ("/disclosures", "村里公告"),
                         ("/service/order/new", "找人帮忙")]
        assert "最近明细" not in home and "hx-get=\"/messages/home-card\"" not in home  # four tiles, nothing else
        assert ELDER_HTML in web.get("/points").text  # every page, the same routes
        switch(web, "0")
        assert ELDER_HTML not in web.get("/").text and "打开长辈模式" in web.get("/me").text

    def test_an_htmx_switch_loads_the_whole_page(self, web):
        sign_in(web, "villager")
        csrf = csrf_token(web.get("/me").text)
        r = web.post("/me/elder-mode", data={"on": "1"}, headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert r.status_code == 204 and r.headers["HX-Redirect"] == "/me"

    def test_remembered_for_the_user_on_another_phone_not_for_others(self, web, routed_app, web_engine):
        from app.main import bind_app
        from tests.conftest import TestClient, make_settings

        sign_in(web, "villager")
        switch(web, "1")
        application = bind_app(routed_app, make_settings(web_engine), web_engine, strict_templates=True)
        with TestClient(application, follow_redirects=False) as other_phone:
            sign_in(other_phone, "villager")
            assert ELDER_HTML in other_phone.get("/").text
            other_phone.post("/logout", data={"csrf_token": csrf_token(other_phone.get("/me").text)})
            sign_in(other_phone, "official")
            assert ELDER_HTML not in other_phone.get("/").text

    @pytest.mark.parametrize("on", ["", "2", "true", "1\u200b"])
    def test_a_bad_value_is_refused_plainly(self, web, on):
        sign_in(web, "villager")
        r = switch(web, on)
        assert r.status_code == 422 and "请选择打开或关闭长辈模式" in r.text

    def test_staff_may_use_it_too(self, web):
        sign_in(web, "official")
        switch(web, "1")
        home = web.get("/").text
        assert ELDER_HTML in home and home.count('class="elder-tile') <= 4
        assert "农户管理" in web.get("/me").text  # their work is under 我的


class TestReadAloudWords:
    def test_points_reads_balance_and_last_lines_in_words(self, web):
        sign_in(web, "villager")
        words = say_of(web.get("/points").text, "points-read-aloud")
        assert words.startswith("王建国家，积分余额六百积分。最近的明细：")
        assert not re.search(r"\d", words), words  # every number in words
        assert "二〇二" in words  # dates as said

    def test_a_disclosure_reads_its_title_date_and_body(self, web):
        sign_in(web, "villager")
        listing = web.get("/disclosures").text
        first = re.search(r'href="/disclosures/(\d+)"', listing).group(1)
        page = web.get(f"/disclosures/{first}").text
        words = say_of(page, "disclosure-read-aloud")
        title = re.search(r'<h2 class="dtitle">([^<]+)</h2>', page).group(1)
        assert "公开：" in words and "发布。" in words and not re.search(r"\d", words)
        assert re.sub(r"\d", "", title)[:2] in words

    def test_the_button_is_hidden_until_a_voice_is_found(self, web):
        sign_in(web, "villager")
        assert 'class="btn block read-aloud"' in web.get("/points").text
        from app.config import STATIC_DIR

        css = (STATIC_DIR / "app.css").read_text(encoding="utf-8")
        assert ".btn.read-aloud{display:none}" in css and ".zf-voice .btn.read-aloud{display:flex}" in css

    def test_a_receipt_reads_shop_items_total_and_balance(self, web):
        from datetime import UTC, datetime
        from types import SimpleNamespace

        receipt = SimpleNamespace(shop_name="振风超市", total_points=120, balance_after=1005,
                                  created_at=datetime(2026, 12, 6, 6, 5, tzinfo=UTC),
                                  items=[SimpleNamespace(name="食用油5L", quantity=2, points=100),
                                         SimpleNamespace(name="香皂<b>", quantity=1, points=20)])
        html = web.app.state.templates.get_template("shop/pay/_receipt.html").render(receipt=receipt)
        assert say_of(html, "receipt-read-aloud") == (
            "兑换成功。振风超市，用了一百二十积分：食用油五L二件，一百积分；香皂&lt;b&gt;一件，二十积分。"
            "兑换后余额一千零五积分。")
