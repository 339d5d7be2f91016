"""Draw the demo shop's goods photos: flat illustrations with the Chinese name underneath.

Run `.venv/bin/python scripts/make_demo_photos.py`. Each picture is drawn at twice the size, scaled down for smooth
edges, then passed through the same `process_photo` an upload goes through, and written to
app/demo_assets/goods/<slug>.jpg.
"""

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.images import process_photo  # noqa: E402

OUT_DIR = ROOT / "app" / "demo_assets" / "goods"
GOODS_JSON = ROOT / "app" / "demo_assets" / "goods.json"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_SC = 2  # index of Simplified Chinese in the collection
SIZE = 480
S = SIZE * 2  # drawing scale
INK = (52, 58, 64)
WHITE = (255, 255, 255)

Box = tuple[int, int, int, int]
Draw = ImageDraw.ImageDraw


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=FONT_SC)


def centred_text(d: Draw, xy: tuple[int, int], text: str, size: int, fill) -> None:
    d.text(xy, text, font=font(size), fill=fill, anchor="mm")


def shadow(img: Image.Image, box: Box) -> None:
    """A soft oval shadow on the floor under the product."""
    layer = Image.new("L", img.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=70)
    layer = layer.filter(ImageFilter.GaussianBlur(18))
    img.paste((0, 0, 0), mask=layer)


def shine(d: Draw, box: Box, radius: int = 20) -> None:
    """A white gloss streak."""
    d.rounded_rectangle(box, radius, fill=(255, 255, 255, 90))


# ── the products ─────────────────────────────────────────────────────────────────────────────────────────────────

def rice(img: Image.Image, d: Draw) -> None:
    shadow(img, (250, 650, 710, 730))
    cloth, fold = (246, 238, 214), (228, 216, 182)
    d.polygon([(390, 270), (570, 270), (630, 140), (590, 160), (550, 135), (510, 158), (470, 132), (430, 158),
               (390, 136), (330, 150)], fill=fold)  # gathered top
    d.polygon([(385, 280), (575, 280), (720, 620), (240, 620)], fill=cloth)
    d.rounded_rectangle((240, 560, 720, 690), 50, fill=cloth)
    d.rounded_rectangle((370, 252, 590, 292), 18, fill=(196, 64, 52))  # the tie
    d.rounded_rectangle((320, 350, 640, 600), 26, fill=(204, 62, 50))
    d.ellipse((405, 395, 555, 470), fill=WHITE)  # a bowl of rice
    d.pieslice((395, 400, 565, 520), 0, 180, fill=(64, 120, 196))
    centred_text(d, (480, 560), "5kg", 52, WHITE)
    for x, y in [(250, 700), (300, 715), (640, 708), (700, 690), (680, 720)]:
        d.ellipse((x, y, x + 22, y + 12), fill=(250, 248, 238), outline=(220, 210, 180), width=2)


def oil(img: Image.Image, d: Draw) -> None:
    shadow(img, (260, 650, 700, 730))
    d.rounded_rectangle((420, 120, 520, 190), 14, fill=(214, 48, 49))  # cap
    d.rectangle((440, 180, 500, 230), fill=(240, 196, 60))
    d.rounded_rectangle((540, 180, 680, 360), 50, outline=(232, 184, 48), width=34)  # handle
    d.rounded_rectangle((280, 220, 680, 700), 70, fill=(246, 200, 56))
    shine(d, (310, 260, 350, 640))
    d.rounded_rectangle((320, 380, 640, 590), 24, fill=(46, 139, 87))
    d.ellipse((370, 410, 450, 490), fill=(250, 220, 60))  # rapeseed flower
    d.ellipse((400, 395, 420, 415), fill=(250, 220, 60))
    centred_text(d, (550, 450), "5L", 72, WHITE)
    centred_text(d, (480, 545), "压榨一级", 40, (235, 245, 235))


def flour(img: Image.Image, d: Draw) -> None:
    shadow(img, (260, 650, 700, 730))
    d.rectangle((290, 200, 670, 690), fill=(250, 247, 240))
    zig = [(290, 200)] + [(290 + i * 38, 160 if i % 2 else 200) for i in range(1, 11)] + [(670, 200)]
    d.polygon(zig, fill=(236, 230, 216))
    d.rectangle((290, 660, 670, 690), fill=(228, 220, 200))
    d.rounded_rectangle((330, 290, 630, 600), 30, fill=(64, 120, 196))
    d.line((480, 560, 480, 340), fill=(246, 214, 120), width=10)  # wheat ear
    for i in range(5):
        y = 360 + i * 40
        d.ellipse((436, y, 476, y + 30), fill=(246, 214, 120))
        d.ellipse((484, y, 524, y + 30), fill=(246, 214, 120))
    d.ellipse((462, 320, 498, 360), fill=(246, 214, 120))
    shine(d, (300, 220, 320, 640), 8)


def salt(img: Image.Image, d: Draw) -> None:
    shadow(img, (280, 620, 680, 700))
    body = (56, 128, 206)
    d.rounded_rectangle((300, 210, 660, 650), 30, fill=body)
    for edge in (200, 640):
        d.rectangle((300, edge, 660, edge + 24), fill=(40, 104, 178))
        for x in range(300, 660, 20):
            d.line((x, edge, x, edge + 24), fill=(90, 152, 220), width=4)
    d.ellipse((360, 290, 600, 530), fill=WHITE)
    for x, y in [(430, 370), (500, 350), (470, 430), (530, 440), (410, 450)]:
        d.regular_polygon((x, y, 26), 4, rotation=45, fill=(176, 206, 236))
    centred_text(d, (480, 585), "加碘", 48, WHITE)
    shine(d, (320, 250, 340, 610), 8)


def soy_sauce(img: Image.Image, d: Draw) -> None:
    shadow(img, (330, 660, 630, 730))
    glass = (92, 46, 28)
    d.rounded_rectangle((440, 100, 520, 150), 10, fill=(200, 40, 40))  # cap
    d.rectangle((450, 145, 510, 250), fill=glass)
    d.polygon([(450, 240), (510, 240), (600, 340), (360, 340)], fill=glass)
    d.rounded_rectangle((360, 320, 600, 700), 36, fill=glass)
    d.rounded_rectangle((372, 400, 588, 600), 16, fill=(252, 240, 214))
    d.rectangle((372, 420, 588, 440), fill=(200, 40, 40))
    d.rectangle((372, 560, 588, 580), fill=(200, 40, 40))
    centred_text(d, (480, 500), "生抽", 64, (150, 40, 30))
    shine(d, (385, 340, 405, 680), 10)


def detergent(img: Image.Image, d: Draw) -> None:
    shadow(img, (250, 650, 710, 730))
    d.rounded_rectangle((410, 120, 550, 240), 30, outline=(210, 60, 90), width=22)  # handle
    d.rounded_rectangle((260, 200, 700, 690), 34, fill=(40, 150, 220))
    d.polygon([(260, 520), (700, 420), (700, 690), (260, 690)], fill=(28, 118, 190))
    d.pieslice((300, 260, 660, 620), 200, 340, fill=WHITE)  # swirl
    d.ellipse((380, 340, 580, 540), fill=(40, 150, 220))
    for x, y, r in [(330, 300, 30), (620, 290, 22), (560, 560, 40), (350, 600, 26), (640, 620, 18)]:
        d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 170))
    centred_text(d, (480, 445), "2kg", 60, WHITE)


def soap(img: Image.Image, d: Draw) -> None:
    shadow(img, (230, 560, 730, 650))
    d.rounded_rectangle((230, 350, 730, 610), 110, fill=(222, 120, 150))  # side
    d.rounded_rectangle((230, 310, 730, 560), 110, fill=(246, 166, 190))  # top
    d.rounded_rectangle((330, 370, 630, 500), 60, outline=(224, 130, 160), width=10)
    shine(d, (290, 340, 450, 362), 11)
    for x, y, r in [(300, 220, 46), (390, 160, 30), (640, 230, 54), (560, 150, 24), (720, 300, 22)]:
        d.ellipse((x - r, y - r, x + r, y + r), fill=(200, 232, 250), outline=(150, 200, 236), width=6)
        d.ellipse((x - r // 2, y - r // 2, x - r // 6, y - r // 6), fill=WHITE)


def toothpaste(img: Image.Image, d: Draw) -> None:
    shadow(img, (170, 520, 790, 600))
    d.polygon([(250, 320), (720, 290), (720, 570), (250, 540)], fill=WHITE, outline=(200, 206, 214))
    d.rectangle((700, 280, 740, 580), fill=(214, 220, 228))  # crimped end
    for y in range(290, 580, 18):
        d.line((700, y, 740, y), fill=(190, 198, 208), width=4)
    d.polygon([(250, 380), (720, 360), (720, 440), (250, 450)], fill=(220, 50, 60))
    d.polygon([(250, 450), (720, 440), (720, 480), (250, 480)], fill=(40, 110, 200))
    d.rounded_rectangle((150, 360, 256, 500), 18, fill=(40, 110, 200))  # cap
    for y in range(372, 490, 16):
        d.line((160, y, 246, y), fill=(70, 140, 220), width=4)
    centred_text(d, (480, 520), "薄荷清新", 40, (40, 110, 200))
    d.text((380, 330), "牙膏", font=font(40), fill=(220, 50, 60), anchor="lm")


def towel(img: Image.Image, d: Draw) -> None:
    shadow(img, (220, 630, 740, 710))
    layers = [((240, 520, 720, 660), (120, 186, 170)), ((260, 390, 700, 530), (246, 196, 120)),
              ((280, 260, 680, 400), (236, 130, 120))]
    for (x0, y0, x1, y1), colour in layers:
        d.rounded_rectangle((x0, y0, x1, y1), 40, fill=colour)
        band = tuple(min(255, c + 50) for c in colour)
        d.rectangle((x0 + 60, y0 + 18, x0 + 110, y1 - 18), fill=band)
        d.rectangle((x1 - 110, y0 + 18, x1 - 60, y1 - 18), fill=band)
        d.line((x0 + 30, y1 - 10, x1 - 30, y1 - 10), fill=tuple(c - 30 for c in colour), width=6)


def toilet_paper(img: Image.Image, d: Draw) -> None:
    shadow(img, (220, 640, 740, 720))

    def roll(cx: int, top: int, w: int = 190, h: int = 210) -> None:
        x0, x1 = cx - w // 2, cx + w // 2
        d.rectangle((x0, top + 30, x1, top + h), fill=(244, 246, 250))
        d.ellipse((x0, top + h - 30, x1, top + h + 30), fill=(244, 246, 250))
        d.line((x0, top + 30, x0, top + h), fill=(206, 212, 222), width=4)
        d.line((x1, top + 30, x1, top + h), fill=(206, 212, 222), width=4)
        d.ellipse((x0, top, x1, top + 60), fill=WHITE, outline=(206, 212, 222), width=4)
        d.ellipse((cx - 36, top + 16, cx + 36, top + 44), fill=(196, 168, 128))
        d.line((x0 + 20, top + 120, x1 - 20, top + 120), fill=(170, 200, 236), width=8)

    roll(380, 190)
    roll(580, 190)
    roll(280, 420)
    roll(480, 420)
    roll(680, 420)


def dish_soap(img: Image.Image, d: Draw) -> None:
    shadow(img, (320, 660, 640, 730))
    d.rounded_rectangle((440, 100, 520, 180), 16, fill=(250, 250, 250), outline=(200, 200, 200), width=4)
    d.rectangle((466, 70, 494, 110), fill=(250, 250, 250), outline=(200, 200, 200), width=4)
    d.polygon([(420, 170), (540, 170), (600, 260), (360, 260)], fill=(96, 196, 110))
    d.rounded_rectangle((350, 240, 610, 700), 60, fill=(96, 196, 110))
    shine(d, (372, 280, 396, 660), 12)
    d.rounded_rectangle((380, 380, 580, 600), 26, fill=(255, 250, 230))
    d.ellipse((420, 410, 540, 510), fill=(250, 210, 40))  # lemon
    d.ellipse((520, 440, 556, 470), fill=(250, 210, 40))
    d.ellipse((470, 395, 510, 415), fill=(80, 170, 80))
    centred_text(d, (480, 555), "柠檬", 44, (60, 140, 70))


def eggs(img: Image.Image, d: Draw) -> None:
    shadow(img, (180, 610, 780, 700))
    tray = (206, 180, 140)
    d.rounded_rectangle((180, 440, 780, 650), 30, fill=tray)
    for i in range(5):
        x = 240 + i * 120
        d.ellipse((x - 56, 450, x + 56, 520), fill=(186, 158, 116))
    positions = [(240 + i * 120, 420 - (i % 2) * 12) for i in range(5)]
    positions += [(300 + i * 120, 300 - (i % 2) * 10) for i in range(4)]
    for n, (x, y) in enumerate(sorted(positions, key=lambda p: p[1])):
        shell = (244, 214, 180) if n % 3 else (250, 236, 216)
        d.ellipse((x - 52, y - 70, x + 52, y + 66), fill=shell, outline=(220, 186, 150), width=3)
        d.ellipse((x - 30, y - 50, x - 8, y - 14), fill=(255, 255, 255, 140))
    d.rectangle((180, 540, 780, 560), fill=(190, 162, 120))


# ── assembly ─────────────────────────────────────────────────────────────────────────────────────────────────────

GOODS: list[tuple[str, str, str, Callable[[Image.Image, Draw], None]]] = [
    # slug, label under the picture, background
    ("rice", "大米", "#FFF6E5", rice),
    ("oil", "菜籽油", "#FFF8DC", oil),
    ("flour", "面粉", "#EEF4FB", flour),
    ("salt", "食盐", "#EAF6F6", salt),
    ("soy-sauce", "酱油", "#FBEFE6", soy_sauce),
    ("detergent", "洗衣粉", "#E8F4FD", detergent),
    ("soap", "香皂", "#FDF0F4", soap),
    ("toothpaste", "牙膏", "#EDF5FF", toothpaste),
    ("towel", "毛巾", "#F3F7EC", towel),
    ("toilet-paper", "卫生纸", "#EEF1F7", toilet_paper),
    ("dish-soap", "洗洁精", "#F1FAEC", dish_soap),
    ("eggs", "鸡蛋", "#FDF5E8", eggs),
]


def draw(label: str, background: str, painter: Callable[[Image.Image, Draw], None]) -> Image.Image:
    """One picture: product above, its name in large type below."""
    img = Image.new("RGB", (S, S), background)
    painter(img, ImageDraw.Draw(img, "RGBA"))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((300, 770, 660, 900), 60, fill=WHITE)
    centred_text(d, (480, 830), label, 92, INK)
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    known = {g["slug"] for g in json.loads(GOODS_JSON.read_text("utf-8"))} if GOODS_JSON.exists() else None
    for slug, label, background, painter in GOODS:
        if known is not None and slug not in known:
            raise SystemExit(f"{slug} is not in {GOODS_JSON.name}")
        raw = io.BytesIO()
        draw(label, background, painter).save(raw, "PNG")
        data, _ = process_photo(raw.getvalue())
        (OUT_DIR / f"{slug}.jpg").write_bytes(data)
        print(f"{slug:14} {len(data) / 1024:5.1f} KB")


if __name__ == "__main__":
    main()
