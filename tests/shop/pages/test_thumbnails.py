"""Goods lists load thumbnails, not the stored photos (issue #18 item 6): the basket page, the villagers' goods, the
counter and the catalogue; each photo with its size (no layout shift), decoded off the main thread, and lazy below
the first screen. The thumbnails themselves: small JPEGs kept a year; any other width or photo is 404."""

import io
import re

import pytest
from PIL import Image

from app.shop.catalogue.service import THUMB_WIDTHS

pytestmark = pytest.mark.sqlite_only
IMG = re.compile(r"<img [^>]*>")
BASKET_BUDGET = 60 * 1024


def photos(html: str) -> list[str]:
    return [tag for tag in IMG.findall(html) if "/media/goods/" in tag]


def src(tag: str) -> str:
    return re.search(r'src="([^"]+)"', tag).group(1)


class TestLists:
    @pytest.mark.parametrize(("who", "page", "width", "size", "eager"), [
        ("villager", "/shop/order/{shop}", 160, 88, 4), ("villager", "/shop?shop_id={shop}", 360, 180, 4),
        ("attendant", "/counter", 160, 52, 0), ("attendant", "/shop/manage?shop_id={shop}", 160, 48, 8)])
    def test_thumbnails_with_their_size(self, web, shop_id, who, page, width, size, eager):
        web.sign_in(who)
        tags = photos(web.get(page.format(shop=shop_id)).text)
        assert len(tags) >= 10, page  # the demo shop's goods have photos
        for n, tag in enumerate(tags):
            assert re.fullmatch(rf"/media/goods/\d+/{width}\.jpg", src(tag)), tag
            assert f'width="{size}" height="{size}"' in tag and 'decoding="async"' in tag, tag
            assert ('loading="lazy"' in tag) == (n >= eager), (n, tag)

    def test_the_basket_page_loads_far_less_than_the_photos(self, web, shop_id):
        web.sign_in("villager")
        tags = photos(web.get(f"/shop/order/{shop_id}").text)
        thumbs = sum(len(web.get(src(t)).content) for t in tags)
        full = sum(len(web.get(re.sub(r"/160\.jpg$", ".jpg", src(t))).content) for t in tags)
        assert thumbs * 2 < full, (thumbs, full)


    def test_the_basket_page_first_load_is_at_most_60_kb(self, web, shop_id):
        """An empty cache, before scrolling: the page, its styles, scripts, icons and manifest, and the photos not
        left for later (lazy), as sent. A size, not a time; bench/page_weight.py measures the same in Chromium."""
        web.sign_in("villager")
        page = web.get(f"/shop/order/{shop_id}")
        assets = set(re.findall(r'(?:src|href)="(/(?:static|manifest)[^"]*)"', page.text))
        assets |= {src(tag) for tag in photos(page.text) if 'loading="lazy"' not in tag}
        sizes = {url: web.get(url).num_bytes_downloaded for url in sorted(assets)}
        total = page.num_bytes_downloaded + sum(sizes.values())
        assert len(sizes) >= 8 and all(sizes.values()), sizes
        assert total <= BASKET_BUDGET, (total, sizes)


class TestThumbnail:
    def image_url(self, web, shop_id) -> str:
        web.sign_in("villager")
        return re.sub(r"/160\.jpg$", ".jpg", src(photos(web.get(f"/shop/order/{shop_id}").text)[0]))

    @pytest.mark.parametrize("width", THUMB_WIDTHS)
    def test_a_small_jpeg_kept_a_year(self, web, shop_id, width):
        url = self.image_url(web, shop_id).removesuffix(".jpg") + f"/{width}.jpg"
        web.client.cookies.clear()  # public, like the photo itself: it shows goods, nothing personal
        r = web.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(r.content))
        assert image.format == "JPEG" and max(image.size) <= width and not image.info.get("exif")
        assert web.get(url).content == r.content  # made once, the same bytes every time

    @pytest.mark.parametrize("tail", ["/100.jpg", "/0.jpg", "/99999999999999999999.jpg", "/abc.jpg"])
    def test_any_other_width_is_not_found(self, web, shop_id, tail):
        url = self.image_url(web, shop_id).removesuffix(".jpg") + tail
        assert web.get(url).status_code == 404

    def test_an_unknown_photo_is_not_found(self, web):
        assert web.get("/media/goods/987654/160.jpg").status_code == 404
