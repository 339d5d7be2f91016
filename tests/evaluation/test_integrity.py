"""Issue #15 "Integrity" for 评比, over the JSON API on SQLite and PostgreSQL: 回避 (nobody scores, corrects or
credits their own household alone), corrections within the item's points, which months a round opens for, the
village's shortest 公示, who sees evidence photos, and the month's rule changes on 积分公示. Most cases work on the
demo's round of this month (scoring; 王建国 and 李秀英 scored 5 each), so that each fails only without its own fix."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.evaluation.boards import shift_month, this_month
from app.evaluation.models import EvaluationAction, EvaluationRound, Score
from app.ledger.models import AwardRequest, LedgerTransaction, TxnKind
from app.org.models import User
from tests.conftest import DEMO, error_code
from tests.evaluation.test_api import MONTH, heads, line_village, score, set_min_notice_days
from tests.shop.test_goods_api import jpeg_bytes

THIS = this_month("Asia/Shanghai")
LAST = shift_month(THIS, -1)


def join_household(engine, who: str, head: str) -> None:
    """Make a demo account (committee member, official …) a member of a household of the village."""
    with session_for(engine, write=True) as s:
        user = s.exec(select(User).where(User.phone == DEMO[who])).one()
        user.household_id = heads(engine)[head]
        s.add(user)
        s.commit()


def this_rounds(engine) -> dict[str, int]:
    with session_for(engine, write=False) as s:
        return {r.month: r.id for r in s.exec(select(EvaluationRound))}


def demo_round(engine) -> int:
    """The demo's round of this month, scoring."""
    return this_rounds(engine)[THIS]


def publish(api, rid: int, days: int = 3):
    return api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": days})


class TestRecusal:
    def test_committee_member_does_not_score_own_household(self, api, demo_engine):
        h = heads(demo_engine)
        join_household(demo_engine, "committee", "王建国")  # 孙老师 now lives in 王建国's household
        rid = demo_round(demo_engine)
        r = score(api, rid, h["王建国"], "参加志愿服务", 5)
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert score(api, rid, h["李秀英"], "参加志愿服务", 5).status_code == 201  # every other household
        seen = api.get(f"/evaluations/{rid}", "villager").json()
        assert seen["recusals"] == [{"household_id": h["王建国"], "household": "王建国", "member": "孙*师"}]  # own
        other = api.get(f"/evaluations/{rid}", "volunteer").json()["recusals"]
        assert other == [{"household_id": h["王建国"], "household": "王*国", "member": "孙*师"}]

    def test_nor_changes_deletes_or_adds_a_photo_to_a_score_of_it(self, api, demo_engine):
        h, rid = heads(demo_engine), this_rounds(demo_engine)[THIS]
        with session_for(demo_engine, write=False) as s:  # the demo's score of 王建国, from before he joined
            score_id = s.exec(select(Score.id).where(Score.round_id == rid, Score.household_id == h["王建国"])).one()
        join_household(demo_engine, "committee", "王建国")
        assert error_code(score(api, rid, h["王建国"], "庭院整洁、垃圾分类", 3, "改一下")) == "conflict_of_interest"
        r = api.client.delete(f"/api/v1/evaluations/{rid}/scores/{score_id}", headers=api.headers("committee"))
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        r = api.client.put(f"/api/v1/evaluations/{rid}/scores/{score_id}/photo", headers=api.headers("committee"),
                           files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")})
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        with session_for(demo_engine, write=False) as s:
            kept = s.get(Score, score_id)
            assert kept.points == 5 and kept.photo_id is None

    def test_official_answers_but_does_not_correct_own_household(self, api, demo_engine):
        h = heads(demo_engine)
        join_household(demo_engine, "official", "赵德明")  # 张书记 is of 赵德明's household
        rid = demo_round(demo_engine)
        score(api, rid, h["赵德明"], "参加志愿服务", 5)
        publish(api, rid)
        # 张书记 reads his own household (赵德明) in full, every other masked (#18)
        lines = {x["household"]: x for x in api.get(f"/evaluations/{rid}", "official").json()["lines"]}
        objections = [api.post(f"/evaluations/{rid}/lines/{lines[name]['id']}/objections", "villager",
                               json={"text": "分数高了"}).json()["id"] for name in ("赵德明", "赵德明", "李*英")]
        url = f"/evaluations/{rid}/objections/{{}}/answer"
        r = api.post(url.format(objections[0]), "official", json={"answer": "改为 3 分", "corrected_points": 3})
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        r = api.post(url.format(objections[0]), "official", json={"answer": "撤下", "remove_from_list": True})
        assert error_code(r) == "conflict_of_interest"
        assert api.post(url.format(objections[1]), "official", json={"answer": "核实无误"}).status_code == 200
        assert api.post(url.format(objections[2]), "official",
                        json={"answer": "改为 3 分", "corrected_points": 3}).status_code == 200  # another household
        shown = {x["household"]: x["points"] for x in api.get(f"/evaluations/{rid}", "villager").json()["lines"]}
        assert shown == {"赵*明": 5, "李*英": 3, "王建国": 5}  # the villager's own household in full to him

    def test_finaliser_own_household_credit_waits_for_a_second_person(self, api, demo_engine):
        h = heads(demo_engine)
        join_household(demo_engine, "official", "赵德明")
        set_min_notice_days(api, demo_engine, 0)
        rid = demo_round(demo_engine)  # 王建国 and 李秀英 have 5 each
        score(api, rid, h["赵德明"], "参加志愿服务", 5)  # 5 points: well within the village's limits
        publish(api, rid, 0)
        before = {name: api.get(f"/households/{h[name]}", "town_admin").json()["balance"] for name in h
                  if name != "陈志强"}
        done = api.post(f"/evaluations/{rid}/finalize", "official")
        assert done.status_code == 200 and done.json()["status"] == "final"  # one decision for every household
        assert done.json()["pending_credits"] == 1
        after = {name: api.get(f"/households/{h[name]}", "town_admin").json()["balance"] for name in before}
        assert after["李秀英"] == before["李秀英"] + 5 and after["王建国"] == before["王建国"] + 5
        assert after["赵德明"] == before["赵德明"]
        with session_for(demo_engine, write=False) as s:
            waiting = s.exec(select(AwardRequest).where(AwardRequest.source_kind == TxnKind.evaluation,
                                                        AwardRequest.source_id == rid,
                                                        AwardRequest.household_id == h["赵德明"])).one()
            official_id = s.exec(select(User.id).where(User.phone == DEMO["official"])).one()
            assert (waiting.status, waiting.points, waiting.proposed_by_id) == ("pending", 5, official_id)
        r = api.post(f"/points/awards/{waiting.id}/approve", "official")
        assert r.status_code == 403 and error_code(r) == "conflict_of_interest"
        assert api.post(f"/points/awards/{waiting.id}/approve", "town_admin").status_code == 200
        assert api.get(f"/households/{h['赵德明']}", "town_admin").json()["balance"] == before["赵德明"] + 5
        assert api.get(f"/evaluations/{rid}", "villager").json()["pending_credits"] == 0
        with session_for(demo_engine, write=False) as s:
            assert len(s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.evaluation,
                                                              LedgerTransaction.source_id == rid)).all()) == 3


class TestCorrection:
    @pytest.mark.parametrize("points", [100, 6, -1])
    def test_correction_lies_within_the_items_points(self, api, demo_engine, points):
        rid = demo_round(demo_engine)  # its items are worth 5
        publish(api, rid)
        line = api.get(f"/evaluations/{rid}", "official").json()["lines"][0]["id"]
        objection = api.post(f"/evaluations/{rid}/lines/{line}/objections", "villager", json={"text": "不对"}).json()
        url = f"/evaluations/{rid}/objections/{objection['id']}/answer"
        r = api.post(url, "official", json={"answer": "更正", "corrected_points": points})
        assert error_code(r) == "validation_error" and "0 到 5" in r.json()["error"]["message"]
        assert api.post(url, "official", json={"answer": "更正", "corrected_points": 0}).status_code == 200


class TestOpenRound:
    def test_officials_open_this_month_or_the_last(self, api):
        assert error_code(api.post("/evaluations", "official", json={"month": MONTH})) == "forbidden"
        assert error_code(api.post("/evaluations", "official", json={"month": "2020-01"})) == "forbidden"
        # this month's and last month's rounds exist in the demo: refused for that, not for the month
        assert error_code(api.post("/evaluations", "official", json={"month": LAST})) == "invalid_state"
        assert error_code(api.post("/evaluations", "official", json={"month": THIS})) == "invalid_state"

    def test_an_older_month_needs_the_town_admin(self, api, demo_engine):
        made = api.post("/evaluations", "town_admin", json={"month": MONTH})
        assert made.status_code == 201 and made.json()["month"] == MONTH
        ahead = shift_month(THIS, 1)
        assert error_code(api.post("/evaluations", "town_admin", json={"month": ahead})) == "validation_error"
        with session_for(demo_engine, write=False) as s:
            entry = s.exec(select(AuditEntry).where(AuditEntry.action == EvaluationAction.round_open,
                                                    AuditEntry.target_id == made.json()["id"])).one()
            town_admin = s.exec(select(User.id).where(User.phone == DEMO["town_admin"])).one()
            assert entry.actor_id == town_admin and '"late": true' in entry.detail

    def test_the_page_refuses_an_official_too(self, api):
        r = api.client.post("/evaluation/rounds", data={"month": MONTH}, headers=api.headers("official"))
        assert r.status_code == 403


class TestNoticeDays:
    def test_below_the_villages_minimum_is_refused(self, api, demo_engine):
        rid = demo_round(demo_engine)
        for days in (0, 2):
            r = publish(api, rid, days)
            assert error_code(r) == "validation_error" and r.json()["error"]["message"] == "公示期不能少于 3 天"
        assert api.get(f"/evaluations/{rid}", "official").json()["min_notice_days"] == 3
        set_min_notice_days(api, demo_engine, 5)
        assert publish(api, rid, 4).json()["error"]["message"] == "公示期不能少于 5 天"
        assert publish(api, rid, 5).json()["status"] == "notice"

    def test_a_minimum_of_zero_finalises_at_once(self, api, demo_engine):
        set_min_notice_days(api, demo_engine, 0)
        rid = demo_round(demo_engine)
        assert publish(api, rid, 0).status_code == 200
        assert api.post(f"/evaluations/{rid}/finalize", "official").json()["status"] == "final"

    def test_officials_cannot_lower_it(self, api, demo_engine):
        r = api.client.put(f"/api/v1/villages/{line_village(demo_engine)}/evaluation-settings",
                           headers=api.headers("official"), json={"min_notice_days": 0})
        assert r.status_code == 403


class TestEvidencePhotos:
    def test_who_sees_a_photo(self, api, demo_engine):
        h, rid = heads(demo_engine), this_rounds(demo_engine)[THIS]
        with session_for(demo_engine, write=False) as s:  # the demo's score of 王建国's household
            score_id = s.exec(select(Score.id).where(Score.round_id == rid, Score.household_id == h["王建国"])).one()
        put = api.client.put(f"/api/v1/evaluations/{rid}/scores/{score_id}/photo", headers=api.headers("committee"),
                             files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")})
        url = put.json()["photo_url"]

        def status(who: str) -> int:
            return api.client.get(url, headers=api.headers(who)).status_code

        # while scoring: the committee and staff; not the household, another household, another village
        assert {who: status(who) for who in ("committee", "official", "town_admin", "villager", "volunteer",
                                             "attendant", "neighbour")} == \
            {"committee": 200, "official": 200, "town_admin": 200, "villager": 404, "volunteer": 404,
             "attendant": 404, "neighbour": 404}
        publish(api, rid)
        # published: the household (王建国, 13800000004) sees its own line's photo; 李秀英's household does not
        assert status("villager") == 200 and status("volunteer") == 404 and status("neighbour") == 404
        lines = api.get(f"/evaluations/{rid}", "villager").json()["lines"]
        assert {x["household"]: x["photo_urls"] for x in lines} == {"王建国": [url], "李*英": []}  # his own in full
        others = api.get(f"/evaluations/{rid}", "volunteer").json()["lines"]
        assert all(x["photo_urls"] == [] for x in others)


class TestRuleChangesOnPointsNotice:
    def test_lists_the_months_changes_with_who_and_what(self, api, demo_engine):
        vid = line_village(demo_engine)
        assert api.client.put(f"/api/v1/villages/{vid}/award-limits", headers=api.headers("town_admin"),
                              json={"single_limit": 300, "monthly_limit": 500}).status_code == 200
        set_min_notice_days(api, demo_engine, 5)
        r = api.client.put("/api/v1/service-settings", headers=api.headers("official"),
                           json={"points_per_hour": 12})
        assert r.status_code == 200, r.text
        notice = api.get(f"/villages/{vid}/points-notice", "villager").json()
        changes = [(c["by"], c["role"], c["label"], [(x["what"], x["before"], x["after"]) for x in c["changes"]])
                   for c in notice["rule_changes"]]
        assert changes == [
            ("张书记", "村干部", "修改服务规则", [("每小时积分", 10, 12)]),
            ("周镇长", "乡镇管理员", "设置村积分规则上限", [("最短公示天数", 3, 5)]),
            ("周镇长", "乡镇管理员", "设置积分奖励限额", [("单笔限额", 200, 300)]),
        ]
        assert all(c["created_at"] for c in notice["rule_changes"])
        earlier = api.get(f"/villages/{vid}/points-notice?month={LAST}", "villager").json()
        assert earlier["rule_changes"] == []
        assert api.get(f"/villages/{vid}/points-notice", "neighbour").status_code == 404
