"""Goods photos: content decides the type, bombs are refused before decoding, no metadata survives."""

import functools
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from app.errors import ValidationFailed
from app.images import MAX_UPLOAD_BYTES, NOT_AN_IMAGE, TOO_LARGE, TOO_MANY_PIXELS, process_photo

MAKER = "ZhenfengTestCam"
COMMENT = b"ZF-SECRET-COMMENT"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">ZF-XMP-PACKET</x:xmpmeta>'
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (30.0, 15.0, 7.0),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (120.0, 10.0, 3.0)}


def photo(size=(2000, 1500)) -> Image.Image:
    """A photo-like picture: fine detail plus a little sensor noise (a copy of the one drawn for this size)."""
    return _drawn(size).copy()


@functools.cache
def _drawn(size: tuple[int, int]) -> Image.Image:
    detail = Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 80)
    noise = Image.effect_noise(size, 12)
    return Image.merge("RGB", (detail, Image.blend(detail, noise, 0.3), noise))


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def refusal(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        process_photo(data)
    return caught.value.message


def png_declaring(width: int, height: int) -> bytes:
    """A real 1-bit PNG made by Pillow whose header is then rewritten to claim another size."""
    data = bytearray(encode(Image.new("1", (8, 8)), "PNG"))
    ihdr = data[12:29]  # chunk type + 13 bytes of header
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


class TestAcceptedPhotos:
    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
    def test_shrinks_to_a_jpeg_within_480(self, fmt):
        source = photo().convert("P") if fmt == "GIF" else photo()
        original = encode(source, fmt)
        out, content_type = process_photo(original)
        im = decode(out)
        assert content_type == "image/jpeg"
        assert im.format == "JPEG" and im.mode == "RGB"
        assert im.size == (480, 360)  # aspect ratio kept
        assert len(out) < 40_000 < len(original)

    def test_output_is_progressive(self):
        im = decode(process_photo(encode(photo(), "JPEG"))[0])
        assert im.info.get("progressive") or im.info.get("progression")

    def test_small_photo_is_not_enlarged(self):
        im = decode(process_photo(encode(photo((300, 200)), "PNG"))[0])
        assert im.size == (300, 200)

    def test_identified_by_content_not_by_name(self):
        # The function never sees a file name; a PNG is a PNG whatever it was called.
        assert decode(process_photo(encode(photo((64, 64)), "PNG"))[0]).format == "JPEG"


class TestMetadataStripped:
    @pytest.fixture
    def tagged(self) -> bytes:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = MAKER
        exif[ExifTags.Base.Model] = MAKER + " Pro"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        data = encode(photo(), "JPEG", exif=exif, icc_profile=icc, comment=COMMENT, xmp=XMP)
        original = decode(data)  # the input really carries everything we expect to disappear
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude]
        assert original.getexif()[ExifTags.Base.Make] == MAKER
        assert original.info["icc_profile"] and original.info["comment"] == COMMENT
        assert b"ZF-XMP-PACKET" in data
        return data

    def test_exif_and_gps_gone(self, tagged):
        out, _ = process_photo(tagged)
        exif = decode(out).getexif()
        assert len(exif) == 0
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert MAKER.encode() not in out
        assert b"Exif\x00\x00" not in out

    def test_icc_xmp_and_comment_gone(self, tagged):
        out, _ = process_photo(tagged)
        info = decode(out).info
        assert "icc_profile" not in info and "comment" not in info and "xmp" not in info
        assert COMMENT not in out and b"ZF-XMP-PACKET" not in out and b"ICC_PROFILE" not in out

    def test_png_text_chunks_gone(self):
        from PIL.PngImagePlugin import PngInfo

        meta = PngInfo()
        meta.add_text("Comment", "ZF-PNG-TEXT")
        out, _ = process_photo(encode(photo((200, 200)), "PNG", pnginfo=meta))
        assert b"ZF-PNG-TEXT" not in out

    def test_bytes_appended_after_the_image_are_dropped(self):
        payload = b"<script>alert('zf-polyglot')</script>"
        out, _ = process_photo(encode(photo((200, 200)), "JPEG") + payload)
        assert b"zf-polyglot" not in out


class TestOrientation:
    def test_exif_orientation_applied(self):
        im = Image.new("RGB", (200, 100), "red")
        im.paste("blue", (100, 0, 200, 100))  # left half red, right half blue
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = 6  # camera held sideways: show rotated 90° clockwise
        out = decode(process_photo(encode(im, "JPEG", exif=exif, quality=95))[0])
        assert out.size == (100, 200)
        top, bottom = out.getpixel((50, 20)), out.getpixel((50, 180))
        assert top[0] > 200 and top[2] < 60  # red on top
        assert bottom[2] > 200 and bottom[0] < 60  # blue at the bottom
        assert ExifTags.Base.Orientation not in out.getexif()


class TestTransparency:
    def test_png_alpha_flattens_onto_white(self):
        im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent black
        im.paste((200, 0, 0, 255), (25, 25, 75, 75))
        out = decode(process_photo(encode(im, "PNG"))[0])
        assert out.mode == "RGB"
        assert all(c > 245 for c in out.getpixel((3, 3)))  # white, not black
        r, g, b = out.getpixel((50, 50))
        assert r > 180 and g < 40 and b < 40

    def test_palette_transparency_flattens_onto_white(self):
        im = Image.new("P", (60, 60), 0)
        im.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
        im.paste(1, (20, 20, 40, 40))
        out = decode(process_photo(encode(im, "GIF", transparency=0))[0])
        assert all(c > 245 for c in out.getpixel((3, 3)))
        assert out.getpixel((30, 30))[1] > 100


class TestRefusals:
    def test_over_five_megabytes_refused_before_decoding(self):
        assert refusal(b"\xff\xd8\xff" + b"\0" * MAX_UPLOAD_BYTES) == TOO_LARGE

    def test_exactly_five_megabytes_is_not_refused_for_size(self):
        assert refusal(b"\0" * MAX_UPLOAD_BYTES) == NOT_AN_IMAGE

    @pytest.mark.parametrize("data", [
        pytest.param(b"", id="empty"),
        pytest.param("这是一段文字，不是照片。\n".encode(), id="text"),
        pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                     b'<script>alert(1)</script><rect width="10" height="10"/></svg>', id="svg"),
        pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", id="pdf"),
        pytest.param(b"<html><body><script>alert(1)</script></body></html>", id="html"),
    ])
    def test_not_an_image(self, data):
        assert refusal(data) == NOT_AN_IMAGE

    @pytest.mark.parametrize("prefix", [b"%PDF-1.4\n", b"<html><script>alert(1)</script>"])
    def test_polyglot_with_another_format_in_front_refused(self, prefix):
        assert refusal(prefix + encode(photo((64, 64)), "JPEG")) == NOT_AN_IMAGE

    @pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
    def test_truncated_file_refused(self, fmt):
        assert not ImageFile.LOAD_TRUNCATED_IMAGES
        data = encode(photo((400, 300)), fmt)
        assert refusal(data[: len(data) // 2]) == NOT_AN_IMAGE

    @pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
    def test_other_real_image_formats_refused(self, fmt):
        assert refusal(encode(photo((64, 64)), fmt)) == NOT_AN_IMAGE


class TestDecompressionBombs:
    @pytest.fixture
    def no_decoding(self, monkeypatch):
        calls = []
        original = ImageFile.ImageFile.load

        def spy(im):
            calls.append(im.size)
            return original(im)

        monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
        yield
        assert calls == [], "pixels were decoded before the size was refused"

    def test_real_bomb_refused_without_decoding(self, no_decoding):
        # 10000×10000 one-bit pixels: ~12 KB on disk, 300 MB once decoded to RGB.
        bomb = encode(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)
        assert len(bomb) < 50_000
        assert refusal(bomb) == TOO_MANY_PIXELS

    def test_header_claiming_30000_square_refused(self, no_decoding):
        assert refusal(png_declaring(30_000, 30_000)) == TOO_MANY_PIXELS

    def test_our_cap_is_below_pillows_default(self, no_decoding):
        # 48 megapixels: Pillow alone would open this without a warning; the shop refuses it.
        assert Image.MAX_IMAGE_PIXELS > 8000 * 6000
        assert refusal(png_declaring(8000, 6000)) == TOO_MANY_PIXELS


class TestDemoPhotos:
    def test_every_demo_good_has_a_small_clean_photo(self):
        import json
        from pathlib import Path

        assets = Path(__file__).resolve().parents[2] / "app" / "demo_assets"
        goods = json.loads((assets / "goods.json").read_text("utf-8"))
        assert len(goods) == 12 and any(g["stock"] <= 5 for g in goods)
        for good in goods:
            data = (assets / "goods" / f"{good['slug']}.jpg").read_bytes()
            im = decode(data)
            assert im.format == "JPEG" and im.size == (480, 480) and len(data) < 40_000
            assert len(im.getexif()) == 0
            assert good["points_price"] > 0 and 2 <= good["stock"] <= 50
