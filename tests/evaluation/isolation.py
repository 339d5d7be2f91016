"""Records of 示范村's 评比 for tests/test_isolation.py: a round scoring (the demo's, this month), one in notice with an
objection, the final one of last month with its black-listed household, an unused criterion, a score with a photo;
and a direct award waiting for approval (above the village's limits)."""

from sqlmodel import select

from app.db import session_for
from app.evaluation.boards import shift_month, this_month
from app.evaluation.models import EvaluationRound, Score
from app.org.models import Household
from tests.shop.test_goods_api import jpeg_bytes


def evaluation_world(api, engine, ids: dict) -> dict:
    now = this_month("Asia/Shanghai")
    with session_for(engine, write=False) as s:
        rounds = {r.month: r.id for r in s.exec(select(EvaluationRound))}
        score_id = s.exec(select(Score.id).where(Score.round_id == rounds[now])).first()
        zhao = s.exec(select(Household.id).where(Household.head_name == "赵德明")).one()
    made = api.post("/criteria", "official", json={"category": "law", "name": "调解邻里纠纷", "points": 5}).json()
    spare = api.post("/criteria", "official", json={"category": "law", "name": "无人用", "points": 1}).json()
    photo = api.client.put(f"/api/v1/evaluations/{rounds[now]}/scores/{score_id}/photo",
                           headers=api.headers("committee"),
                           files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")}).json()
    notice = api.post("/evaluations", "town_admin", json={"month": shift_month(now, -2)}).json()["id"]
    api.post(f"/evaluations/{notice}/scores", "committee",
             json={"household_id": zhao, "criterion_id": made["id"], "points": 5, "reason": "好"})
    line = api.post(f"/evaluations/{notice}/publish", "official", json={"notice_days": 3}).json()["lines"][0]["id"]
    objection = api.post(f"/evaluations/{notice}/lines/{line}/objections", "villager", json={"text": "不对"}).json()
    pending = api.post("/points/awards", "official",
                       json={"household_id": zhao, "points": 300, "reason": "大额"}).json()
    return {"pending_award_id": pending["id"], "round_id": rounds[now],
            "score_id": score_id, "criterion_id": made["id"],
            "spare_criterion_id": spare["id"],
            "photo_id": int(photo["photo_url"].split("/")[-1].removesuffix(".jpg")), "notice_round_id": notice,
            "line_id": line, "objection_id": objection["id"], "final_round_id": rounds[shift_month(now, -1)],
            "black_household_id": zhao}
