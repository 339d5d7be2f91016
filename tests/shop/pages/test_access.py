"""Who may open which shop page: villagers browse, staff run the shop, other villages are kept out."""


import pytest

from tests.shop.conftest import stock
from tests.shop.pages.conftest import OUTSIDER, PHOTO, STAFF_PAGES, item

pytestmark = pytest.mark.sqlite_only  # page markup; the services behind these forms run on both engines elsewhere


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
