"""The 小微权力清单 as an editable list in versions (issue #17 item 6): an official publishes a new version (API:
the whole list; pages: one entry at a time); version 1 stays readable; who and when are kept; nobody else edits.
API on both databases, pages on SQLite."""

import pytest

from app.disclosure.demo import POWERS as DEMO_POWERS
from tests.conftest import add_person, error_code
from tests.pages.conftest import sign_in

NEIGHBOUR_OFFICIAL = "13800000095"


def village(api, who="official") -> int:
    return api.get("/me", who).json()["village_id"]


def current(api, who="official", vid=None, **params):
    vid = vid or village(api, who)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.get(f"/villages/{vid}/small-powers" + (f"?{query}" if query else ""), who)


def put(api, items, who="official", vid=None, **extra):
    vid = vid or village(api, "official")
    return api.client.put(f"/api/v1/villages/{vid}/small-powers", headers=api.headers(who),
                          json={"items": items, **extra})


def without_ids(items):
    return [{k: v for k, v in item.items() if k in ("kind", "name", "who", "steps", "time_limit", "basis",
                                                    "oversight")} for item in items]


class TestApi:
    def test_editing_makes_version_2_and_keeps_version_1(self, api):
        first = current(api).json()
        assert first["version"] == first["current_version"] == 1 and len(first["items"]) == 12
        items = without_ids(first["items"])
        items[0]["time_limit"] = "20 个工作日"
        del items[-1]
        items.append({"kind": "便民服务", "name": "养老保险代办", "who": "村委会", "steps": "村民申请\n村委会代办"})
        r = put(api, items, note="低保时限缩短；新增养老保险代办", base_version=1)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["version"] == 2 and body["items"][0]["time_limit"] == "20 个工作日"
        assert body["items"][-1]["name"] == "养老保险代办" and len(body["items"]) == 12
        assert current(api, who="villager").json()["version"] == 2
        old = current(api, who="villager", version=1).json()
        assert old["version"] == 1 and old["current_version"] == 2
        assert old["items"][0]["time_limit"] == "30 个工作日" and old["items"][-1]["name"] == "证明类事项出具"
        versions = api.get(f"/villages/{village(api)}/small-powers/versions", "villager").json()["items"]
        assert [(v["version"], v["created_by"]) for v in versions] == [(2, "张书记"), (1, "张书记")]
        assert versions[0]["note"] == "低保时限缩短；新增养老保险代办" and versions[0]["created_at"]

    def test_the_same_list_again_publishes_nothing(self, api):
        items = without_ids(current(api).json()["items"])
        assert put(api, items).json()["version"] == 1
        items[1]["who"] = "村委会"
        assert put(api, items).json()["version"] == 2
        assert put(api, items).json()["version"] == 2  # a double tap

    def test_an_edit_from_an_old_version_is_refused(self, api):
        items = without_ids(current(api).json()["items"])
        assert put(api, items[:5], base_version=1).status_code == 200
        stale = put(api, items[:3], base_version=1)
        assert stale.status_code == 409 and error_code(stale) == "conflict"
        assert "第 2 版" in stale.json()["error"]["message"]
        assert len(current(api).json()["items"]) == 5

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("items, words", [
        ([], "至少"),
        ([{"name": "  ", "who": "x", "steps": "x"}], "第 1 项的事项名称"),
        ([{"name": "a", "who": "x", "steps": "x"}, {"name": "b", "who": "\u200b", "steps": "x"}], "第 2 项的谁来批准"),
        ([{"name": "a" * 61, "who": "x", "steps": "x"}], "60"),
    ])
    def test_bad_lists_are_refused_plainly(self, api, items, words):
        r = put(api, items)
        assert r.status_code == 422 and error_code(r) == "validation_error" and words in r.json()["error"]["message"]
        assert current(api).json()["version"] == 1

    def test_user_text_is_kept_as_text(self, api):
        r = put(api, [{"name": "<script>alert(1)</script>", "who": "村委会", "steps": "一\n二"}])
        assert r.json()["items"][0]["name"] == "<script>alert(1)</script>"

    def test_who_may_edit(self, api, demo_engine):
        items = [{"name": "越界", "who": "x", "steps": "x"}]
        villager = put(api, items, who="villager")
        assert villager.status_code == 403 and error_code(villager) == "forbidden"
        assert put(api, items, who="town_admin").status_code == 403
        assert put(api, items, who="attendant").status_code == 403
        neighbour = put(api, items, who="neighbour")
        assert neighbour.status_code == 404 and error_code(neighbour) == "not_found"
        add_person(demo_engine, phone=NEIGHBOUR_OFFICIAL, name="邻村书记", role="official", unit="邻村")
        other = put(api, items, who=NEIGHBOUR_OFFICIAL)
        assert other.status_code == 404
        assert current(api, who="neighbour", vid=village(api)).status_code == 404
        assert api.get(f"/villages/{village(api)}/small-powers/versions", "neighbour").status_code == 404
        assert current(api, version=99).status_code == 404
        assert current(api).json()["version"] == 1


@pytest.mark.sqlite_only
class TestPages:
    def test_the_official_edits_adds_and_removes_each_a_new_version(self, web):
        token = sign_in(web, "official")
        page = web.get("/small-powers").text
        assert "第 1 版" in page and "修改这一项" in page and "新增一项" in page
        edit = {"csrf_token": token, "base_version": "1", "kind": "便民服务", "name": "低保申请",
                "who": "村民代表评议，镇政府审批", "steps": "农户申请\n入户调查", "time_limit": "15 个工作日"}
        assert web.post("/small-powers/items/1", data=edit).status_code == 303
        page = web.get("/small-powers?done=edit").text
        assert "第 2 版" in page and "15 个工作日" in page and "已保存" in page and "修改：低保申请" in page
        again = web.post("/small-powers/items/1", data=edit)  # the same form sent twice: version 2 stays
        assert again.status_code == 303 and "第 3 版" not in web.get("/small-powers/versions").text
        add = {"csrf_token": token, "base_version": "2", "name": "<b>养老保险代办</b>", "who": "村委会",
               "steps": "申请"}
        assert web.post("/small-powers/items", data=add).status_code == 303
        page = web.get("/small-powers").text
        assert "第 3 版" in page and "&lt;b&gt;养老保险代办&lt;/b&gt;" in page and "<b>养老" not in page
        assert web.post("/small-powers/items/2/delete", data={"csrf_token": token, "base_version": "3"}
                        ).status_code == 303
        page = web.get("/small-powers").text
        assert "第 4 版" in page and '<span class="dtitle">宅基地审批' not in page
        history = web.get("/small-powers/versions").text
        for n in (1, 2, 3, 4):
            assert f"第 {n} 版" in history
        assert "张书记" in history and "删除：宅基地审批" in history
        old = web.get("/small-powers?version=1").text
        assert "宅基地审批" in old and "30 个工作日" in old and "现行的是第 4 版" in old and "修改这一项" not in old

    def test_a_stale_page_is_refused_in_plain_words(self, web):
        token = sign_in(web, "official")
        form = {"csrf_token": token, "base_version": "1", "name": "新事项", "who": "村委会", "steps": "申请"}
        assert web.post("/small-powers/items", data=form).status_code == 303
        assert web.post("/small-powers/items", data=form).status_code == 303  # a double tap: still version 2
        stale = web.post("/small-powers/items", data={**form, "name": "另一个事项"})  # a page drawn at version 1
        assert stale.status_code == 409 and "请刷新" in stale.text and "第 2 版" in stale.text
        assert "另一个事项" not in web.get("/small-powers").text

    def test_villagers_read_but_do_not_edit(self, web):
        token = sign_in(web, "villager")
        page = web.get("/small-powers").text
        assert "第 1 版" in page and "修改这一项" not in page and "新增一项" not in page
        r = web.post("/small-powers/items", data={"csrf_token": token, "base_version": "1", "name": "x",
                                                   "who": "x", "steps": "x"})
        assert r.status_code == 403

    def test_another_villages_official_edits_only_their_own(self, web, web_engine):
        add_person(web_engine, phone=NEIGHBOUR_OFFICIAL, name="邻村书记", role="official", unit="邻村")
        token = sign_in(web, NEIGHBOUR_OFFICIAL)
        assert "还没有公布" in web.get("/small-powers").text
        form = {"csrf_token": token, "base_version": "0", "name": "邻村事项", "who": "村委会", "steps": "申请"}
        assert web.post("/small-powers/items", data=form).status_code == 303
        assert "邻村事项" in web.get("/small-powers").text
        sign_in(web, "official")
        page = web.get("/small-powers").text
        assert "邻村事项" not in page and "第 1 版" in page and page.count('class="card power"') == len(DEMO_POWERS)
