"""Shop pages by area — the catalogue: villagers browse goods; staff add goods, photos and stock."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.org.models import OrgUnit
from app.shop.catalogue.service import create_shop
from tests.shop.conftest import balance, stock
from tests.shop.pages.conftest import HTMX, PHOTO, item, movements, text_of

pytestmark = pytest.mark.sqlite_only  # page markup; the services behind these forms run on both engines elsewhere


class TestBrowse:
    def test_goods_with_photo_price_and_stock_state_and_the_balance(self, web, api, shop_id, goods):
        api.post(f"/shops/{shop_id}/goods/{goods['rice']['id']}/stock", "attendant",
                 json={"kind": "damage", "quantity": 3, "reason": "受潮"})
        html = web.sign_in("villager").get("/shop").text
        assert text_of(html, "balance") == str(balance(api)) == "600"
        assert 'href="/pay"' in html and "出示积分码" in html
        assert re.search(r'src="/media/goods/\d+/360\.jpg"', html)  # the demo goods have photos (thumbnails)
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
        assert url and f'src="{url}"' in web.get(r.headers["location"]).text
        assert f'src="{url.removesuffix(".jpg")}/360.jpg"' in web.get("/shop").text  # the list's thumbnail
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
