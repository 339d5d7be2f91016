"""Shop pages by area — the books: redemptions and their reversal, the monthly settlement and its Excel."""

import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.shop.conftest import balance, stock
from tests.shop.pages.conftest import HTMX, done_redeeming, item, text_of

pytestmark = pytest.mark.sqlite_only  # page markup; the services behind these forms run on both engines elsewhere


class TestRedemptions:
    def test_newest_first_with_household_items_points_and_attendant(self, web, api, shop_id, goods):
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        done_redeeming(api, shop_id, [(goods["rice"]["id"], 1), (goods["soap"]["id"], 1)])
        html = web.sign_in("attendant").get("/shop/redemptions").text
        rows = html[html.index('id="redemption-rows"'):]
        assert rows.index("测试大米 ×1") < rows.index("测试肥皂 ×2")
        assert "王*国" in rows and "刘店长" in rows and ">35<" in rows and ">10<" in rows
        assert "撤销这笔兑换" not in html  # only officials reverse

    def test_names_masked_for_the_attendant_in_full_for_officials(self, web, api, shop_id, goods):
        """Issue #15: an attendant is not an official — the household's name is masked on every page they read
        (redemptions, the 核销 receipt, request lists); the village's officials read it in full."""
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        web.sign_in("attendant")
        for path in ("/shop/redemptions", f"/shop/redemptions?shop_id={shop_id}"):
            html = web.get(path).text
            assert "王*国" in html and "王建国" not in html, path
        html = web.get(f"/shop/redemptions?shop_id={shop_id}", headers=HTMX).text  # the rows' partial
        assert "王*国" in html and "王建国" not in html
        web.sign_in("official")
        html = web.get(f"/shop/redemptions?shop_id={shop_id}").text
        assert "王建国" in html and "王*国" not in html

    def test_empty_state(self, web):
        html = web.sign_in("official").get("/shop/redemptions").text
        assert "还没有兑换记录" in html

    def test_official_reverses_with_a_reason(self, web, api, shop_id, goods):
        receipt = done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        web.sign_in("official")
        page = web.get("/shop/redemptions").text
        assert f'action="/shop/redemptions/{receipt["id"]}/reverse"' in page
        key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
        r = web.post(f"/shop/redemptions/{receipt['id']}/reverse", {"reason": "  ", "form_key": key})
        assert r.status_code == 422 and "请填写撤销原因" in r.text and balance(api) == 590
        form = {"reason": "商品受潮退回", "form_key": key}
        r = web.post(f"/shop/redemptions/{receipt['id']}/reverse", form)
        assert r.status_code == 303 and r.headers["location"] == f"/shop/redemptions?shop_id={shop_id}&done=reverse"
        again = web.post(f"/shop/redemptions/{receipt['id']}/reverse", form)
        assert again.status_code == 303  # a double submit replays, it does not reverse twice
        assert balance(api) == 600 and stock(api, shop_id, goods["soap"]["id"]) == 10
        after = web.get(r.headers["location"]).text
        assert "已撤销该笔兑换" in after and "已撤销</span>" in after and "撤销这笔兑换" not in after

    def test_the_attendant_cannot_reverse(self, web, api, shop_id, goods):
        receipt = done_redeeming(api, shop_id, [(goods["soap"]["id"], 1)])
        r = web.sign_in("attendant").post(f"/shop/redemptions/{receipt['id']}/reverse", {"reason": "想撤销"})
        assert r.status_code == 403 and balance(api) == 595

    def test_pages_of_twenty(self, web, api, shop_id):
        salt = item(api, shop_id, name="食盐 400g")["id"]
        for _ in range(21):
            done_redeeming(api, shop_id, [(salt, 1)])
        html = web.sign_in("official").get("/shop/redemptions").text
        assert html.count('class="redemption"') == 20
        more = re.search(r'href="(/shop/redemptions\?shop_id=\d+&(?:amp;)?cursor=[^"]+)"', html).group(1)
        rest = web.get(more.replace("&amp;", "&"), headers=HTMX)
        assert "<html" not in rest.text and rest.text.count('class="redemption"') == 1


class TestSettlement:
    def test_totals_match_the_api(self, web, api, shop_id, goods):
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 2), (goods["rice"]["id"], 1)])
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 3)])
        html = web.sign_in("official").get(f"/shop/settlement?shop_id={shop_id}").text
        month = re.search(r'value="(\d{4}-\d{2})" selected', html).group(1)
        expected = api.get(f"/shops/{shop_id}/settlements/{month}", "official").json()
        assert expected["total_points"] == 55 and expected["redemptions"] == 2
        assert text_of(html, "settlement-total") == "55" and text_of(html, "settlement-count") == "2"
        body = re.sub(r"\s+", "", html[html.index("<tbody>"):html.index("</tbody>")])
        for row in expected["rows"]:
            cells = f"<td>{row['goods_name']}</td><tdclass=\"num\">{row['unit_points']}</td>" \
                    f"<tdclass=\"num\">{row['quantity']}</td><tdclass=\"num\">{row['points']}</td>"
            assert cells in body, row
        assert f'href="/shop/settlement.xlsx?shop_id={shop_id}&month={month}"' in html
        assert "上个月" in html and "下个月" not in html  # the current month has no next one yet

    def test_an_empty_month_says_so_and_links_the_neighbours(self, web, shop_id):
        html = web.sign_in("attendant").get(f"/shop/settlement?shop_id={shop_id}&month=2020-01").text
        assert "2020年1月还没有兑换" in html and text_of(html, "settlement-total") == "0"
        assert "month=2019-12" in html and "month=2020-02" in html
        assert '<option value="2020-01" selected>2020年1月</option>' in html  # an old month joins the picker

    def test_a_bad_month_is_refused_in_chinese(self, web, shop_id):
        r = web.sign_in("official").get(f"/shop/settlement?shop_id={shop_id}&month=2024-13")
        assert r.status_code == 422 and "月份格式应为" in r.text

    @pytest.mark.parametrize("month", ["0000-01", "9999-12", "1999-12", "2101-01"])
    def test_a_month_out_of_range_is_refused_on_the_page_the_sheet_and_the_api(self, web, api, shop_id, month):
        """Years 0000 and 9999-12 overflowed Python's dates: a 500 on all three (issue #7)."""
        web.sign_in("official")
        page = web.get(f"/shop/settlement?shop_id={shop_id}&month={month}")
        sheet = web.get(f"/shop/settlement.xlsx?shop_id={shop_id}&month={month}")
        assert page.status_code == sheet.status_code == 422
        assert "月份应在 2000 年到 2100 年之间" in page.text and "<html" in page.text
        r = api.get(f"/shops/{shop_id}/settlements/{month}", "official")
        assert r.status_code == 422 and r.json()["error"]["message"] == "月份应在 2000 年到 2100 年之间"

    @pytest.mark.parametrize("month", ["2000-01", "2100-12"])
    def test_the_first_and_last_months_open(self, web, api, shop_id, month):
        assert web.sign_in("official").get(f"/shop/settlement?shop_id={shop_id}&month={month}").status_code == 200
        assert api.get(f"/shops/{shop_id}/settlements/{month}", "official").json()["redemptions"] == 0

    def test_the_workbook_downloads_and_opens(self, web, api, shop_id, goods):
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        web.sign_in("official")
        month = re.search(r'value="(\d{4}-\d{2})" selected', web.get("/shop/settlement").text).group(1)
        r = web.get(f"/shop/settlement.xlsx?shop_id={shop_id}&month={month}")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        disposition = r.headers["content-disposition"]
        assert disposition.startswith("attachment;") and 'filename="' in disposition
        assert "振风超市" in unquote(disposition.split("filename*=UTF-8''")[1])
        sheet = load_workbook(io.BytesIO(r.content)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert "测试肥皂" in values and "示范村" in values
        total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
        assert total[3] == 10


# --- household cards -----------------------------------------------------------------------------------------
