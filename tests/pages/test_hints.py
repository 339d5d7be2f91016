"""No text points at a button that is not there (issue #18 item 5): for each role, every page it can open from the
tab bar, 首页 and 我的 (and one step further), each hint that tells the reader to tap something — 点“…”, 点击「…」,
请点… — names a button or link on that same page (its htmx fragments included). A hint that says where the button
is instead (村民在“服务”里点“…”, 在自己的手机上点“…”) points at another page and is not checked here.
SQLite only: markup."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest

from app.org.models import Role
from tests.conftest import add_person
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
# The demo's people, a county admin, and an official of 邻村 (a village with little in it yet: its empty states).
ADDED = {"county_admin": ("13900000190", "县管理员", Role.county_admin, "振风县"),
         "neighbour_official": ("13900000191", "邻村书记", Role.official, "邻村")}
ROLES = ["villager", "official", "attendant", "volunteer", "committee", "town_admin", "neighbour", *ADDED]
QUOTED = "“「\"『"
HINT = re.compile(r"(?P<before>.?)(?:点击|轻点|请点|点)(?:一下)?(?:上方|下方|上面|下面|右上角|左上角|页面下方)?的?"
                  r"[“「\"『](?P<label>[^”」\"』]{1,20})[”」\"』]"
                  r"|请点(?:击)?(?P<bare>[^，。；、：\s“「\"『]{1,8})[。，；！]"
                  # 在上方“进货”…, 在下面的“各月评比”里…: a part of this page, by its button or its heading
                  r"|在(?:上方|下方|上面|下面|页面下方)的?[“「\"『](?P<place>[^”」\"』]{1,20})[”」\"』]")
ELSEWHERE = ("里", "上", "中")  # 在“服务”里点“…”, 在自己的手机上点“…”: the hint names another place
SKIP = re.compile(r"^/(static|media|api|docs|logout|openapi)|\.(xlsx|jpg|jpeg|png|pdf|csv)(\?|$)|/photo")
MAX_PAGES = 120


class Page(HTMLParser):
    """The text a reader sees, the labels of what they can tap, the links to follow, the fragments htmx loads."""

    TAPPABLE = {"a", "button", "summary", "label"}
    HEADINGS = {"h1", "h2", "h3", "legend"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tappable: list[str] = []
        self.headings: list[str] = []
        self.links: list[str] = []
        self.fragments: list[str] = []
        self._open: list[list[str]] = []  # the text of each tappable element still open
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("hx-get") and "load" in (attrs.get("hx-trigger") or ""):
            self.fragments.append(attrs["hx-get"])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.tappable.append(attrs["value"])
        if tag in self.TAPPABLE | self.HEADINGS:
            self._open.append([])
            if attrs.get("aria-label"):
                self.tappable.append(attrs["aria-label"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        if tag in self.TAPPABLE | self.HEADINGS and self._open:
            text = " ".join("".join(self._open.pop()).split())
            (self.tappable if tag in self.TAPPABLE else self.headings).append(text)

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        for parts in self._open:
            parts.append(data)


def hints(text: str) -> list[tuple[str, bool]]:
    """What the text tells the reader to tap on this page, and whether it names a part of the page (a heading does)
    rather than a button."""
    found = []
    for match in HINT.finditer(text):
        if match.group("place"):
            found.append((match.group("place"), True))
        elif match.group("before") not in ELSEWHERE:
            found.append((match.group("label") or match.group("bare"), False))
    return found


def page_key(url: str) -> str:
    """One visit per kind of page: ids folded, the village switched to kept (its empty states differ)."""
    parts = urlsplit(url)
    query = sorted((k, v if k == "village_id" else "") for k, v in parse_qsl(parts.query) if k != "cursor")
    return re.sub(r"/\d+", "/N", parts.path) + "?" + urlencode(query)


def local(base: str, href: str) -> str | None:
    """A link of this site to follow (the village switch's `?village_id=` ones too), without its #fragment."""
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver") or SKIP.search(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(web, depth: int = 2) -> dict[str, list[str]]:
    """From 首页, 我的 and the tab bar, `depth` taps deep: page → the hints on it that name nothing there."""
    missing: dict[str, list[str]] = {}
    seen: set[str] = set()
    frontier = ["/", "/me"]
    for level in range(depth + 1):
        following = []
        for url in frontier:
            if page_key(url) in seen or len(seen) >= MAX_PAGES:
                continue
            seen.add(page_key(url))
            r = web.get(url)
            if r.status_code in (301, 302, 303, 307):
                following.append(r.headers["location"])
                continue
            if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
                continue
            page = Page()
            page.feed(r.text)
            for fragment in page.fragments:
                page.feed(web.get(fragment).text)
            wrong = [name for name, part in hints("".join(page.text))
                     if not any(name in label for label in page.tappable + (page.headings if part else []))]
            if wrong:
                missing[url] = wrong
            if level < depth:
                following += [link for link in (local(url, href) for href in page.links) if link]
        frontier = following
    return missing


def test_the_hint_finder_finds_what_it_should():
    assert hints("还没有点过单。点上方“我要点单”，选一项服务就行。") == [("我要点单", False)]
    assert hints("上门或打电话告诉他们后，点“已告知”。没有反应请点「上传照片」") == [
        ("已告知", False), ("上传照片", False)]
    assert hints("不是您本人在兑换，请点拒绝。") == [("拒绝", False)]
    assert hints("还没有库存记录。在上方“进货”登记第一批货。请在下面的“各月评比”里打开。") == [
        ("进货", True), ("各月评比", True)]
    assert hints("村民在“服务”里点“申请当志愿者”提交后，会出现在这里。") == []
    assert hints("请村民在自己的手机上点“确认”。我要点单") == []
    page = Page()
    page.feed('<p>点“登记农户”开始</p><a href="/x">登记<b>农户</b></a><script>var s="点“假的”"</script>'
              '<button aria-label="关闭">×</button><div hx-get="/f" hx-trigger="load"></div><h2>各月评比</h2>')
    assert hints("".join(page.text)) == [("登记农户", False)] and {"登记农户", "关闭", "×"} <= set(page.tappable)
    assert page.headings == ["各月评比"] and "各月评比" not in page.tappable
    assert page.links == ["/x"] and page.fragments == ["/f"]
    assert local("/disclosures?category=party", "?village_id=4") == "/disclosures?village_id=4"
    assert local("/x", "/static/app.css") is None and local("/x", "https://example.com/") is None
    assert page_key("/households/12?cursor=abc&village_id=3&q=x") == "/households/N?q=&village_id=3"


@pytest.mark.parametrize("who", ROLES)
def test_every_hint_names_a_button_on_its_page(web, web_engine, who):
    if who in ADDED:
        phone, name, role, unit = ADDED[who]
        who = add_person(web_engine, phone=phone, name=name, role=role, unit=unit)
    sign_in(web, who)
    assert walk(web) == {}
