"""阅读情况 (SQLite only): 标记为已告知 is an action; then the household shows ✓ 已告知 with who and when."""

import re

import pytest

from tests.pages.conftest import household_id, sign_in

pytestmark = pytest.mark.sqlite_only


def test_mark_as_informed_then_the_row_shows_who_and_when(web, web_engine):
    token = sign_in(web, "official")
    r = web.post("/disclosures", data={"csrf_token": token, "category": "affairs", "title": "修路通知",
                                       "body": "下周修路", "form_key": "fk-told"})
    did = int(re.search(r"/disclosures/(\d+)", r.headers["location"]).group(1))
    page = web.get(f"/disclosures/{did}/reads").text
    assert "标记为已告知" in page and "点“标记为已告知”" in page
    assert 'data-testid="told-row"' not in page  # nobody told yet
    zhao = household_id(web_engine, "赵德明")
    r = web.post(f"/disclosures/{did}/reads", data={"csrf_token": token, "household_id": str(zhao)})
    assert r.status_code == 303 and r.headers["location"].endswith(f"#told-{zhao}")
    page = web.get(r.headers["location"]).text
    assert "已标记为已告知（见下方）" in page
    told = re.search(r'<li class="unread-row told-row" id="told-(\d+)".*?</li>', page, re.S)
    assert told and told.group(1) == str(zhao)
    assert "赵德明" in told.group(0) and "✓ 已告知" in told.group(0) and "张书记" in told.group(0)
    assert re.search(r"\d\d-\d\d \d\d:\d\d", told.group(0))  # when
    unread = page.split('id="told"')[0]
    assert "赵德明" not in unread.split("还没读的农户")[1]  # no longer waiting to be told
    again = web.post(f"/disclosures/{did}/reads", data={"csrf_token": token, "household_id": str(zhao)})
    assert again.status_code == 303
    assert web.get(f"/disclosures/{did}/reads").text.count('data-testid="told-row"') == 1


def test_town_admin_reads_without_the_action(web):
    token = sign_in(web, "official")
    r = web.post("/disclosures", data={"csrf_token": token, "category": "affairs", "title": "通知",
                                       "body": "内容", "form_key": "fk-told-2"})
    did = int(re.search(r"/disclosures/(\d+)", r.headers["location"]).group(1))
    web.post("/logout", data={"csrf_token": token})
    sign_in(web, "town_admin")
    page = web.get(f"/disclosures/{did}/reads")
    assert page.status_code == 200 and "还没读的农户" in page.text
    assert "标记为已告知" not in page.text  # only the village's officials mark
