"""村务公开 pages (SQLite only: markup): the tab and its badge, reading, questions, officials' follow-up, hostile
text shown as text, decisions, the list of small powers."""

import re

import pytest

from tests.pages.conftest import sign_in

pytestmark = pytest.mark.sqlite_only
SCRIPT = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def publish(web, token, **form):
    data = {"csrf_token": token, "category": "finance", "title": "11月财务公开",
            "body": "| 科目 | 金额 |\n|---|---:|\n| 路灯 | 100 |", "form_key": "fk-1"}
    data.update(form)
    return web.post("/disclosures", data=data)


def new_id(response) -> int:
    return int(re.search(r"/disclosures/(\d+)", response.headers["location"]).group(1))


def test_tab_badge_and_list(web):
    sign_in(web, "villager")
    page = web.get("/disclosures")
    assert page.status_code == 200 and "村务公开" in page.text and "未读" in page.text
    assert 'href="/disclosures"' in web.get("/").text  # 公开 on the tab bar
    badge = web.get("/disclosures/badge").text
    assert re.search(r">\d+<span class=\"sr-only\">条未读", badge)
    assert "村务公开 · 未读" in web.get("/disclosures/home-card").text
    assert web.get("/disclosures?category=party").status_code == 200


def test_official_publishes_villager_reads_asks_official_answers(web):
    token = sign_in(web, "official")
    r = publish(web, token)
    assert r.status_code == 303
    did = new_id(r)
    again = publish(web, token)  # a double tap: the same form key
    assert new_id(again) == did
    page = web.get(f"/disclosures/{did}").text
    assert "<table>" in page and "阅读情况" in page
    web.post("/logout", data={"csrf_token": token})
    token = sign_in(web, "villager")
    page = web.get(f"/disclosures/{did}").text
    assert "我要提问" in page
    r = web.post(f"/disclosures/{did}/questions", data={"csrf_token": token, "body": SCRIPT, "form_key": "q-1"})
    assert r.status_code == 303
    web.post(f"/disclosures/{did}/questions", data={"csrf_token": token, "body": SCRIPT, "form_key": "q-1"})
    page = web.get(f"/disclosures/{did}").text
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 1 and "<script>alert(1)" not in page
    web.post("/logout", data={"csrf_token": token})
    token = sign_in(web, "official")
    page = web.get(f"/disclosures/{did}").text
    assert "王建国" in page  # officials see who asked
    qid = re.search(r"/disclosure-questions/(\d+)/answer", page).group(1)
    assert "群众提问待答复（1）" in web.get("/disclosures/home-card").text
    r = web.post(f"/disclosure-questions/{qid}/answer", data={"csrf_token": token, "answer": "换了 20 盏灯"})
    assert r.status_code == 303
    reads = web.get(f"/disclosures/{did}/reads").text
    assert "赵德明" in reads and "王建国" not in reads
    web.post("/logout", data={"csrf_token": token})
    sign_in(web, "volunteer")
    page = web.get(f"/disclosures/{did}").text
    assert "换了 20 盏灯" in page and "王建国" not in page and "一位村民" in page


def test_hostile_title_and_body_are_text(web):
    token = sign_in(web, "official")
    did = new_id(publish(web, token, title=SCRIPT[:100], body=SCRIPT + "\n\n[点我](javascript:alert(1))"))
    for url in (f"/disclosures/{did}", "/disclosures", f"/disclosures/{did}/versions/1"):
        page = web.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "href=\"javascript:" not in page, url
    assert "&lt;script&gt;" in web.get(f"/disclosures/{did}").text


def test_revision_shows_what_changed(web):
    token = sign_in(web, "official")
    did = new_id(publish(web, token, body="第一行\n\n路灯 100 元"))
    r = web.post(f"/disclosures/{did}/revise", data={"csrf_token": token, "title": "11月财务公开",
                                                      "body": "第一行\n\n路灯 120 元", "reason": "金额笔误",
                                                      "form_key": "rv-1"})
    assert r.status_code == 303
    page = web.get(f"/disclosures/{did}/versions").text
    assert "<del>路灯 100 元</del>" in page and "<ins>路灯 120 元</ins>" in page and "金额笔误" in page
    assert "路灯 100 元" in web.get(f"/disclosures/{did}/versions/1").text
    bad = web.post(f"/disclosures/{did}/revise", data={"csrf_token": token, "title": "t", "body": "b", "reason": ""})
    assert bad.status_code == 422 and "修订原因" in bad.text


def test_villager_cannot_publish_or_follow_up(web):
    token = sign_in(web, "villager")
    assert publish(web, token).status_code == 403
    assert web.get("/disclosures/new").status_code == 403
    assert web.get("/disclosure-questions").status_code == 403


def test_decision_timeline_and_order(web):
    token = sign_in(web, "official")
    page = web.get("/decisions").text
    assert "村道硬化" in page and "下一步：决议公开" in page
    did = re.search(r'href="/decisions/(\d+)"', page).group(1)
    page = web.get(f"/decisions/{did}").text
    assert "记录下一步：决议公开" in page and "赞成 40 票" in page
    skip = web.post(f"/decisions/{did}/steps", data={"csrf_token": token, "step": "result", "held_on": "2030-01-01",
                                                      "attendance": "5"})
    assert skip.status_code == 409 and "决议公开" in skip.text
    ok = web.post(f"/decisions/{did}/steps", data={"csrf_token": token, "step": "publish", "held_on": "2030-01-01",
                                                    "attendance": "5", "minutes": SCRIPT, "form_key": "st-1"})
    assert ok.status_code == 303
    page = web.get(f"/decisions/{did}").text
    assert "&lt;script&gt;" in page and "<script>alert" not in page and "记录下一步：实施结果公开" in page


def test_small_powers_page(web):
    sign_in(web, "villager")
    page = web.get("/small-powers").text
    for name in ("低保申请", "宅基地审批", "集体资产出租", "小额工程"):
        assert name in page
    assert page.count('class="card power"') >= 10


def test_neighbour_sees_none_of_it(web):
    sign_in(web, "neighbour")
    assert "财务收支" not in web.get("/disclosures").text
    assert "村道硬化" not in web.get("/decisions").text
    assert "低保申请" not in web.get("/small-powers").text


def test_official_list_shows_read_rates(web):
    sign_in(web, "official")
    page = web.get("/disclosures").text
    assert re.search(r"已读 \d+/\d+ 户", page) and "已读 1/3 户" in page  # 李秀英's household read two demo ones


def test_table_alignment_is_a_class_not_a_style(web):
    token = sign_in(web, "official")
    did = new_id(publish(web, token))
    page = web.get(f"/disclosures/{did}").text
    assert 'class="align-right"' in page and "style=" not in page.split('<main', 1)[1]


def test_attachment_through_the_page(web):
    from tests.shop.test_goods_api import jpeg_bytes

    token = sign_in(web, "official")
    did = new_id(publish(web, token))
    name = "<img src=x onerror=alert(1)>.jpg"
    form = {"csrf_token": token, "form_key": "att-1"}
    r = web.post(f"/disclosures/{did}/attachments", data=form, files={"file": (name, jpeg_bytes(), "image/jpeg")})
    assert r.status_code == 303
    web.post(f"/disclosures/{did}/attachments", data=form, files={"file": (name, jpeg_bytes(), "image/jpeg")})
    page = web.get(f"/disclosures/{did}").text
    assert page.count('class="file-photo"') == 1  # a double tap stores one
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page and "<img src=x" not in page
    exe = web.post(f"/disclosures/{did}/attachments", data={"csrf_token": token},
                   files={"file": ("发票.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")})
    assert exe.status_code == 422 and "只能上传照片" in exe.text
    bad = publish(web, token, form_key="fk-2", title="带坏附件")
    assert bad.status_code == 303  # no file: fine
    refused = web.post("/disclosures", data={"csrf_token": token, "category": "finance", "title": "坏附件",
                                             "body": "x", "form_key": "fk-3"},
                       files={"file": ("a.xlsx", b"PK\x03\x04junk", "application/octet-stream")})
    assert refused.status_code == 422 and "只能上传照片" in refused.text and "坏附件" in refused.text


def test_offline_text_holds_nothing_personal(web):
    token = sign_in(web, "villager")
    page = web.get("/disclosures").text
    did = re.search(r'href="/disclosures/(\d+)"', page).group(1)
    web.post(f"/disclosures/{did}/questions", data={"csrf_token": token, "body": "我的问题"})
    r = web.get(f"/disclosures/{did}/text")
    assert r.status_code == 200 and r.headers["x-public-text"] == "1"
    assert "王建国" not in r.text and "我的问题" not in r.text and "csrf" not in r.text and "tabbar" not in r.text


def test_every_change_is_in_the_audit_log(web):
    token = sign_in(web, "official")
    did = new_id(publish(web, token, title="审计用公开"))
    web.post(f"/disclosures/{did}/revise", data={"csrf_token": token, "title": "审计用公开", "body": "改过",
                                                  "reason": "补充"})
    decision = re.search(r'href="/decisions/(\d+)"', web.get("/decisions").text).group(1)
    web.post(f"/decisions/{decision}/steps", data={"csrf_token": token, "step": "publish", "held_on": "2030-01-01",
                                                    "attendance": "5"})
    log = web.get("/admin/audit").text
    for label in ("发布公开", "修订公开", "记录四议两公开步骤"):
        assert label in log, label
