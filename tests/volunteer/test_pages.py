"""服务 pages (markup; SQLite): the tab for each role, 点单 by form, each step by form, the board's overdue flags,
the record of service, the badge, user text shown as text."""

import re

import pytest
from sqlmodel import select

from app.db import session_for
from app.volunteer.models import ServiceOrder, ServiceOrderEvent
from tests.shop.test_goods_api import jpeg_bytes
from tests.volunteer.conftest import SECOND_VOLUNTEER, age_order, demo_order

pytestmark = pytest.mark.sqlite_only


def page(api, who, path):
    r = api.client.get(path, headers=api.headers(who))
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.text


def post(api, who, path, data=None, files=None):
    return api.client.post(path, headers=api.headers(who), data=data or {}, files=files, follow_redirects=False)


def test_the_tab_bar_has_service_with_its_badge(api):
    html = page(api, "villager", "/")
    assert 'href="/service"' in html and "服务" in html and 'hx-get="/service/badge"' in html
    badge = page(api, "volunteer", "/service/badge")  # 家电维修 was sent to 李志愿
    assert badge.startswith('<span class="tab-badge">') and "条待处理" in badge
    assert page(api, "neighbour", "/service/badge") == "<span hidden></span>"


def test_the_hub_for_each_role(api):
    villager = page(api, "villager", "/service")
    assert "我要点单" in villager and "理发" in villager and "已评价" in villager
    volunteer = page(api, "volunteer", "/service")
    assert "派给我的" in volunteer and "家电维修" in volunteer and "可以抢的单" in volunteer
    assert "代购药品" in volunteer and "陪同就医" in volunteer
    assert "派单看板" in page(api, "official", "/service")


def test_the_menu_links_to_ordering(api):
    html = page(api, "villager", "/service/menu")
    assert all(name in html for name in ("理发", "代购药品", "陪同就医", "家电维修", "读报聊天", "义诊体检"))
    sid = re.search(r'href="/service/order/new\?service_id=(\d+)"', html).group(1)
    assert "提交点单" in page(api, "villager", f"/service/order/new?service_id={sid}")
    assert 'name="wish"' in page(api, "villager", "/service/order/new?wish=1")


def test_ordering_twice_with_one_form_key_makes_one_order(api, demo_engine):
    data = {"wish": "<script>alert(1)</script>", "description": "<img src=x>", "form_key": "k-1"}
    first, second = post(api, "villager", "/service/orders", data), post(api, "villager", "/service/orders", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    html = page(api, "villager", first.headers["location"].split("?")[0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "&lt;img src=x&gt;" in html
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(ServiceOrder).where(ServiceOrder.title == "<script>alert(1)</script>")).all()) == 1


def test_rating_twice_with_one_form_key_answers_as_the_first(api, demo_engine):
    """The answer to 评单 lost on the way, the page sends the same form again: the order page, not 已评价 refused."""
    oid = demo_order(demo_engine, "教我用手机视频")
    assert 'name="form_key"' in page(api, "villager", f"/service/orders/{oid}")
    data = {"stars": "4", "comment": "很耐心", "form_key": "rate-1"}
    first, second = post(api, "villager", f"/service/orders/{oid}/rate", data), post(
        api, "villager", f"/service/orders/{oid}/rate", data)
    assert first.status_code == second.status_code == 303 and first.headers["location"] == second.headers["location"]
    again = post(api, "villager", f"/service/orders/{oid}/rate", {**data, "form_key": "rate-2"})
    assert again.status_code == 409  # another form: the order is rated already
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(ServiceOrderEvent).where(ServiceOrderEvent.order_id == oid,
                                                          ServiceOrderEvent.action == "rate")).all()) == 1


def test_an_invisible_wish_is_refused_in_chinese(api):
    r = post(api, "villager", "/service/orders", {"wish": "\u200b"})
    assert r.status_code == 422 and "请填写想要的服务" in r.text


def test_the_whole_loop_by_forms(api, demo_engine):
    r = post(api, "villager", "/service/orders", {"wish": "修水管", "preferred_time": "明天上午", "form_key": "k-2"})
    oid = int(re.search(r"/service/orders/(\d+)", r.headers["location"]).group(1))
    official = page(api, "official", f"/service/orders/{oid}")
    assert "确认派单" in official and "不予受理" in official
    volunteer_id = re.search(r'value="user:(\d+)">志愿者 李志愿', official).group(1)
    assert post(api, "official", f"/service/orders/{oid}/dispatch", {"to": f"user:{volunteer_id}"}).status_code == 303
    assert "接单" in page(api, "volunteer", f"/service/orders/{oid}")
    assert post(api, "volunteer", f"/service/orders/{oid}/accept").status_code == 303
    r = post(api, "volunteer", f"/service/orders/{oid}/complete", {"hours": "1.5", "note": "换了阀门"},
             files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")})
    assert r.status_code == 303
    html = page(api, "villager", f"/service/orders/{oid}")
    assert "给这次服务评个分" in html and "换了阀门" in html
    photo = api.client.get(f"/service/orders/{oid}/photo.jpg", headers=api.headers("villager"))
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    assert api.client.get(f"/service/orders/{oid}/photo.jpg", headers=api.headers("neighbour")).status_code == 404
    assert post(api, "villager", f"/service/orders/{oid}/rate", {"stars": "4", "comment": "及时"}).status_code == 303
    html = page(api, "villager", f"/service/orders/{oid}")
    assert "已评价" in html and "★★★★☆" in html and "+15" in html
    for label in ("点单", "派单", "接单", "完成服务", "评单"):
        assert f"<strong>{label}</strong>" in html


def test_a_step_out_of_order_is_said_in_chinese(api, demo_engine):
    oid = demo_order(demo_engine, "代购药品")
    r = post(api, "volunteer", f"/service/orders/{oid}/complete", {"hours": "1"})
    assert r.status_code == 409 and "订单当前状态不能完成服务" in r.text


def test_the_board_flags_overdue_orders(api, demo_engine):
    html = page(api, "official", "/service/board")  # the demo's 代购药品 was ordered 30 hours ago
    assert "新点单（待派单）" in html and "超过 24 小时未派单" in html and "有 1 张单超时" in html
    assert "时长待核定" in html and "代办证件" in html and "确认到期未评价" not in html
    age_order(demo_engine, demo_order(demo_engine, "家电维修"), days=4)
    age_order(demo_engine, demo_order(demo_engine, "教我用手机视频"), completed_days=4)
    html = page(api, "official", "/service/board")
    assert "超过 3 天未完成" in html and "有 3 张单超时" in html
    assert "确认到期未评价的 1 张单" in html
    village = re.search(r'name="village_id" value="(\d+)"', html).group(1)
    r = post(api, "official", "/service/board/confirm", {"village_id": village})
    assert r.status_code == 303 and "done=confirm" in r.headers["location"]
    assert "确认到期未评价" not in page(api, "official", "/service/board")
    assert api.client.get("/service/board", headers=api.headers("villager")).status_code == 403


def test_the_board_adds_a_service_and_saves_the_rules(api):
    html = page(api, "official", "/service/board")
    village = re.search(r'name="village_id" value="(\d+)"', html).group(1)
    data = {"village_id": village, "name": "修自行车", "category": "维修帮忙", "standard_hours": "1", "form_key": "s"}
    assert post(api, "official", "/service/board/services", data).status_code == 303
    assert post(api, "official", "/service/board/services", data).status_code == 303
    assert page(api, "villager", "/service/menu").count("修自行车") == 1
    rules = {"village_id": village, "points_per_hour": "12", "monthly_cap": "100", "dispatch_hours": "12",
             "complete_days": "2", "rate_days": "5"}
    assert post(api, "official", "/service/board/settings", rules).status_code == 303
    assert 'value="12"' in page(api, "official", "/service/board")


def test_the_record_of_service(api):
    html = page(api, "volunteer", "/service/record")
    assert "志愿服务记录证明" in html and "理发" in html and "合计" in html and "data-print" in html
    assert "还没有确认的服务记录" in page(api, SECOND_VOLUNTEER, "/service/record")


def test_the_record_to_print_has_units_and_a_place_for_the_seal(api):
    """The printed 证明: every figure with its unit (小时, 次, 分) and the station's seal, signature and date."""
    html = page(api, "volunteer", "/service/record")
    table = re.search(r'<table class="cert-table">(.*?)</table>', html, re.S).group(1)
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", table)
    numbers = [c for c in cells if re.fullmatch(r"[\d.]+", c.strip())]
    assert not numbers, f"figures without a unit: {numbers}"
    hours = re.findall(r'<td class="nowrap">([\d.]+) 小时</td>', table)
    assert len(hours) >= 2  # each service and the total
    assert re.search(r"<td>\d+ 次</td>", table)
    assert re.search(r"累计服务 \d+ 次，共 [\d.]+ 小时，获志愿积分 \d+ 分。", html)
    for words in ("盖章处", "新时代文明实践站（盖章）", "负责人签字：", "日期：", "打印日期："):
        assert words in html, words
    assert "盖章处" in page(api, SECOND_VOLUNTEER, "/service/record")  # an empty record is printable too


def test_the_ratings_are_public_in_the_village(api):
    html = page(api, "committee", "/service/ratings")
    assert "小李手艺好" in html and "服务 1 小时 · 志愿积分 +10" in html
    assert "小李手艺好" not in page(api, "neighbour", "/service/ratings")


def test_an_order_on_behalf_says_so(api, demo_engine):
    html = page(api, "villager", f"/service/orders/{demo_order(demo_engine, '陪同就医')}")
    assert "由 张书记 代为点单，服务对象：王奶奶" in html


def test_the_badge_counts_what_waits_for_the_villager_not_what_he_has_not_seen(api, demo_engine):
    """Issue #18: 家电维修 changed (有新进展 on the hub) but waits for the volunteer: the badge is for his ratings."""
    oid = demo_order(demo_engine, "家电维修")
    before = api.get("/me/service-badges", "villager").json()["mine"]
    assert before == 2  # 教我用手机视频, 代办证件: done, waiting for his rating
    page(api, "villager", f"/service/orders/{oid}")
    assert api.get("/me/service-badges", "villager").json()["mine"] == before


def test_home_shows_the_volunteer_and_station_entries(api):
    assert 'href="/service#service-sent"' in page(api, "volunteer", "/")
    assert 'href="/service/board"' in page(api, "official", "/")


def test_the_credit_reads_as_the_order_on_the_households_history(api):
    assert "志愿服务：理发（服务单 #1，1 小时）" in page(api, "volunteer", "/points")


def test_the_audit_log_names_each_step(api):
    html = page(api, "official", "/admin/audit")
    for label in ("点单", "派单", "接单", "完成服务", "评单", "新增服务项目", "成立志愿队"):
        assert label in html, label


def test_the_board_forms_a_team(api, demo_engine):
    html = page(api, "official", "/service/board")
    village = re.search(r'name="village_id" value="(\d+)"', html).group(1)
    ids = re.findall(r'name="member_ids" value="(\d+)"', html)
    assert len(ids) == 2
    data = {"village_id": village, "name": "夕阳红陪护队", "member_ids": ids, "form_key": "t"}
    assert post(api, "official", "/service/board/teams", data).status_code == 303
    assert post(api, "official", "/service/board/teams", data).status_code == 303
    teams = api.get("/volunteer-teams", "villager").json()["items"]
    assert [t["name"] for t in teams].count("夕阳红陪护队") == 1
    assert post(api, "villager", "/service/board/teams", {**data, "form_key": "u"}).status_code == 403


def test_my_orders_mark_what_changed_since_i_looked(api, demo_engine):
    oid = demo_order(demo_engine, "家电维修")
    def row():
        hub = page(api, "villager", "/service")
        start = hub.index(f'href="/service/orders/{oid}"')
        return hub[start:hub.index("</li>", start)]

    assert "有新进展" in row()
    page(api, "villager", f"/service/orders/{oid}")
    assert "有新进展" not in row()


def test_a_new_order_is_not_news_to_the_one_who_placed_it(api):
    before = api.get("/me/service-badges", "villager").json()["mine"]
    post(api, "villager", "/service/orders", {"wish": "借梯子", "form_key": "n"})
    assert api.get("/me/service-badges", "villager").json()["mine"] == before


def test_the_town_admin_offers_services_to_every_village(api):
    assert 'href="/service/centre"' in page(api, "town_admin", "/")
    html = page(api, "town_admin", "/service/centre")
    assert "清河镇新时代文明实践所" in html and "政策宣讲进院坝" in html and "义诊体检" not in html
    data = {"name": "法律咨询", "category": "政策宣讲", "standard_hours": "1", "form_key": "c"}
    assert post(api, "town_admin", "/service/centre/services", data).status_code == 303
    for who in ("neighbour", "villager"):
        assert "法律咨询" in page(api, who, "/service/menu")
    assert api.client.get("/service/centre", headers=api.headers("official")).status_code == 403


def test_one_cancel_for_the_station_who_ordered(api):
    """An official who ordered for a household is both the station and the one who ordered: one 取消, the
    station's (with its reason), and it works (issue #18: an order showed two cancel buttons)."""
    households = page(api, "official", "/service/order/new?wish=1")
    household_id = re.search(r'<option value="(\d+)"[^>]*>代', households).group(1)
    r = post(api, "official", "/service/orders", {"wish": "搬柜子", "household_id": household_id, "form_key": "k-one"})
    assert r.status_code == 303, r.text
    path = r.headers["location"].split("?")[0]
    html = page(api, "official", path)
    assert html.count('/cancel" class="form"') == 1 and "取消订单" in html and "不需要了，取消点单" not in html
    assert post(api, "official", f"{path}/cancel", {"reason": "重复了"}).status_code == 303
    assert "已取消" in page(api, "official", path)


def test_the_served_phone_to_call_only_for_the_volunteer_on_the_way(api, new_order):
    """The volunteer who accepted sees the served household's phone to call, until the order is done; everyone else
    who reads the order sees it masked; the open pool shows none."""
    oid = new_order()["id"]  # 王建国's household: his phone 13800000004
    path = f"/service/orders/{oid}"
    assert "13800000004" not in page(api, SECOND_VOLUNTEER, path) and "138****0004" not in page(
        api, SECOND_VOLUNTEER, path)  # the pool
    official = page(api, "official", path)
    volunteer_id = re.search(r'value="user:(\d+)">志愿者 李志愿', official).group(1)
    assert "138****0004" in official and "13800000004" not in official
    assert post(api, "official", f"{path}/dispatch", {"to": f"user:{volunteer_id}"}).status_code == 303
    assert "138****0004" in page(api, "volunteer", path)  # sent, not yet accepted
    assert post(api, "volunteer", f"{path}/accept").status_code == 303
    on_the_way = page(api, "volunteer", path)
    assert 'href="tel:13800000004"' in on_the_way
    for other in ("official", "villager"):
        assert "13800000004" not in page(api, other, path), other
    assert post(api, "volunteer", f"{path}/complete", {"hours": "1"}).status_code == 303
    done = page(api, "volunteer", path)
    assert "13800000004" not in done and "138****0004" in done
