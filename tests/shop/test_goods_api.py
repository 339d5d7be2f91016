"""Shops, goods, photos and stock movements through the JSON API."""

import io

import pytest
from PIL import Image

from tests.conftest import error_code
from tests.shop.conftest import stock


def jpeg_bytes(size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


class TestShops:
    def test_villager_and_attendant_see_their_villages_shop(self, api, shop_id):
        for who in ("villager", "attendant", "official", "town_admin"):
            assert shop_id in [s["id"] for s in api.get("/shops", who).json()["items"]], who

    def test_other_village_sees_none_of_it(self, api, shop_id):
        assert shop_id not in [s["id"] for s in api.get("/shops", "neighbour").json()["items"]]
        assert api.get(f"/shops/{shop_id}/goods", "neighbour").status_code == 404

    def test_demo_shop_has_a_dozen_goods_with_photos(self, api, shop_id):
        items = api.get(f"/shops/{shop_id}/goods", "villager").json()["items"]
        assert len(items) >= 12
        with_photo = [g for g in items if g["image_url"]]
        assert len(with_photo) >= 12
        r = api.client.get(with_photo[0]["image_url"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"


class TestGoods:
    def test_official_and_attendant_add_goods(self, api, shop_id):
        for who in ("official", "attendant"):
            r = api.post(f"/shops/{shop_id}/goods", who, json={"name": f"酱油{who}", "points_price": 8, "stock": 5})
            assert r.status_code == 201 and r.json()["stock"] == 5 and r.json()["image_url"] is None

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body", [
        {"name": "", "points_price": 5, "stock": 1},
        {"name": "x", "points_price": 0, "stock": 1},
        {"name": "x", "points_price": -3, "stock": 1},
        {"name": "x", "points_price": 5, "stock": -1},
        {"name": "x", "points_price": 10**9, "stock": 1},
        {"name": "x", "points_price": "5", "stock": 1},
    ])
    def test_bad_goods_are_refused(self, api, shop_id, body):
        r = api.post(f"/shops/{shop_id}/goods", "attendant", json=body)
        assert r.status_code == 422 and error_code(r) == "validation_error"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who,status", [("villager", 403), ("volunteer", 403), ("neighbour", 404)])
    def test_others_cannot_add_goods(self, api, shop_id, who, status):
        r = api.post(f"/shops/{shop_id}/goods", who, json={"name": "x", "points_price": 5, "stock": 1})
        assert r.status_code == status

    def test_switch_off_hides_from_villagers(self, api, shop_id, goods):
        soap = goods["soap"]["id"]
        api.patch(f"/shops/{shop_id}/goods/{soap}", "attendant", json={"active": False})
        assert soap not in [g["id"] for g in api.get(f"/shops/{shop_id}/goods", "villager").json()["items"]]
        staff_view = api.get(f"/shops/{shop_id}/goods?include_inactive=true", "attendant").json()["items"]
        assert next(g for g in staff_view if g["id"] == soap)["active"] is False
        assert api.get(f"/shops/{shop_id}/goods?include_inactive=true", "villager").status_code == 403


class TestPhoto:
    def test_upload_is_shrunk_and_served(self, api, shop_id, goods):
        soap = goods["soap"]["id"]
        r = api.client.put(f"/api/v1/shops/{shop_id}/goods/{soap}/photo", headers=api.headers("attendant"),
                           files={"photo": ("soap.jpg", jpeg_bytes((2000, 1500)), "image/jpeg")})
        assert r.status_code == 200, r.text
        image = api.client.get(r.json()["image_url"])
        assert max(Image.open(io.BytesIO(image.content)).size) <= 480

    def test_not_an_image_is_refused_and_keeps_the_old_photo(self, api, shop_id, goods):
        soap = goods["soap"]["id"]
        url = f"/api/v1/shops/{shop_id}/goods/{soap}/photo"
        api.client.put(url, headers=api.headers("attendant"), files={"photo": ("a.jpg", jpeg_bytes(), "image/jpeg")})
        r = api.client.put(url, headers=api.headers("attendant"),
                           files={"photo": ("evil.jpg", b"<?php echo 1; ?>", "image/jpeg")})
        assert r.status_code == 422 and error_code(r) == "validation_error"
        items = api.get(f"/shops/{shop_id}/goods", "villager").json()["items"]
        assert next(g for g in items if g["id"] == soap)["image_url"]

    def test_too_big_is_refused(self, api, shop_id, goods):
        r = api.client.put(f"/api/v1/shops/{shop_id}/goods/{goods['soap']['id']}/photo",
                           headers=api.headers("attendant"),
                           files={"photo": ("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10), "image/jpeg")})
        assert r.status_code == 413 and "照片不能超过 5 MB" in r.json()["error"]["message"]


class TestStock:
    def move(self, api, shop_id, goods_id, kind, quantity, reason="盘点"):
        return api.post(f"/shops/{shop_id}/goods/{goods_id}/stock", "attendant",
                        json={"kind": kind, "quantity": quantity, "reason": reason})

    def test_restock_damage_and_correction_are_recorded(self, api, shop_id, goods):
        soap = goods["soap"]["id"]
        assert self.move(api, shop_id, soap, "restock", 5, "进货").json()["stock"] == 15
        assert self.move(api, shop_id, soap, "damage", 2, "受潮").json()["stock"] == 13
        assert self.move(api, shop_id, soap, "correction", 11, "月底盘点").json()["stock"] == 11
        moves = api.get(f"/shops/{shop_id}/goods/{soap}/movements", "attendant").json()["items"]
        assert [(m["kind"], m["delta"], m["stock_after"], m["reason"]) for m in moves] == [
            ("correction", -2, 11, "月底盘点"), ("damage", -2, 13, "受潮"), ("restock", 5, 15, "进货"),
            ("initial", 10, 10, "上架")]
        assert all(m["actor_id"] for m in moves)

    def test_damage_beyond_stock_is_refused(self, api, shop_id, goods):
        r = self.move(api, shop_id, goods["rice"]["id"], "damage", 4)
        assert r.status_code == 409 and error_code(r) == "out_of_stock"
        assert stock(api, shop_id, goods["rice"]["id"]) == 3

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("kind,quantity,reason", [("restock", 0, "x"), ("restock", -1, "x"), ("steal", 1, "x"),
                                                      ("restock", 1, ""), ("correction", 10, "same")])
    def test_bad_movements(self, api, shop_id, goods, kind, quantity, reason):
        r = self.move(api, shop_id, goods["soap"]["id"], kind, quantity, reason)
        assert r.status_code == 422

    def test_low_stock_list(self, api, shop_id, goods):
        low = [g["name"] for g in api.get(f"/shops/{shop_id}/low-stock", "attendant").json()["items"]]
        assert "测试大米" in low and "测试肥皂" not in low


def test_goods_list_pages_like_every_list(api, shop_id):
    first = api.get(f"/shops/{shop_id}/goods?limit=5", "villager").json()
    assert len(first["items"]) == 5 and first["next_cursor"]
    seen = [g["id"] for g in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/shops/{shop_id}/goods?limit=5&cursor={cursor}", "villager").json()
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 12
    assert api.get(f"/shops/{shop_id}/goods?limit=0", "villager").status_code == 422


def test_short_lists_page_too(api, shop_id, goods):
    low = api.get(f"/shops/{shop_id}/low-stock?limit=1", "attendant").json()
    assert len(low["items"]) == 1 and low["next_cursor"]
    rest = api.get(f"/shops/{shop_id}/low-stock?limit=100&cursor={low['next_cursor']}", "attendant").json()
    assert low["items"][0]["id"] not in [g["id"] for g in rest["items"]] and rest["next_cursor"] is None
    assert api.get("/shops?limit=1", "town_admin").json()["items"]
    assert api.get("/shops?cursor=bogus", "town_admin").status_code == 422
