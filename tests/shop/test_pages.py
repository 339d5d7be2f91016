"""The shop's pages: villagers browse goods; staff run the catalogue, stock, redemptions, settlement; officials print
household cards. Signed in through the login form like a browser without JavaScript (cookie + CSRF form field)."""

import base64
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.db import session_for
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User
from app.shop.goods import create_shop
from tests.conftest import DEMO, DEMO_HASH
from tests.shop.conftest import balance, pay_code, redeem, stock

PHOTO = Path(__file__).resolve().parents[2] / "app" / "demo_assets" / "goods" / "rice.jpg"
HTMX = {"HX-Request": "true"}
CSRF_HEADER = re.compile(r"hx-headers='\{\"X-CSRF-Token\": \"([0-9a-f]+)\"\}'")
OUTSIDER = "13800000099"  # an official of 邻村, made by the `outsider` fixture
pytestmark = pytest.mark.sqlite_only  # page markup; the services behind these forms run on both engines elsewhere


class Browser:
    """The test client as a browser without JavaScript: the session cookie, the CSRF token in every form."""

    def __init__(self, client) -> None:
        self.client = client
        self.csrf = ""

    def sign_in(self, who: str) -> "Browser":
        self.client.cookies.clear()
        r = self.client.post("/login", data={"phone": DEMO.get(who, who), "password": "demo1234"},
                             follow_redirects=False)
        assert r.status_code == 303, r.text
        match = CSRF_HEADER.search(self.client.get("/me").text)
        assert match, "the page carries no CSRF token in hx-headers"
        self.csrf = match.group(1)
        return self

    def get(self, path: str, **kw):
        return self.client.get(path, follow_redirects=False, **kw)

    def post(self, path: str, data: dict | None = None, **kw):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf}, follow_redirects=False, **kw)


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


@pytest.fixture
def outsider(demo_engine) -> str:
    """An official of 邻村: an official, but of the wrong village."""
    with session_for(demo_engine, write=True) as s:
        neighbour = s.exec(select(OrgUnit).where(OrgUnit.name == "邻村")).one()
        user = User(name="邻村干部", phone=OUTSIDER, password_hash=DEMO_HASH)
        s.add(user)
        s.flush()
        s.add(RoleAssignment(user_id=user.id, role=Role.official, org_id=neighbour.id))
        s.commit()
    return OUTSIDER


@pytest.fixture
def wang(demo_engine) -> int:
    with session_for(demo_engine, write=False) as s:
        return s.exec(select(Household.id).where(Household.head_name == "王建国")).one()


def done_redeeming(api, shop_id, lines) -> dict:
    r = redeem(api, shop_id, pay_code(api), lines)
    assert r.status_code == 201, r.text
    return r.json()


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>|\s", "", match.group(2))


def item(api, shop_id, **match) -> dict:
    """One goods of the shop's catalogue (switched-off ones too), as the API shows it."""
    items = api.get(f"/shops/{shop_id}/goods?include_inactive=true", "attendant").json()["items"]
    return next(g for g in items if all(g[k] == v for k, v in match.items()))


def movements(api, shop_id, goods_id) -> list[dict]:
    return api.get(f"/shops/{shop_id}/goods/{goods_id}/movements", "attendant").json()["items"]


# --- who may open which page ---------------------------------------------------------------------------------

STAFF_PAGES = ["/shop/manage", "/shop/redemptions", "/shop/settlement", "/shop/manage/goods/{goods_id}"]


class TestAccess:
    @pytest.mark.parametrize("who", ["villager", "official", "attendant", "volunteer"])
    def test_everyone_of_the_village_sees_the_shop(self, web, who):
        r = web.sign_in(who).get("/shop")
        assert r.status_code == 200 and "大米 5kg" in r.text

    @pytest.mark.parametrize("who", ["official", "attendant"])
    @pytest.mark.parametrize("path", STAFF_PAGES)
    def test_staff_and_officials_open_the_staff_pages(self, web, goods, who, path):
        r = web.sign_in(who).get(path.format(goods_id=goods["soap"]["id"]))
        assert r.status_code == 200 and "<html" in r.text

    @pytest.mark.parametrize("path", STAFF_PAGES)
    def test_villagers_are_refused_the_staff_pages(self, web, goods, path):
        r = web.sign_in("villager").get(path.format(goods_id=goods["soap"]["id"]))
        assert r.status_code in (403, 404) and "<html" in r.text

    @pytest.mark.parametrize("who", ["neighbour", OUTSIDER])
    @pytest.mark.parametrize("path", ["/shop?shop_id={shop_id}", "/shop/manage?shop_id={shop_id}",
                                      "/shop/manage/goods/{goods_id}", "/shop/redemptions?shop_id={shop_id}",
                                      "/shop/settlement?shop_id={shop_id}", "/shop/settlement.xlsx?shop_id={shop_id}",
                                      "/admin/households/{wang}/card"])
    def test_another_village_is_kept_out(self, web, outsider, shop_id, goods, wang, who, path):
        r = web.sign_in(who).get(path.format(shop_id=shop_id, goods_id=goods["soap"]["id"], wang=wang))
        assert r.status_code in (403, 404), r.status_code
        assert "测试肥皂" not in r.text and "王建国" not in r.text

    def test_a_village_without_a_shop_says_so(self, web):
        r = web.sign_in("neighbour").get("/shop")
        assert r.status_code == 404 and "本村还没有开设积分超市" in r.text

    @pytest.mark.parametrize("who", ["neighbour", OUTSIDER, "villager"])
    def test_other_villages_and_villagers_cannot_write(self, web, api, outsider, shop_id, goods, wang, who):
        soap = goods["soap"]["id"]
        web.sign_in(who)
        writes = [
            ("/shop/manage/goods", {"shop_id": shop_id, "name": "越界商品", "points_price": "1", "stock": "1"}),
            (f"/shop/manage/goods/{soap}/edit", {"name": "改名", "points_price": "1", "low_stock_threshold": "1"}),
            (f"/shop/manage/goods/{soap}/active", {"active": "0"}),
            (f"/shop/manage/goods/{soap}/stock", {"kind": "restock", "quantity": "5", "reason": "越界"}),
            (f"/admin/households/{wang}/card", {"pin": "1234", "pin_again": "1234"}),
        ]
        for path, data in writes:
            assert web.post(path, data).status_code in (403, 404), path
        r = web.post(f"/shop/manage/goods/{soap}/photo", files={"photo": ("a.jpg", PHOTO.read_bytes(), "image/jpeg")})
        assert r.status_code in (403, 404)
        after = item(api, shop_id, id=soap)
        assert (after["name"], after["stock"], after["active"], after["image_url"]) == ("测试肥皂", 10, True, None)
        assert "越界商品" not in api.get(f"/shops/{shop_id}/goods", "attendant").text

    def test_the_attendant_cannot_issue_cards(self, web, wang):
        web.sign_in("attendant")
        assert web.get(f"/admin/households/{wang}/card").status_code in (403, 404)
        assert web.post(f"/admin/households/{wang}/card", {"pin": "1234", "pin_again": "1234"}).status_code in (
            403, 404)

    def test_a_form_without_the_csrf_token_is_refused(self, web, api, shop_id, goods):
        web.sign_in("official")
        r = web.client.post(f"/shop/manage/goods/{goods['soap']['id']}/stock", follow_redirects=False,
                            data={"kind": "restock", "quantity": "5", "reason": "进货"})
        assert r.status_code == 403 and "页面已过期" in r.text
        assert stock(api, shop_id, goods["soap"]["id"]) == 10


# --- villagers browse ----------------------------------------------------------------------------------------

class TestBrowse:
    def test_goods_with_photo_price_and_stock_state_and_the_balance(self, web, api, shop_id, goods):
        api.post(f"/shops/{shop_id}/goods/{goods['rice']['id']}/stock", "attendant",
                 json={"kind": "damage", "quantity": 3, "reason": "受潮"})
        html = web.sign_in("villager").get("/shop").text
        assert text_of(html, "balance") == str(balance(api)) == "600"
        assert 'href="/pay"' in html and "出示积分码" in html
        assert re.search(r'src="/media/goods/\d+\.jpg"', html)  # the demo goods have photos
        card = html[html.index("测试大米"):]
        assert card.index("缺货") < card.index("</li>") and "30" in card[:card.index("</li>")]
        soap = html[html.index("测试肥皂"):]
        assert soap.index("有货") < soap.index("</li>")
        assert html.index("测试肥皂") < html.index("测试大米")  # what can be had comes first

    def test_goods_switched_off_are_not_shown(self, web, api, shop_id, goods):
        api.patch(f"/shops/{shop_id}/goods/{goods['soap']['id']}", "attendant", json={"active": False})
        assert "测试肥皂" not in web.sign_in("villager").get("/shop").text

    def test_several_shops_get_a_switcher(self, web, demo_engine, shop_id):
        with session_for(demo_engine, write=True) as s:
            village = s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one()
            second = create_shop(s, village_id=village.id, name="二组小卖部").id
            s.commit()
        web.sign_in("villager")
        html = web.get("/shop").text
        assert f'href="/shop?shop_id={second}"' in html and "二组小卖部" in html
        other = web.get(f"/shop?shop_id={second}").text
        assert "大米 5kg" not in other and "店里暂时没有可兑换的商品" in other

    def test_no_switcher_with_one_shop(self, web):
        assert "shop-switch" not in web.sign_in("villager").get("/shop").text

    def test_names_are_shown_as_text(self, web, api, shop_id):
        name = "<script>alert(1)</script>"
        web.sign_in("official")
        r = web.post("/shop/manage/goods", {"shop_id": shop_id, "name": name, "points_price": "5", "stock": "1"})
        assert r.status_code == 303
        for who, path in (("official", r.headers["location"]), ("official", "/shop/manage"), ("villager", "/shop")):
            html = web.sign_in(who).get(path).text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and name not in html, path


# --- staff: catalogue and stock ------------------------------------------------------------------------------

class TestManage:
    def test_low_stock_comes_first(self, web, goods):
        html = web.sign_in("attendant").get("/shop/manage").text
        low = html[html.index("低库存提醒"):html.index("全部商品")]
        assert "测试大米" in low and "测试肥皂" not in low and "毛巾" in low  # 3 ≤ 5 and 2 ≤ 5; 10 > 5
        assert html.index("低库存提醒") < html.index("全部商品") < html.index("上架新商品</h2>")
        assert f'href="/shop/manage/goods/{goods["soap"]["id"]}"' in html

    def test_add_goods(self, web, api, shop_id):
        web.sign_in("official")
        r = web.post("/shop/manage/goods", {"shop_id": shop_id, "name": "挂面 1kg", "points_price": "6",
                                            "stock": "40", "low_stock_threshold": "8"})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=create")
        made = item(api, shop_id, name="挂面 1kg")
        assert (made["points_price"], made["stock"], made["low_stock_threshold"]) == (6, 40, 8)
        page = web.get(r.headers["location"]).text
        assert "商品已上架" in page and "初始库存" in page and "张书记" in page

    @pytest.mark.parametrize(("field", "value", "message"), [("name", " ", "请填写商品名称"),
                                                             ("points_price", "abc", "积分价格应为"),
                                                             ("points_price", "0", "积分价格应为"),
                                                             ("stock", "-3", "库存应为")])
    def test_bad_goods_are_refused_in_chinese(self, web, api, shop_id, field, value, message):
        data = {"shop_id": shop_id, "name": "坏数据", "points_price": "5", "stock": "1", field: value}
        r = web.sign_in("attendant").post("/shop/manage/goods", data)
        assert r.status_code == 422 and message in r.text and "<html" in r.text
        assert "坏数据" not in api.get(f"/shops/{shop_id}/goods?include_inactive=true", "attendant").text

    def test_a_refused_htmx_form_comes_back_as_a_toast(self, web, shop_id):
        web.sign_in("attendant")
        r = web.post("/shop/manage/goods", {"shop_id": shop_id, "name": "", "points_price": "5"}, headers=HTMX)
        assert r.status_code == 422 and r.headers["hx-retarget"] == "#toast" and "请填写商品名称" in r.text

    def test_edit_and_switch_off_and_on(self, web, api, shop_id, goods):
        soap = goods["soap"]["id"]
        web.sign_in("official")
        r = web.post(f"/shop/manage/goods/{soap}/edit", {"name": "香皂 大块", "points_price": "7",
                                                          "low_stock_threshold": "12"})
        assert r.status_code == 303 and "已保存" in web.get(r.headers["location"]).text
        r = web.post(f"/shop/manage/goods/{soap}/active", {"active": "0"})
        page = web.get(r.headers["location"]).text
        assert "已暂停兑换" in page and "恢复兑换" in page
        assert "香皂 大块" not in web.get("/shop").text
        r = web.post(f"/shop/manage/goods/{soap}/active", {"active": "1"})
        assert "已恢复兑换" in web.get(r.headers["location"]).text
        edited = item(api, shop_id, id=soap)
        assert (edited["name"], edited["points_price"], edited["low_stock_threshold"], edited["active"]) == (
            "香皂 大块", 7, 12, True)

    def test_restock_damage_and_count_with_reasons(self, web, api, shop_id, goods):
        soap = goods["soap"]["id"]
        web.sign_in("attendant")
        for kind, quantity, reason, expected in (("restock", "20", "镇上批发进货", 30), ("damage", "2", "包装破损", 28),
                                                 ("correction", "25", "月底盘点", 25)):
            r = web.post(f"/shop/manage/goods/{soap}/stock", {"kind": kind, "quantity": quantity, "reason": reason})
            assert r.status_code == 303 and r.headers["location"] == f"/shop/manage/goods/{soap}?done=stock"
            assert stock(api, shop_id, soap) == expected
        page = web.get(f"/shop/manage/goods/{soap}").text
        assert text_of(page, "stock") == "25"
        history = page[page.index("库存记录"):]
        for words in ("进货", "+20", "镇上批发进货", "损耗", "-2", "包装破损", "盘点更正", "-3", "月底盘点", "刘店长"):
            assert words in history, words
        assert history.index("月底盘点") < history.index("镇上批发进货")  # newest first

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_stock_change_needs_a_reason(self, web, api, shop_id, goods, reason):
        soap = goods["soap"]["id"]
        r = web.sign_in("attendant").post(f"/shop/manage/goods/{soap}/stock",
                                          {"kind": "restock", "quantity": "5", "reason": reason})
        assert r.status_code == 422 and "请填写库存变动原因" in r.text
        assert stock(api, shop_id, soap) == 10 and len(movements(api, shop_id, soap)) == 1

    def test_damage_cannot_take_stock_below_zero(self, web, api, shop_id, goods):
        rice = goods["rice"]["id"]
        r = web.sign_in("attendant").post(f"/shop/manage/goods/{rice}/stock",
                                          {"kind": "damage", "quantity": "4", "reason": "受潮"})
        assert r.status_code == 409 and "库存不足" in r.text and stock(api, shop_id, rice) == 3

    def test_a_real_jpeg_becomes_the_photo(self, web, api, shop_id, goods):
        soap = goods["soap"]["id"]
        web.sign_in("official")
        page = web.get(f"/shop/manage/goods/{soap}").text
        assert 'enctype="multipart/form-data"' in page and 'accept="image/*"' in page and "capture" in page
        r = web.post(f"/shop/manage/goods/{soap}/photo", files={"photo": ("IMG_0001.JPG", PHOTO.read_bytes(),
                                                                          "image/jpeg")})
        assert r.status_code == 303 and r.headers["location"].endswith("?done=photo")
        url = item(api, shop_id, id=soap)["image_url"]
        assert url and f'src="{url}"' in web.get(r.headers["location"]).text and f'src="{url}"' in web.get("/shop").text
        image = web.get(url)
        assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"

    @pytest.mark.parametrize("upload", [("notes.jpg", b"this is not a photo", "image/jpeg"),
                                        ("notes.txt", "菜价清单".encode(), "text/plain")])
    def test_a_file_that_is_not_a_photo_is_refused(self, web, api, shop_id, goods, upload):
        soap = goods["soap"]["id"]
        r = web.sign_in("official").post(f"/shop/manage/goods/{soap}/photo", files={"photo": upload})
        assert r.status_code == 422 and "不是有效的图片" in r.text
        assert item(api, shop_id, id=soap)["image_url"] is None

    def test_no_file_chosen_is_refused_in_chinese(self, web, goods):
        r = web.sign_in("official").post(f"/shop/manage/goods/{goods['soap']['id']}/photo",
                                         files={"photo": ("", b"", "application/octet-stream")})
        assert r.status_code == 422 and "不是有效的图片" in r.text

    def test_history_pages(self, web, api, shop_id, goods):
        soap = goods["soap"]["id"]
        for i in range(21):
            api.post(f"/shops/{shop_id}/goods/{soap}/stock", "attendant",
                     json={"kind": "restock", "quantity": 1, "reason": f"第{i}批"})
        web.sign_in("attendant")
        first = web.get(f"/shop/manage/goods/{soap}").text
        assert "第20批" in first and "上架" not in first[first.index("库存记录"):]
        more = re.search(r'hx-get="(/shop/manage/goods/\d+\?cursor=[^"]+)"', first).group(1)
        rest = web.get(more, headers=HTMX)
        assert rest.status_code == 200 and "<html" not in rest.text and "上架" in rest.text


# --- the books -----------------------------------------------------------------------------------------------

class TestRedemptions:
    def test_newest_first_with_household_items_points_and_attendant(self, web, api, shop_id, goods):
        done_redeeming(api, shop_id, [(goods["soap"]["id"], 2)])
        done_redeeming(api, shop_id, [(goods["rice"]["id"], 1), (goods["soap"]["id"], 1)])
        html = web.sign_in("attendant").get("/shop/redemptions").text
        rows = html[html.index('id="redemption-rows"'):]
        assert rows.index("测试大米 ×1") < rows.index("测试肥皂 ×2")
        assert "王建国" in rows and "刘店长" in rows and ">35<" in rows and ">10<" in rows
        assert "撤销这笔兑换" not in html  # only officials reverse

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
        assert "王建国家" in r.text and "示范村" in r.text and "到振风超市出示此卡，输入家庭密码即可兑换" in r.text
        assert 'href="/static/shop.css"' in r.text
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
