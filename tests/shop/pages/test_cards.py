"""Shop pages by area — printed household cards for villagers without a smartphone."""

import base64
import re

import pytest

from app.static_files import static_url
from tests.shop.pages.conftest import text_of

pytestmark = pytest.mark.sqlite_only  # page markup; the services behind these forms run on both engines elsewhere


class TestCard:
    def issue(self, web, wang, pin="2468", again=None):
        return web.post(f"/admin/households/{wang}/card", {"pin": pin, "pin_again": again or pin})

    def test_no_card_yet_says_what_to_do(self, web, wang):
        html = web.sign_in("official").get(f"/admin/households/{wang}/card").text
        assert "这户还没有积分卡" in html and 'name="pin"' in html

    def test_the_sheet_shows_the_code_and_qr_once_and_the_card_works(self, web, api, shop_id, wang):
        r = self.issue(web.sign_in("official"), wang)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        code = text_of(r.text, "card-code")
        assert re.fullmatch(r"\d{20}", code)
        assert re.search(r"(<span>\d{4}</span>\s*){5}", r.text)  # grouped in fours
        svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', r.text).group(1))
        assert b"<svg" in svg and b"<path" in svg
        assert "王建国家" in r.text and "示范村" in r.text and "到振风超市出示此卡，输入卡密码即可兑换" in r.text
        assert f'href="{static_url("shop.css")}"' in r.text
        status = web.get(f"/admin/households/{wang}/card").text
        assert "使用中" in status and code not in status and code[:4] + "</span>" not in status
        unlock = api.post(f"/shops/{shop_id}/card-unlock", "attendant", json={"card_code": code, "pin": "2468"})
        assert unlock.status_code == 200 and unlock.json()["household_name"] == "王*国"

    @pytest.mark.parametrize(("pin", "again", "message"), [("12", "12", "卡密码应为 4 到 6 位数字"),
                                                           ("abcd", "abcd", "卡密码应为 4 到 6 位数字"),
                                                           ("1234", "1235", "两次输入的卡密码不一致")])
    def test_bad_pins_are_refused_in_chinese(self, web, wang, pin, again, message):
        r = self.issue(web.sign_in("official"), wang, pin, again)
        assert r.status_code == 422 and message in r.text
        assert "这户还没有积分卡" in web.get(f"/admin/households/{wang}/card").text

    def test_a_pin_mismatch_stays_on_the_form_with_the_message_beside_the_field(self, web, wang):
        r = self.issue(web.sign_in("official"), wang, "2468", "2486")
        assert r.status_code == 422 and "出错了" not in r.text and "这户还没有积分卡" in r.text
        field = re.search(r'<input id="card-pin"[^>]*>', r.text).group(0)  # both typed again, from the first
        assert 'aria-invalid="true"' in field and 'aria-describedby="card-pin-error"' in field
        assert "autofocus" in field
        assert re.search(r'<p class="field-error" id="card-pin-error">两次输入的卡密码不一致，请村民重新输入两次</p>',
                         r.text)
        assert 'value="2468"' not in r.text  # the PIN is not sent back
        short = self.issue(web, wang, "12", "12")
        assert 'id="card-pin-error">卡密码应为 4 到 6 位数字<' in short.text

    def test_a_mismatch_while_reissuing_opens_the_reissue_form(self, web, wang):
        self.issue(web.sign_in("official"), wang)
        r = self.issue(web, wang, "1357", "1375")
        assert r.status_code == 422 and "<details open>" in r.text and 'id="card-pin-error"' in r.text

    def test_one_word_for_the_pin_everywhere(self, web, wang):
        """卡密码 — as on a bank card — on the form, the printed sheet, the counter; never 家庭密码."""
        web.sign_in("official")
        pages = [web.get(f"/admin/households/{wang}/card").text, self.issue(web, wang).text]
        pages.append(web.sign_in("attendant").get("/counter").text)
        for html in pages:
            assert "卡密码" in html and "家庭密码" not in html

    def test_revoke_stops_the_card(self, web, api, shop_id, wang):
        code = text_of(self.issue(web.sign_in("official"), wang).text, "card-code")
        page = web.get(f"/admin/households/{wang}/card").text
        action = re.search(r'action="(/admin/households/\d+/card/\d+/revoke)"', page).group(1)
        r = web.post(action, {"reason": "卡丢失"})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/households/{wang}/card?done=revoke"
        assert "该积分卡已作废" in web.get(r.headers["location"]).text
        unlock = api.post(f"/shops/{shop_id}/card-unlock", "attendant", json={"card_code": code, "pin": "2468"})
        assert unlock.status_code == 400 and "作废" in unlock.json()["error"]["message"]

    def test_reissue_replaces_the_old_card(self, web, api, shop_id, wang):
        web.sign_in("official")
        old = text_of(self.issue(web, wang).text, "card-code")
        assert "补办后，旧卡立即作废" in web.get(f"/admin/households/{wang}/card").text
        new = text_of(self.issue(web, wang, "1357").text, "card-code")
        assert web.get(f"/admin/households/{wang}/card").text.count("使用中") == 1
        unlock = api.post(f"/shops/{shop_id}/card-unlock", "attendant", json={"card_code": old, "pin": "2468"})
        assert unlock.status_code == 400
        unlock = api.post(f"/shops/{shop_id}/card-unlock", "attendant", json={"card_code": new, "pin": "1357"})
        assert unlock.status_code == 200
