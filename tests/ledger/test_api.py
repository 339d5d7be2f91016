"""Awards, reversals and the household ledger through the JSON API."""

import pytest

from tests.conftest import error_code


def household_of(api, who="villager") -> int:
    return api.get("/me", who).json()["household_id"]


def balance(api, hid: int) -> int:
    return api.get(f"/households/{hid}", "official").json()["balance"]


def award(api, hid, points=50, reason="打扫村道", key=None, who="official", **extra):
    return api.post("/points/awards", who, json={"household_id": hid, "points": points, "reason": reason, **extra},
                    key=key)


class TestAward:
    def test_award_credits_the_household(self, api):
        hid = household_of(api)
        before = balance(api, hid)
        r = award(api, hid, 50, category="hygiene")
        assert r.status_code == 201
        assert r.json()["balance_after"] == before + 50 and r.json()["points"] == 50
        assert balance(api, hid) == before + 50

    def test_member_sees_entry_with_reason_giver_and_time(self, api):
        hid = household_of(api)
        award(api, hid, 30, reason="帮助邻居修屋顶", category="public_good")
        first = api.get(f"/households/{hid}/ledger", "villager").json()["items"][0]
        assert first["amount"] == 30 and first["reason"] == "帮助邻居修屋顶"
        assert first["actor"] == "张书记" and first["category"] == "public_good" and first["kind"] == "award"
        assert first["created_at"].endswith(("Z", "+00:00"))

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("points", [0, -5, 100_001, 10**12, "12", 1.5, True, None])
    def test_bad_points_are_refused(self, api, points):
        hid = household_of(api)
        before = balance(api, hid)
        r = award(api, hid, points)
        assert r.status_code == 422 and error_code(r) == "validation_error"
        assert balance(api, hid) == before

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
    def test_reason_is_required(self, api, reason):
        r = award(api, household_of(api), 10, reason=reason)
        assert r.status_code == 422

    def test_unknown_category(self, api):
        assert award(api, household_of(api), 10, category="bribery").status_code == 422

    def test_unknown_household(self, api):
        r = award(api, 99999, 10)
        assert r.status_code == 404 and error_code(r) == "not_found"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who", ["villager", "attendant", "volunteer", "committee", "town_admin"])
    def test_wrong_role(self, api, who):
        r = award(api, household_of(api), 10, who=who)
        assert r.status_code in (403, 404)

    def test_same_key_same_body_applies_once(self, api):
        hid = household_of(api)
        before = balance(api, hid)
        first = award(api, hid, 40, key="award-abc")
        again = award(api, hid, 40, key="award-abc")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert balance(api, hid) == before + 40

    def test_same_key_other_body_is_a_conflict(self, api):
        hid = household_of(api)
        award(api, hid, 40, key="award-abc")
        r = award(api, hid, 41, key="award-abc")
        assert r.status_code == 409 and error_code(r) == "idempotency_conflict"
        assert balance(api, hid) == balance(api, hid)

    def test_fund_cannot_go_below_zero(self, api, session):
        from sqlmodel import select

        from app.ledger.models import Account, AccountKind

        fund = session.exec(select(Account).where(Account.kind == AccountKind.village_fund,
                                                  Account.name.like("示范村%"))).one()
        session.rollback()
        assert fund.balance < 10**6
        hid = household_of(api)
        before = balance(api, hid)
        village_id = api.get(f"/households/{hid}", "official").json()["village_id"]  # limits out of the way (#8)
        assert api.client.put(f"/api/v1/villages/{village_id}/award-limits", headers=api.headers("town_admin"),
                              json={"single_limit": 10**6, "monthly_limit": 10**6}).status_code == 200
        for _ in range(int(fund.balance / 100_000)):
            assert award(api, hid, 100_000).status_code == 201
        r = award(api, hid, 100_000)
        assert r.status_code == 409 and error_code(r) == "insufficient_points"
        assert "资金" in r.json()["error"]["message"]
        assert balance(api, hid) == before + 100_000 * int(fund.balance / 100_000)


class TestReverse:
    def test_reversal_takes_points_back_and_is_shown(self, api):
        hid = household_of(api)
        before = balance(api, hid)
        award_id = award(api, hid, 70).json()["id"]
        r = api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "误发"})
        assert r.status_code == 201
        assert r.json()["points"] == -70 and r.json()["balance_after"] == before
        items = api.get(f"/households/{hid}/ledger", "villager").json()["items"]
        assert items[0]["amount"] == -70 and items[0]["reason"] == "误发" and items[0]["reverses_id"] == award_id
        assert items[1]["reversed_by_id"] == items[0]["transaction_id"]

    def test_cannot_reverse_twice(self, api):
        award_id = award(api, household_of(api), 70).json()["id"]
        assert api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "误发"}).status_code == 201
        r = api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "再撤"})
        assert r.status_code == 409 and error_code(r) == "invalid_state"

    def test_reason_required(self, api):
        award_id = award(api, household_of(api), 70).json()["id"]
        assert api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": ""}).status_code == 422

    def test_cannot_reverse_a_reversal(self, api):
        award_id = award(api, household_of(api), 70).json()["id"]
        rev = api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "误发"}).json()
        r = api.post(f"/points/awards/{rev['id']}/reversal", "official", json={"reason": "x"})
        assert r.status_code == 409 and error_code(r) == "invalid_state"

    def test_villager_cannot_reverse(self, api):
        award_id = award(api, household_of(api), 70).json()["id"]
        r = api.post(f"/points/awards/{award_id}/reversal", "villager", json={"reason": "x"})
        assert r.status_code == 404

    def test_idempotent_reversal(self, api):
        hid = household_of(api)
        award_id = award(api, hid, 70).json()["id"]
        a = api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "误发"}, key="rev-1")
        b = api.post(f"/points/awards/{award_id}/reversal", "official", json={"reason": "误发"}, key="rev-1")
        assert a.status_code == b.status_code == 201 and a.json() == b.json()


class TestLedgerList:
    def test_paging_newest_first(self, api):
        hid = household_of(api)
        for i in range(5):
            award(api, hid, i + 1, reason=f"第{i}次")
        page1 = api.get(f"/households/{hid}/ledger?limit=3", "villager").json()
        page2 = api.get(f"/households/{hid}/ledger?limit=3&cursor={page1['next_cursor']}", "villager").json()
        reasons = [e["reason"] for e in page1["items"] + page2["items"]]
        assert reasons[:5] == ["第4次", "第3次", "第2次", "第1次", "第0次"]
        ids = [e["id"] for e in page1["items"] + page2["items"]]
        assert ids == sorted(ids, reverse=True)

    def test_balance_after_runs_down_the_history(self, api):
        hid = household_of(api)
        items = api.get(f"/households/{hid}/ledger?limit=100", "villager").json()["items"]
        for newer, older in zip(items, items[1:], strict=False):
            assert newer["balance_after"] == older["balance_after"] + newer["amount"]
        assert items[0]["balance_after"] == balance(api, hid)
