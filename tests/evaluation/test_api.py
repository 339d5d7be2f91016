"""文明新风评比 over the JSON API, on SQLite and PostgreSQL: criteria, a round from scoring to final, and every
refusal the issue names."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.evaluation.boards import shift_month, this_month
from app.evaluation.models import EvaluationRound
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction, TxnKind
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User
from tests.conftest import DEMO_HASH, error_code

# The demo has rounds for this month and last month; an older month's round is opened by the town admin.
MONTH = shift_month(this_month("Asia/Shanghai"), -2)


def heads(engine) -> dict[str, int]:
    with session_for(engine, write=False) as s:
        return {h.head_name: h.id for h in s.exec(select(Household))}


def criterion(api, name: str) -> dict:
    return next(c for c in api.get("/criteria", "official").json()["items"] if c["name"] == name)


def balance(api, household_id: int) -> int:
    return api.get(f"/households/{household_id}", "official").json()["balance"]


def open_round(api, month=MONTH, who="town_admin") -> int:
    r = api.post("/evaluations", who, json={"month": month})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "scoring"
    return r.json()["id"]


def score(api, round_id, household_id, name, points, reason="表现好", who="committee"):
    return api.post(f"/evaluations/{round_id}/scores", who,
                    json={"household_id": household_id, "criterion_id": criterion(api, name)["id"],
                          "points": points, "reason": reason})


def set_min_notice_days(api, engine, days: int) -> None:
    """The town admin sets the village's shortest 公示 (0: a round may be finalised at once)."""
    r = api.client.put(f"/api/v1/villages/{line_village(engine)}/evaluation-settings",
                       headers=api.headers("town_admin"), json={"min_notice_days": days})
    assert r.status_code == 200, r.text


def add_committee_member(engine, phone="13800000055", name="钱大爷") -> str:
    with session_for(engine, write=True) as s:
        village = s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one()
        user = User(name=name, phone=phone, password_hash=DEMO_HASH)
        s.add(user)
        s.flush()
        s.add(RoleAssignment(user_id=user.id, role=Role.committee, org_id=village.id))
        s.commit()
    return phone


class TestCriteria:
    def test_demo_catalogue_covers_six_categories_and_both_lists(self, api):
        items = api.get("/criteria", "villager").json()["items"]
        assert {c["category"] for c in items} == {"hard_work", "filial", "customs", "hygiene", "law", "public_good"}
        assert {c["list"] for c in items} >= {"red", "black", None}
        assert {"name": "赡养老人尽心", "points": 10, "list": "red", "category": "filial"}.items() <= \
            criterion(api, "赡养老人尽心").items()

    def test_official_adds_edits_retires_deletes(self, api):
        r = api.post("/criteria", "official", key="c1",
                     json={"category": "law", "name": "<script>x</script>", "points": 3, "list": None})
        assert r.status_code == 201
        again = api.post("/criteria", "official", key="c1",
                         json={"category": "law", "name": "<script>x</script>", "points": 3, "list": None})
        assert again.json()["id"] == r.json()["id"]  # a double submit makes one
        cid = r.json()["id"]
        assert api.patch(f"/criteria/{cid}", "official", json={"points": 4}).json()["points"] == 4
        assert api.post(f"/criteria/{cid}/retire", "official").json()["active"] is False
        assert cid not in [c["id"] for c in api.get("/criteria", "official").json()["items"]]
        assert api.client.delete(f"/api/v1/criteria/{cid}", headers=api.headers("official")).status_code == 204

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("body", [{"category": "nope", "name": "x", "points": 1},
                                      {"category": "law", "name": "\u200b", "points": 1},
                                      {"category": "law", "name": "x", "points": 101},
                                      {"category": "law", "name": "x", "points": 1, "list": "green"}])
    def test_refuses_bad_criteria(self, api, body):
        assert error_code(api.post("/criteria", "official", json=body)) == "validation_error"

    def test_only_officials_edit(self, api):
        body = {"category": "law", "name": "x", "points": 1}
        assert api.post("/criteria", "committee", json=body).status_code in (403, 404)
        assert api.post("/criteria", "villager", json=body).status_code in (403, 404)

    def test_criterion_used_in_a_final_round_is_kept(self, api):
        used = criterion(api, "赡养老人尽心")  # the demo's final round last month used it
        assert error_code(api.patch(f"/criteria/{used['id']}", "official", json={"points": 20})) == "invalid_state"
        r = api.client.delete(f"/api/v1/criteria/{used['id']}", headers=api.headers("official"))
        assert error_code(r) == "invalid_state"
        assert api.post(f"/criteria/{used['id']}/retire", "official").json()["active"] is False


class TestRound:
    def test_whole_round(self, api, demo_engine):
        h = heads(demo_engine)
        set_min_notice_days(api, demo_engine, 0)
        rid = open_round(api)
        assert error_code(api.post("/evaluations", "town_admin", json={"month": MONTH})) == "invalid_state"
        assert score(api, rid, h["赵德明"], "赡养老人尽心", 10).status_code == 201
        changed = score(api, rid, h["赵德明"], "赡养老人尽心", 8, "改一下")
        assert changed.status_code == 200 and changed.json()["points"] == 8  # edits own score
        assert score(api, rid, h["李秀英"], "卫生不整洁", 0, "<script>alert(1)</script>").status_code == 201
        # a villager sees no scores and no results while scoring
        seen = api.get(f"/evaluations/{rid}", "villager").json()
        assert seen["scores"] == [] and seen["lines"] == [] and "平均" in seen["rule"]
        assert len(api.get(f"/evaluations/{rid}", "official").json()["scores"]) == 2
        r = api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 0})
        assert r.status_code == 200 and r.json()["status"] == "notice"
        lines = api.get(f"/evaluations/{rid}", "villager").json()["lines"]
        assert {(x["household"], x["points"], x["list"]) for x in lines} == {("赵*明", 8, "red"),
                                                                              ("李*英", 0, "black")}
        assert error_code(score(api, rid, h["赵德明"], "参加志愿服务", 5)) == "invalid_state"  # closed
        line = next(x for x in lines if x["household"] == "赵*明")
        obj = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "villager", key="o1",
                       json={"text": "他家老人是别人照顾的"})
        assert obj.status_code == 201
        again = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "villager", key="o1",
                         json={"text": "他家老人是别人照顾的"})
        assert again.json()["id"] == obj.json()["id"]
        assert error_code(api.post(f"/evaluations/{rid}/finalize", "official")) == "invalid_state"  # unanswered
        ans = api.post(f"/evaluations/{rid}/objections/{obj.json()['id']}/answer", "official",
                       json={"answer": "核实后改为 6 分", "corrected_points": 6})
        assert ans.status_code == 200 and ans.json()["answer"] == "核实后改为 6 分"
        shown = next(x for x in api.get(f"/evaluations/{rid}", "villager").json()["lines"] if x["id"] == line["id"])
        assert (shown["points"], shown["original_points"], shown["corrected"]) == (6, 8, True)
        before = balance(api, h["赵德明"])
        done = api.post(f"/evaluations/{rid}/finalize", "official")
        assert done.status_code == 200 and done.json()["status"] == "final"
        assert api.post(f"/evaluations/{rid}/finalize", "official").status_code == 200  # again: as it is
        assert balance(api, h["赵德明"]) == before + 6
        board = api.get(f"/villages/{line_village(demo_engine)}/red-black-list?month={MONTH}", "villager").json()
        assert [b["household"] for b in board["red"]] == ["赵*明"]
        assert [b["household"] for b in board["black"]] == ["李*英"]
        with session_for(demo_engine, write=False) as s:
            txns = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.evaluation,
                                                          LedgerTransaction.source_id == rid)).all()
            assert len(txns) == 1 and check_ledger(s) == []

    def test_no_round_for_a_month_still_ahead(self, api):
        ahead = shift_month(this_month("Asia/Shanghai"), 1)
        assert error_code(api.post("/evaluations", "official", json={"month": ahead})) == "validation_error"
        assert error_code(api.post("/evaluations", "official", json={"month": "2026-13"})) == "validation_error"

    def test_finalize_before_notice_ends(self, api, demo_engine):
        h = heads(demo_engine)
        rid = open_round(api)
        score(api, rid, h["赵德明"], "参加志愿服务", 5)
        assert error_code(api.post(f"/evaluations/{rid}/finalize", "official")) == "invalid_state"  # not published
        api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 3})
        assert error_code(api.post(f"/evaluations/{rid}/finalize", "official")) == "invalid_state"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("days", [-1, 31, "3", True])
    def test_notice_days_bounded(self, api, demo_engine, days):
        rid = open_round(api)
        score(api, rid, heads(demo_engine)["赵德明"], "参加志愿服务", 5)
        assert error_code(api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": days})) \
            == "validation_error"

    def test_scoring_refusals(self, api, demo_engine):
        h = heads(demo_engine)
        rid = open_round(api)
        assert score(api, rid, h["赵德明"], "参加志愿服务", 5, who="official").status_code == 403  # not committee
        assert score(api, rid, h["赵德明"], "参加志愿服务", 5, who="villager").status_code == 403
        assert score(api, rid, h["陈志强"], "参加志愿服务", 5).status_code == 404  # another village's household
        assert error_code(score(api, rid, h["赵德明"], "参加志愿服务", 6)) == "validation_error"  # above the item
        assert error_code(score(api, rid, h["赵德明"], "参加志愿服务", 5, reason="\u200b\u200b")) \
            == "validation_error"
        r = api.post(f"/evaluations/{rid}/scores", "committee",
                     json={"household_id": 2**31, "criterion_id": 1, "points": 1, "reason": "x"})
        assert r.status_code == 422
        assert api.get("/evaluations/2147483648", "official").status_code == 404

    def test_neighbour_cannot_see_or_object(self, api, demo_engine):
        h = heads(demo_engine)
        rid = open_round(api)
        score(api, rid, h["赵德明"], "参加志愿服务", 5)
        api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 3})
        line = api.get(f"/evaluations/{rid}", "official").json()["lines"][0]
        assert api.get(f"/evaluations/{rid}", "neighbour").status_code == 404
        r = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "neighbour", json={"text": "不服"})
        assert r.status_code == 404
        r = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "official", json={"text": "x"})
        assert r.status_code == 403  # not a villager of the village
        r = api.post(f"/evaluations/{rid}/lines/{line['id']}/objections", "villager", json={"text": "\u200b"})
        assert error_code(r) == "validation_error"

    def test_two_members_combine_by_the_rule(self, api, demo_engine):
        h = heads(demo_engine)
        second = add_committee_member(demo_engine)
        rid = open_round(api)
        score(api, rid, h["赵德明"], "赡养老人尽心", 10)
        score(api, rid, h["赵德明"], "赡养老人尽心", 7, who=second)  # mean 8.5 → 9
        score(api, rid, h["赵德明"], "卫生不整洁", 0, who=second)  # one of two members: not a majority
        api.post(f"/evaluations/{rid}/publish", "official", json={"notice_days": 3})
        lines = api.get(f"/evaluations/{rid}", "villager").json()["lines"]
        assert [(x["item"], x["points"], x["list"]) for x in lines] == [("赡养老人尽心", 9, "red")]


def line_village(engine) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one().id


class TestBoards:
    def test_demo_board_last_month_and_coverage(self, api, demo_engine):
        vid = line_village(demo_engine)
        last = shift_month(this_month("Asia/Shanghai"), -1)
        board = api.get(f"/villages/{vid}/red-black-list?month={last}", "villager").json()
        assert [b["household"] for b in board["red"]] == ["李*英"]
        assert [b["household"] for b in board["black"]] == ["赵*明"]
        assert board["coverage"]["listed"] == 2 and board["coverage"]["households"] == 3
        cov = api.get(f"/red-black-coverage?month={last}", "town_admin").json()
        assert {v["name"] for v in cov["villages"]} == {"示范村", "邻村"}
        assert {r["name"]: (r["listed"], r["households"]) for r in cov["rolled_up"]} == \
            {"振风县": (2, 4), "清河镇": (2, 4)}
        assert api.get(f"/villages/{vid}/red-black-list", "neighbour").status_code == 404

    def test_follow_up_takes_household_off_black_list(self, api, demo_engine):
        vid, h = line_village(demo_engine), heads(demo_engine)
        last = shift_month(this_month("Asia/Shanghai"), -1)
        rid = api.get(f"/villages/{vid}/red-black-list?month={last}", "official").json()["round_id"]
        url = f"/evaluations/{rid}/households/{h['赵德明']}/follow-ups"
        visit = {"visited_by": "张书记、孙老师", "change": "上门讲了两次，还没改", "transformed": False}
        assert api.post(url, "official", json=visit).status_code == 201
        assert [b["household"] for b in api.get(f"/villages/{vid}/red-black-list?month={last}",
                                                "villager").json()["black"]] == ["赵*明"]
        assert api.post(url, "villager", json=visit).status_code == 403
        assert error_code(api.post(f"/evaluations/{rid}/households/{h['李秀英']}/follow-ups", "official",
                                   json=visit)) == "invalid_state"  # not on the black list
        done = {**visit, "change": "院子收拾干净了", "transformed": True}
        assert api.post(url, "official", json=done).status_code == 201
        board = api.get(f"/villages/{vid}/red-black-list?month={last}", "villager").json()
        assert board["black"] == [] and [b["household"] for b in board["transformed"]] == ["赵*明"]

    def test_points_notice(self, api, demo_engine):
        vid = line_village(demo_engine)
        notice = api.get(f"/villages/{vid}/points-notice", "villager").json()
        kinds = {x["kind"] for x in notice["items"]}
        assert {"award", "evaluation"} <= kinds
        assert "王建国" in {x["household"] for x in notice["items"]}  # his own household in full to him
        others = api.get(f"/villages/{vid}/points-notice", "volunteer").json()["items"]
        assert "王*国" in {x["household"] for x in others} and "王建国" not in {x["household"] for x in others}
        assert notice["fund_balance"] > 0 and notice["total"] == sum(notice["totals"].values())
        assert api.get(f"/villages/{vid}/points-notice", "neighbour").status_code == 404
        assert error_code(api.get(f"/villages/{vid}/points-notice?month=2026-13", "villager")) == "validation_error"


def test_round_months_are_unique_per_village(api, demo_engine):
    with session_for(demo_engine, write=False) as s:
        months = [r.month for r in s.exec(select(EvaluationRound))]
    assert len(months) == len(set(months)) == 2
