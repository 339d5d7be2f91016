"""Households and members through the JSON API."""

import pytest

from tests.conftest import error_code


def new_household(api, **overrides):
    body = {"head_name": "孙大山", "address": "一组 9 号",
            "members": [{"name": "孙大山", "phone": "13911112222", "password": "secret-123"}, {"name": "孙奶奶"}]}
    body.update(overrides)
    return api.post("/households", "official", json=body)


class TestCreateHousehold:
    def test_creates_with_members_and_empty_balance(self, api):
        r = new_household(api)
        assert r.status_code == 201
        body = r.json()
        assert body["head_name"] == "孙大山" and body["balance"] == 0
        assert [m["name"] for m in body["members"]] == ["孙大山", "孙奶奶"]
        assert body["village_id"] == api.get("/me", "official").json()["village_id"]

    def test_member_with_phone_can_log_in_and_see_household(self, api):
        household = new_household(api).json()
        assert [m["must_change_password"] for m in household["members"]] == [True, False]  # the official chose it
        r = api.post("/auth/login", json={"phone": "13911112222", "password": "secret-123"})
        assert r.status_code == 200
        token = r.json()["access_token"]
        r = api.client.get(f"/api/v1/households/{household['id']}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and error_code(r) == "password_change_required"  # one-time: changed first
        r = api.client.post("/api/v1/me/password", json={"password": "my-own-secret-9"},
                            headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        r = api.client.get(f"/api/v1/households/{household['id']}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["head_name"] == "孙大山"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("phone", ["1391111222", "23911112222", "139111122223", "1391111222a", "12911112222"])
    def test_bad_phone_is_refused(self, api, phone):
        r = new_household(api, members=[{"name": "甲", "phone": phone, "password": "secret-123"}])
        assert r.status_code == 422 and error_code(r) == "validation_error"
        assert "手机号" in r.json()["error"]["message"]

    def test_duplicate_phone_is_refused_and_nothing_is_written(self, api):
        before = api.get("/households", "official").json()["items"]
        r = new_household(api, members=[{"name": "甲", "phone": "13800000004", "password": "secret-123"}])
        assert r.status_code == 422 and "已被使用" in r.json()["error"]["message"]
        assert api.get("/households", "official").json()["items"] == before

    def test_same_phone_twice_in_one_request_is_refused(self, api):
        m = {"name": "甲", "phone": "13911113333", "password": "secret-123"}
        r = new_household(api, members=[m, {**m, "name": "乙"}])
        assert r.status_code == 422

    def test_phone_without_password_is_refused(self, api):
        r = new_household(api, members=[{"name": "甲", "phone": "13911113333"}])
        assert r.status_code == 422 and "密码" in r.json()["error"]["message"]

    def test_missing_head_name_is_refused(self, api):
        r = new_household(api, head_name="  ")
        assert r.status_code == 422

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "attendant", "volunteer", "committee"])
    def test_only_officials_and_the_admins_over_them_create(self, api, who):
        r = api.post("/households", who, json={"head_name": "某户"})
        assert r.status_code == 403 and error_code(r) == "forbidden"

    def test_official_cannot_create_in_another_village(self, api):
        neighbour_village = api.get("/me", "neighbour").json()["village_id"]
        r = new_household(api, village_id=neighbour_village)
        assert r.status_code == 404  # another village's existence is not for outsiders to learn

    def test_the_town_admin_registers_in_a_village_they_name(self, api):
        """Issue #17: the admins setting a county up register households too; over several villages, they say which."""
        r = api.post("/households", "town_admin", json={"head_name": "某户"})
        assert r.status_code == 422 and "请选择村" in r.json()["error"]["message"]
        neighbour_village = api.get("/me", "neighbour").json()["village_id"]
        r = api.post("/households", "town_admin", json={"head_name": "某户", "village_id": neighbour_village})
        assert r.status_code == 201 and r.json()["village_id"] == neighbour_village
        assert api.get(f"/households/{r.json()['id']}", "town_admin").json()["head_name"] == "某户"


class TestReadHouseholds:
    def test_member_reads_own_household(self, api):
        me = api.get("/me", "villager").json()
        r = api.get(f"/households/{me['household_id']}", "villager")
        assert r.status_code == 200
        assert r.json()["balance"] >= 500
        assert any(m["phone"] == "13800000004" for m in r.json()["members"])

    def test_villager_cannot_read_another_household(self, api):
        other = api.get("/me", "volunteer").json()["household_id"]
        assert api.get(f"/households/{other}", "villager").status_code == 404

    def test_unknown_household(self, api):
        r = api.get("/households/99999", "official")
        assert r.status_code == 404 and error_code(r) == "not_found"

    def test_search_by_member_phone_and_name(self, api):
        by_phone = api.get("/households?q=13800000004", "official").json()["items"]
        assert [h["head_name"] for h in by_phone] == ["王建国"]
        by_name = api.get("/households?q=李", "official").json()["items"]
        assert "李秀英" in [h["head_name"] for h in by_name]

    def test_paging(self, api):
        for i in range(3):
            new_household(api, head_name=f"户{i}", members=[])
        first = api.get("/households?limit=2", "official").json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        second = api.get(f"/households?limit=2&cursor={first['next_cursor']}", "official").json()
        ids = [h["id"] for h in first["items"] + second["items"]]
        assert len(ids) == len(set(ids)) == 4

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("query", ["limit=0", "limit=101", "cursor=%%%", "cursor=bm9wZQ"])
    def test_bad_paging_parameters(self, api, query):
        r = api.get(f"/households?{query}", "official")
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_town_admin_sees_villages_of_the_township(self, api):
        names = {h["head_name"] for h in api.get("/households?limit=100", "town_admin").json()["items"]}
        assert {"王建国", "陈志强"} <= names


class TestMembers:
    def household(self, api):
        return api.get("/me", "villager").json()["household_id"]

    def test_add_member(self, api):
        hid = self.household(api)
        r = api.post(f"/households/{hid}/members", "official", json={"name": "王小明", "phone": "13922223333",
                                                                     "password": "secret-123"})
        assert r.status_code == 201 and r.json()["name"] == "王小明"
        assert api.post("/auth/login", json={"phone": "13922223333", "password": "secret-123"}).status_code == 200

    def test_edit_member_phone_checks_format_and_uniqueness(self, api):
        hid = self.household(api)
        me = api.get("/me", "villager").json()
        assert api.patch(f"/households/{hid}/members/{me['id']}", "official", json={"phone": "123"}).status_code == 422
        r = api.patch(f"/households/{hid}/members/{me['id']}", "official", json={"phone": "13800000001"})
        assert r.status_code == 422
        r = api.patch(f"/households/{hid}/members/{me['id']}", "official", json={"phone": "13933334444"})
        assert r.status_code == 200 and r.json()["phone"] == "13933334444"

    def test_edit_household(self, api):
        hid = self.household(api)
        r = api.patch(f"/households/{hid}", "official", json={"address": "新地址 1 号"})
        assert r.status_code == 200 and r.json()["address"] == "新地址 1 号"

    def test_deactivate_needs_reason(self, api):
        hid = self.household(api)
        me = api.get("/me", "villager").json()
        r = api.post(f"/households/{hid}/members/{me['id']}/deactivate", "official", json={"reason": " "})
        assert r.status_code == 422
        assert api.get("/me", "villager").status_code == 200

    def test_short_password_reset_is_refused(self, api):
        hid = self.household(api)
        me = api.get("/me", "villager").json()
        r = api.post(f"/households/{hid}/members/{me['id']}/password", "official", json={"password": "short"})
        assert r.status_code == 422

    def test_member_of_another_household_is_not_found(self, api):
        hid = self.household(api)
        other = api.get("/me", "volunteer").json()["id"]
        r = api.post(f"/households/{hid}/members/{other}/password", "official", json={"password": "secret-123"})
        assert r.status_code == 404

    def test_villager_cannot_edit_own_household(self, api):
        hid = self.household(api)
        assert api.patch(f"/households/{hid}", "villager", json={"address": "x"}).status_code == 403
