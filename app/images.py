"""Every uploaded photo (goods, evaluation evidence, service orders, disclosure attachments): check it by its content,
refuse bombs, strip metadata, re-encode as a small JPEG.

Whatever the client says the file is named or typed, only the bytes decide. The output is a fresh image holding
pixels only: no EXIF (GPS, camera), ICC profile, XMP or comment survives, and anything appended to the original
file (a polyglot's second payload) is gone because nothing of the original file is copied.

Memory stays bounded: a JPEG (what phone cameras write) is decoded at reduced scale (draft), up to 40 megapixels;
formats decoded at full size (PNG, WebP, GIF) are refused above 12 megapixels, at most two photos are decoded at
once, and the picture is shrunk before anything else copies it. Callers run this outside the database's writer.
"""

import io
import threading
import warnings

from PIL import Image, ImageOps

from app.errors import TooLarge, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # JPEG, decoded at 1/2..1/8 scale
MAX_FULL_DECODE_PIXELS = 12_000_000  # PNG, WebP, GIF: decoded at full size (12 MP RGBA = 48 MB)
_DECODING = threading.BoundedSemaphore(2)  # photos decoded at the same time
THUMBNAIL_SIZE = (480, 480)
JPEG_QUALITY = 80
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Phones write multi-picture JPEGs; Pillow opens them through the JPEG plugin and names them MPO.
_DECODED_FORMATS = {*ACCEPTED_FORMATS, "MPO"}
_BACKGROUND = (255, 255, 255)

TOO_LARGE = "照片不能超过 5 MB，请选择小一些的照片"
NOT_AN_IMAGE = "不是有效的图片，请选择 JPG、PNG 或 WebP 照片"
TOO_MANY_PIXELS = "图片尺寸过大"


Photo = tuple[bytes, str]  # the JPEG bytes and their content type


def process_photo(data: bytes, size: tuple[int, int] = THUMBNAIL_SIZE) -> Photo:
    """Turn an uploaded photo into a metadata-free JPEG of at most `size`; return (bytes, content type)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(TOO_LARGE)
    if not data:
        raise ValidationFailed(NOT_AN_IMAGE)
    with _DECODING, _open_checked(data) as im:
        try:
            im.draft("RGB", size)  # JPEG only: decode at 1/2..1/8 scale, far less memory
            im.load()
            if im.mode in ("P", "1"):  # palettes shrink only pixel by pixel: make them true colour first
                im = im.convert("RGBA")
            im.thumbnail(size, Image.Resampling.LANCZOS)  # shrink in place before any copy is made
            clean = _flatten(_upright(im))
        except Exception as exc:  # truncated or corrupt pixel data surfaces as many exception kinds
            raise ValidationFailed(NOT_AN_IMAGE) from exc
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue(), "image/jpeg"


def shrink_clean_jpeg(data: bytes, size: tuple[int, int]) -> bytes:
    """A smaller copy of a photo this module already made (clean, RGB JPEG): a thumbnail for lists."""
    with _DECODING, Image.open(io.BytesIO(data), formats=("JPEG",)) as im:
        im.draft("RGB", size)
        im.thumbnail(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _open_checked(data: bytes) -> Image.Image:
    """Identify the format from the header and refuse anything too large before a pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationFailed(TOO_MANY_PIXELS) from exc
    except Exception as exc:  # Pillow raises many kinds for bytes that are not an image it accepts
        raise ValidationFailed(NOT_AN_IMAGE) from exc
    width, height = im.size
    if im.format not in _DECODED_FORMATS or width < 1 or height < 1:
        im.close()
        raise ValidationFailed(NOT_AN_IMAGE)
    cap = MAX_PIXELS if im.format in ("JPEG", "MPO") else MAX_FULL_DECODE_PIXELS
    if width * height > cap:
        im.close()
        raise ValidationFailed(TOO_MANY_PIXELS)
    return im


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a photo with unreadable EXIF is kept as it is."""
    try:
        return ImageOps.exif_transpose(im) or im
    except Exception:  # broken EXIF must not refuse a photo whose pixels are fine
        return im


def _flatten(im: Image.Image) -> Image.Image:
    """Copy the pixels onto a fresh RGB canvas, transparency over white, so no metadata can follow."""
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    canvas = Image.new("RGB", im.size, _BACKGROUND)
    if has_alpha:
        rgba = im.convert("RGBA")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
    else:
        canvas.paste(im.convert("RGB"))
    return canvas
