"""申报 pages through the forms, like a browser without JavaScript (SQLite only: markup)."""

import re

import pytest

from tests.claims.conftest import balance, photo_with_gps, wang
from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def web(api) -> Browser:
    return Browser(api.client)


def test_entries_on_home_and_points(web):
    home = web.sign_in("villager").get("/").text
    assert 'href="/claims"' in home and "/claims/queue" not in home
    assert "我要申报积分" in web.get("/points").text
    assert "/claims/queue" in web.sign_in("committee").get("/").text
    assert "/claims/queue" in web.sign_in("official").get("/").text


def test_file_approve_and_refuse_through_the_pages(web, api, demo_engine):
    household = wang(demo_engine)
    before = balance(demo_engine, household.id)
    web.sign_in("villager")
    form = web.get("/claims/new").text
    first = re.search(r'<option value="(\d+)">[^<]*门前三包落实', form).group(1)
    second = re.search(r'<option value="(\d+)">[^<]*赡养老人尽心', form).group(1)
    assert "卫生不整洁" not in form  # a black-list item is never claimed
    r = web.post("/claims", {"criterion_id": first, "note": "<script>x()</script>门前扫净", "form_key": "c1"},
                 files={"photo": ("IMG.jpg", photo_with_gps(), "image/jpeg")})
    assert r.status_code == 303 and r.headers["location"] == "/claims?done=file"
    again = web.post("/claims", {"criterion_id": first, "note": "<script>x()</script>门前扫净", "form_key": "c1"},
                     files={"photo": ("IMG.jpg", photo_with_gps(), "image/jpeg")})
    assert again.status_code == 303  # the same form sent twice: one claim
    assert web.post("/claims", {"criterion_id": second, "note": "照顾母亲", "form_key": "c2"}).status_code == 303
    mine = web.get("/claims?done=file").text
    assert mine.count('data-testid="my-claim"') == 2 and "已提交申报" in mine
    assert "&lt;script&gt;x()&lt;/script&gt;门前扫净" in mine and "<script>x()" not in mine

    web.sign_in("committee")
    queue = web.get("/claims/queue").text
    assert queue.count('data-testid="waiting-claim"') == 2 and "王建国家" in queue
    ids = re.findall(r'/claims/(\d+)/approve', queue)
    photo = re.search(r'src="(/claims/\d+/photo\.jpg)"', queue).group(1)
    assert web.get(photo).headers["content-type"] == "image/jpeg"
    assert web.post(f"/claims/{ids[0]}/approve").headers["location"] == "/claims/queue?done=approve"
    blank = web.post(f"/claims/{ids[1]}/refuse", {"reason": ""})
    assert blank.status_code == 422
    assert web.post(f"/claims/{ids[1]}/refuse", {"reason": "没有看到照顾的情况"}).status_code == 303
    done = web.get("/claims/queue?done=refuse").text
    assert "没有等待审核的申报" in done and done.count('data-testid="decided-claim"') == 2
    assert balance(demo_engine, household.id) == before + 3

    web.sign_in("villager")
    mine = web.get("/claims").text
    assert "已通过" in mine and "未通过" in mine and "没有看到照顾的情况" in mine and "积分已到账" in mine
    assert "村民申报：门前三包落实" in web.get("/evaluation/points").text


def test_a_member_of_the_household_is_told_to_recuse(web, api, demo_engine):
    from tests.conftest import add_person

    household = wang(demo_engine)
    api.post("/claims", "villager", json={"criterion_id": next(
        c["id"] for c in api.get("/criteria", "villager").json()["items"] if c["name"] == "门前三包落实"),
        "note": "扫了"})
    add_person(demo_engine, phone="13800000050", name="王委员", role="committee", unit="示范村",
               household_id=household.id)
    page = web.sign_in("13800000050").get("/claims/queue").text
    assert 'data-testid="claim-recused"' in page and "/approve" not in page


def test_pages_refuse_who_may_not(web):
    assert web.sign_in("official").get("/claims").status_code == 403  # no household: nothing to claim for
    assert web.sign_in("villager").get("/claims/queue").status_code == 403
