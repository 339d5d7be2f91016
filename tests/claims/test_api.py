"""申报 through the JSON API, on SQLite and PostgreSQL (shared/api-v1.md "Villagers' claims"): file → approve →
the criterion's points once; refuse with a reason; 回避; another village; the limits; hostile input."""

from sqlmodel import col, select

from app.claims.models import Claim
from app.db import session_for
from app.ledger.models import LedgerTransaction, TxnKind
from tests.claims.conftest import balance, criterion_id, photo_with_gps, wang
from tests.conftest import add_person, error_code


def claim_credits(engine, claim_id: int) -> int:
    with session_for(engine, write=False) as s:
        return len(s.exec(select(LedgerTransaction.id).where(LedgerTransaction.kind == TxnKind.claim,
                                                               LedgerTransaction.source_id == claim_id)).all())


class TestFile:
    def test_a_villager_files_a_pending_claim(self, api, demo_engine):
        household = wang(demo_engine)
        r = api.post("/claims", "villager", json={"criterion_id": criterion_id(api), "note": "门前三包做到了"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "pending" and body["household_id"] == household.id
        assert body["points"] == 3 and body["criterion_name"] == "门前三包落实" and body["credit_status"] is None
        assert [c["id"] for c in api.get("/claims", "villager").json()["items"]] == [body["id"]]
        assert [c["id"] for c in api.get("/claims/pending", "committee").json()["items"]] == [body["id"]]
        told = api.get("/me/messages", "committee").json()["items"]
        assert any("新的申报待审核" in m["text"] for m in told)

    def test_the_same_key_files_once(self, api):
        body = {"criterion_id": criterion_id(api), "note": "扫了门前"}
        first = api.post("/claims", "villager", json=body, key="claim-1")
        again = api.post("/claims", "villager", json=body, key="claim-1")
        assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
        assert len(api.get("/claims", "villager").json()["items"]) == 1

    def test_one_claim_of_a_criterion_a_day(self, api):
        body = {"criterion_id": criterion_id(api), "note": "扫了门前"}
        assert api.post("/claims", "villager", json=body).status_code == 201
        again = api.post("/claims", "villager", json={**body, "note": "又扫了一遍"})
        assert again.status_code == 409 and error_code(again) == "limit_reached"
        assert "今天已经申报过" in again.json()["error"]["message"]
        other = api.post("/claims", "villager",
                         json={"criterion_id": criterion_id(api, "赡养老人尽心"), "note": "照顾母亲"})
        assert other.status_code == 201

    def test_over_the_monthly_limit_is_refused_clearly(self, api, demo_engine):
        village = wang(demo_engine).village_id
        assert api.client.put(f"/api/v1/villages/{village}/award-limits", headers=api.headers("town_admin"),
                              json={"single_limit": 200, "monthly_limit": 12}).status_code == 200
        assert api.post("/claims", "villager", json={"criterion_id": criterion_id(api, "赡养老人尽心"),
                                                     "note": "照顾母亲"}).status_code == 201  # 10 of 12
        over = api.post("/claims", "villager", json={"criterion_id": criterion_id(api), "note": "门前三包"})
        assert over.status_code == 409 and error_code(over) == "limit_reached"
        assert "上限 12 分" in over.json()["error"]["message"]

    def test_black_list_items_and_staff_without_a_household_cannot_claim(self, api):
        black = api.post("/claims", "villager", json={"criterion_id": criterion_id(api, "卫生不整洁"), "note": "x"})
        assert black.status_code == 422 and error_code(black) == "validation_error"
        staff = api.post("/claims", "official", json={"criterion_id": criterion_id(api), "note": "代报"})
        assert staff.status_code == 403

    def test_hostile_input(self, api):
        crit = criterion_id(api)
        for bad in (2**70, -1, 0, "5", None, True):
            r = api.post("/claims", "villager", json={"criterion_id": bad, "note": "好事"})
            assert r.status_code == 422 and error_code(r) == "validation_error", bad
        assert api.post("/claims", "villager", json={"criterion_id": 2**31 - 1, "note": "好事"}).status_code == 404
        for note in ("", "\u200b\u202e ", "好" * 201):
            r = api.post("/claims", "villager", json={"criterion_id": crit, "note": note})
            assert r.status_code == 422 and error_code(r) == "validation_error", note
        huge = api.post("/claims", "villager", json={"criterion_id": crit, "note": "好" * 2_000_000})
        assert huge.status_code in (413, 422)
        made = api.post("/claims", "villager", json={"criterion_id": crit, "note": "\u202e门前\u200b三包<b>好</b>"})
        assert made.status_code == 201 and made.json()["note"] == "门前三包<b>好</b>"

    def test_another_villages_criterion_is_not_found(self, api):
        r = api.post("/claims", "neighbour", json={"criterion_id": criterion_id(api), "note": "越界"})
        assert r.status_code == 404 and error_code(r) == "not_found"


class TestApprove:
    def test_approve_credits_the_points_once(self, api, demo_engine, claim_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        first = api.post(f"/claims/{claim_id}/approve", "committee")
        again = api.post(f"/claims/{claim_id}/approve", "official")
        assert first.status_code == again.status_code == 200, first.text
        assert first.json()["status"] == again.json()["status"] == "approved"
        assert first.json()["credit_status"] == "posted" and first.json()["transaction_id"]
        assert balance(demo_engine, household.id) == before + 3
        assert claim_credits(demo_engine, claim_id) == 1
        told = api.get("/me/messages", "villager").json()["items"]
        assert any("申报已通过" in m["text"] for m in told)

    def test_it_shows_on_the_points_notice_and_the_household_ledger(self, api, demo_engine, claim_id):
        household = wang(demo_engine)
        api.post(f"/claims/{claim_id}/approve", "committee")
        notice = api.get(f"/villages/{household.village_id}/points-notice", "neighbour")
        assert notice.status_code == 404
        lines = api.get(f"/villages/{household.village_id}/points-notice", "villager").json()["items"]
        line = next(x for x in lines if x["kind"] == "claim")
        assert line["points"] == 3 and line["category"] == "hygiene" and "门前三包落实" in line["reason"]
        assert line["decided_by"] == "孙老师"  # the committee member decided for the village: named, as officials are
        ledger = api.get(f"/households/{household.id}/ledger", "villager").json()["items"]
        assert ledger[0]["kind"] == "claim" and ledger[0]["amount"] == 3

    def test_a_member_of_the_household_may_not_decide(self, api, demo_engine, claim_id):
        household = wang(demo_engine)
        add_person(demo_engine, phone="13800000050", name="王委员", role="committee", unit="示范村",
                   household_id=household.id)
        for step, body in (("approve", None), ("refuse", {"reason": "自己不批"})):
            r = api.post(f"/claims/{claim_id}/{step}", "13800000050", json=body)
            assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert api.get(f"/claims/{claim_id}", "villager").json()["status"] == "pending"
        assert api.post(f"/claims/{claim_id}/approve", "villager").status_code == 403

    def test_another_village_gets_not_found(self, api, demo_engine, claim_id):
        add_person(demo_engine, phone="13800000051", name="邻村委员", role="committee", unit="邻村")
        for who in ("neighbour", "13800000051"):
            assert api.get(f"/claims/{claim_id}", who).status_code == 404
            r = api.post(f"/claims/{claim_id}/approve", who)
            assert r.status_code == 404 and error_code(r) == "not_found"
        assert "items" in api.get("/claims/pending", "13800000051").json()
        assert api.get("/claims/pending", "13800000051").json()["items"] == []
        assert claim_credits(demo_engine, claim_id) == 0

    def test_above_the_village_limits_the_credit_waits_for_a_second_person(self, api, demo_engine, claim_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        api.client.put(f"/api/v1/villages/{household.village_id}/award-limits", headers=api.headers("town_admin"),
                       json={"single_limit": 200, "monthly_limit": 1})
        r = api.post(f"/claims/{claim_id}/approve", "committee")
        assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["credit_status"] == "pending"
        assert balance(demo_engine, household.id) == before
        waiting = api.get("/points/awards/pending", "official").json()["items"]
        award = next(w for w in waiting if w["source_kind"] == "claim" and w["source_id"] == claim_id)
        assert api.post(f"/points/awards/{award['id']}/approve", "official").status_code == 200
        assert balance(demo_engine, household.id) == before + 3
        assert api.get(f"/claims/{claim_id}", "villager").json()["credit_status"] == "posted"


class TestRefuse:
    def test_refuse_needs_a_reason_and_credits_nothing(self, api, demo_engine, claim_id):
        household = wang(demo_engine)
        before = balance(demo_engine, household.id)
        blank = api.post(f"/claims/{claim_id}/refuse", "official", json={"reason": " \u200b"})
        assert blank.status_code == 422 and error_code(blank) == "validation_error"
        r = api.post(f"/claims/{claim_id}/refuse", "official", json={"reason": "照片看不出是门前"})
        assert r.status_code == 200 and r.json()["status"] == "refused"
        assert r.json()["refusal_reason"] == "照片看不出是门前"
        assert api.post(f"/claims/{claim_id}/refuse", "committee", json={"reason": "再拒"}).status_code == 200
        late = api.post(f"/claims/{claim_id}/approve", "committee")
        assert late.status_code == 409 and error_code(late) == "invalid_state"
        assert balance(demo_engine, household.id) == before and claim_credits(demo_engine, claim_id) == 0
        mine = api.get(f"/claims/{claim_id}", "villager").json()
        assert mine["status"] == "refused" and mine["refusal_reason"] == "照片看不出是门前"
        assert any("申报未通过" in m["text"] for m in api.get("/me/messages", "villager").json()["items"])

    def test_an_approved_claim_cannot_be_refused(self, api, claim_id):
        api.post(f"/claims/{claim_id}/approve", "committee")
        r = api.post(f"/claims/{claim_id}/refuse", "official", json={"reason": "晚了"})
        assert r.status_code == 409 and error_code(r) == "invalid_state"


class TestPhoto:
    def test_the_photo_goes_through_the_pipeline(self, api, demo_engine, claim_id):
        files = {"photo": ("IMG_0001.jpg", photo_with_gps(), "image/jpeg")}
        r = api.client.put(f"/api/v1/claims/{claim_id}/photo", headers=api.headers("villager"), files=files)
        assert r.status_code == 200, r.text
        url = r.json()["photo_url"]
        served = api.client.get(url, headers=api.headers("committee"))
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert b"Exif" not in served.content and b"PhoneMaker" not in served.content
        assert api.client.get(url, headers=api.headers("neighbour")).status_code == 404
        bad = api.client.put(f"/api/v1/claims/{claim_id}/photo", headers=api.headers("villager"),
                             files={"photo": ("x.jpg", b"not an image", "image/jpeg")})
        assert bad.status_code == 422
        other = api.client.put(f"/api/v1/claims/{claim_id}/photo", headers=api.headers("committee"), files=files)
        assert other.status_code == 404
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(Claim.photo_id).where(col(Claim.id) == claim_id)).one() is not None
