"""消息 pages (markup; SQLite): the list on 我的 with its count, the tab's badge, opening marks read, one's own
messages only, the empty state, user text as text; 首页's 待办 for the village's staff."""

import re

import pytest

from app.db import session_for
from app.inbox.service import notify
from tests.conftest import DEMO, add_person
from tests.inbox.helpers import user_id

pytestmark = pytest.mark.sqlite_only


def page(api, who, path, status=200):
    r = api.client.get(path, headers=api.headers(who), follow_redirects=False)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    return r


def tell(engine, who: str, text: str, link: str = "/points", kind: str = "award") -> None:
    with session_for(engine, write=True) as s:
        notify(s, kind=kind, text=text, link=link, user_ids=[user_id(engine, DEMO.get(who, who))])
        s.commit()


def test_me_shows_messages_with_the_unread_count_and_the_tab_its_badge(api, demo_engine):
    tell(demo_engine, "neighbour", "积分到账 +3 分：扫雪")
    tell(demo_engine, "neighbour", "积分到账 +5 分：修桥")
    me = page(api, "neighbour", "/me").text
    assert re.search(r'href="/messages" id="me-messages">消息 <span class="count-badge">2</span>', me)
    assert 'hx-get="/messages/badge"' in me
    badge = page(api, "neighbour", "/messages/badge").text
    assert badge.startswith('<span class="tab-badge">2<span class="sr-only">条未读消息')


def test_opening_the_list_shows_newest_first_unread_marked_then_all_read(api, demo_engine):
    tell(demo_engine, "neighbour", "第一条", kind="award")
    tell(demo_engine, "neighbour", "第二条", kind="question_answer", link="/disclosures")
    html = page(api, "neighbour", "/messages").text
    assert html.index("第二条") < html.index("第一条")
    assert html.count(">未读<") == 2 and "问题答复" in html and "积分到账" in html
    assert page(api, "neighbour", "/messages/badge").text == "<span hidden></span>"
    again = page(api, "neighbour", "/messages").text
    assert ">未读<" not in again and "第二条" in again
    assert "count-badge" not in page(api, "neighbour", "/me").text


def test_opening_one_message_marks_it_read_and_goes_to_its_thing(api, demo_engine):
    tell(demo_engine, "neighbour", "去看公开", link="/disclosures/1#questions")
    tell(demo_engine, "neighbour", "另一条")
    html = page(api, "neighbour", "/me").text
    assert 'class="count-badge">2<' in html
    from sqlmodel import select

    from app.inbox.models import Message
    with session_for(demo_engine, write=False) as s:
        first = s.exec(select(Message).where(Message.text == "去看公开")).one().id
    r = page(api, "neighbour", f"/messages/{first}", status=303)
    assert r.headers["location"] == "/disclosures/1#questions"
    assert 'class="count-badge">1<' in page(api, "neighbour", "/me").text
    # Another person's message is not there for anyone else, whatever their role.
    for who in ("villager", "official", "town_admin"):
        page(api, who, f"/messages/{first}", status=404)
    page(api, "neighbour", "/messages/999999999", status=404)
    page(api, "neighbour", "/messages/99999999999999999999999", status=404)  # beyond 64 bits: not there either


def test_a_link_off_the_site_is_never_followed(api, demo_engine):
    tell(demo_engine, "neighbour", "坏链接", link="//evil.example/x")
    from sqlmodel import select

    from app.inbox.models import Message
    with session_for(demo_engine, write=False) as s:
        mid = s.exec(select(Message.id).where(Message.text == "坏链接")).one()
    assert page(api, "neighbour", f"/messages/{mid}", status=303).headers["location"] == "/messages"


def test_the_list_is_ones_own_and_user_text_is_text(api, demo_engine):
    tell(demo_engine, "neighbour", "<script>alert(1)</script>邻居的")
    html = page(api, "neighbour", "/messages").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;邻居的" in html and "<script>alert(1)" not in html
    assert "邻居的" not in page(api, "villager", "/messages").text


def test_the_empty_list_says_what_comes_here(api, demo_engine):
    phone = add_person(demo_engine, phone="13800000077", name="新来的", role="villager", unit="示范村")
    html = page(api, phone, "/messages").text
    assert 'id="inbox-empty"' in html and "答复您的提问和异议" in html and "积分到账" in html
    assert "count-badge" not in page(api, phone, "/me").text


def test_the_officials_home_counts_what_waits_for_him(api):
    card = page(api, "official", "/messages/home-card").text
    rows = dict(re.findall(r'id="waiting-(\w+)"><span>[^<]+</span><span class="pts[^"]*">(\d+)<', card))
    assert rows["undispatched"] == "2" and rows["overdue"] == "1" and rows["objections"] == "0"
    assert 'href="/evaluation/awards"' in card and 'href="/service/board?village_id=' in card
    assert 'hx-get="/messages/home-card"' in page(api, "official", "/").text


def test_the_town_admin_sees_each_village(api):
    card = page(api, "town_admin", "/messages/home-card").text
    assert 'id="waiting-villages"' in card and "示范村" in card and "邻村" in card
    row = re.search(r"示范村</a></th>\s*<td>(\d+)</td><td>.*?</td>\s*<td>(\d+)</td><td[^>]*>(\d+)</td>", card, re.S)
    assert row and row.groups() == ("0", "2", "1")
    assert "/service/board" not in card  # the board is the station's: no link he could not follow


def test_home_shows_the_newest_unread_message_and_villagers_no_staff_figures(api, demo_engine):
    tell(demo_engine, "neighbour", "最新的一条", link="/points")
    card = page(api, "neighbour", "/messages/home-card").text
    assert 'id="home-message"' in card and "最新的一条" in card and 'id="home-waiting"' not in card
    assert 'hx-get="/messages/home-card"' in page(api, "neighbour", "/").text
    page(api, "neighbour", "/messages")
    assert page(api, "neighbour", "/messages/home-card").text == "<span hidden></span>"


def test_the_api_lists_ones_own_and_marks_them_read(api, demo_engine):
    tell(demo_engine, "neighbour", "接口里的消息", link="/points")
    got = api.get("/me/messages", "neighbour").json()
    assert got["unread"] >= 1 and got["items"][0]["text"] == "接口里的消息"
    assert got["items"][0]["kind_label"] == "积分到账" and got["items"][0]["read_at"] is None
    assert "接口里的消息" not in str(api.get("/me/messages", "villager").json())
    assert api.post("/me/messages/read", "neighbour").json()["marked"] == got["unread"]
    assert api.get("/me/messages", "neighbour").json()["unread"] == 0
    assert api.post("/me/messages/read", "neighbour").json()["marked"] == 0
