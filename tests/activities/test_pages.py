"""文明实践活动 pages (markup; SQLite): publishing by form, the list and the card, signing up and withdrawing, the
organiser's code, the scanned address signed out and in, ticking the list, closing, user text shown as text."""

import re
from datetime import timedelta

import pytest

from app.timeutil import local, utcnow
from tests.activities.conftest import balance_of, start, user_id

pytestmark = pytest.mark.sqlite_only


def page(api, who, path):
    r = api.client.get(path, headers=api.headers(who))
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.text


def post(api, who, path, data=None):
    return api.client.post(path, headers=api.headers(who), data=data or {}, follow_redirects=False)


SOON = local(utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
FORM = {"title": "<b>义诊</b>", "kind": "义诊", "date": SOON, "time": "09:00", "place": "卫生室",
        "places": "2", "points": "3", "walk_ins": "1", "form_key": "k-act"}


def test_an_official_publishes_by_form_once(api):
    assert "发布活动" in page(api, "official", "/activities")
    assert "发布活动" not in page(api, "villager", "/activities")
    first, again = post(api, "official", "/activities/new", FORM), post(api, "official", "/activities/new", FORM)
    assert first.status_code == again.status_code == 303 and first.headers["location"] == again.headers["location"]
    html = page(api, "villager", first.headers["location"].split("?")[0])
    assert "&lt;b&gt;义诊&lt;/b&gt;" in html and "<b>义诊</b>" not in html and "我要报名" in html
    assert html.count("&lt;b&gt;义诊&lt;/b&gt;") >= 1 and "已报 0 / 共 2 人" in html


def test_a_bad_form_says_why_and_keeps_what_was_typed(api):
    r = post(api, "official", "/activities/new", {**FORM, "places": "99999999999999999999", "form_key": ""})
    assert r.status_code == 422 and "名额应为" in r.text and "卫生室" in r.text
    assert post(api, "villager", "/activities/new", FORM).status_code == 403


def test_sign_up_withdraw_and_the_card(api):
    made = post(api, "official", "/activities/new", FORM).headers["location"].split("?")[0]
    activity_id = int(made.rsplit("/", 1)[1])
    assert "文明实践活动" in page(api, "villager", "/activities/home-card")
    assert 'hx-get="/activities/home-card"' in page(api, "villager", "/")
    assert 'href="/activities"' in page(api, "villager", "/service")
    r = post(api, "villager", f"/activities/{activity_id}/signup")
    assert r.status_code == 303 and r.headers["location"].endswith("done=signup")
    html = page(api, "villager", r.headers["location"])
    assert "报名成功" in html and "取消报名" in html
    assert "已报名" in page(api, "villager", "/activities")
    assert post(api, "volunteer", f"/activities/{activity_id}/signup").status_code == 303
    full = page(api, "13800000031", made)
    assert "名额已满" in full and "我要报名" not in full
    assert post(api, "villager", f"/activities/{activity_id}/withdraw").status_code == 303
    assert "我要报名" in page(api, "villager", made)


def test_the_code_the_scan_and_closing(api, demo_engine):
    made = post(api, "official", "/activities/new", FORM).headers["location"].split("?")[0]
    activity_id = int(made.rsplit("/", 1)[1])
    post(api, "villager", f"/activities/{activity_id}/signup")
    post(api, "volunteer", f"/activities/{activity_id}/signup")
    qr = page(api, "official", f"/activities/{activity_id}/qr")
    assert 'data-testid="activity-qr"' in qr and "data:image/svg+xml;base64," in qr and "每 30 秒自动换码" in qr
    assert post(api, "villager", f"/activities/{activity_id}/qr").status_code == 405
    assert api.client.get(f"/activities/{activity_id}/qr", headers=api.headers("villager")).status_code == 403
    token = api.get(f"/activities/{activity_id}/checkin-code", "official").json()["token"]
    signed_out = api.client.get(f"/a/{token}", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == f"/login?next=/a/{token}"
    signed_in = api.client.get(f"/a/{token}", headers=api.headers("villager"), follow_redirects=False)
    assert signed_in.headers["location"] == f"/activities/{activity_id}/checkin?code={token}"
    confirm = page(api, "villager", signed_in.headers["location"])
    assert "确认签到" in confirm and token in confirm
    done = post(api, "villager", f"/activities/{activity_id}/checkin", {"code": token})
    assert done.status_code == 303 and "签到成功" in page(api, "villager", done.headers["location"])
    organiser = page(api, "official", made)
    assert "王建国" in organiser and "李志愿" in organiser and "扫码" in organiser
    assert 'data-testid="activity-close"' not in organiser  # not started yet
    volunteer = user_id(demo_engine, "13800000003")
    villager = user_id(demo_engine, "13800000004")
    ticked = post(api, "official", f"/activities/{activity_id}/attendance",
                  {"present": [str(villager), str(volunteer)], "shown": [str(villager)]})
    assert ticked.status_code == 303
    start(demo_engine, activity_id)
    wang = balance_of(demo_engine, "王建国")
    assert 'data-testid="activity-close"' in page(api, "official", made)
    closed = post(api, "official", f"/activities/{activity_id}/close")
    assert closed.status_code == 303
    assert balance_of(demo_engine, "王建国") == wang + 3
    mine = page(api, "villager", made)
    assert "已发放 3 积分到您家" in mine and "已结束" in mine
    assert "发布照片" in page(api, "official", made)


def test_a_scanned_address_that_names_nothing_goes_to_the_list(api):
    for bad in ("x", "0-1-2", "9" * 90):
        r = api.client.get(f"/a/{bad}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/activities"
    assert re.search(r"/activities", page(api, "villager", "/activities"))
