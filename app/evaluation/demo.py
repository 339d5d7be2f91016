"""The demo village's 评比: its criteria, last month's final round (so 红黑榜 and 积分公示 have content) and this
month's round open for scoring. Only 李秀英's household is credited (other demo balances stay as they were)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.evaluation import criteria as catalogue
from app.evaluation import service
from app.evaluation.boards import shift_month
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, User

LAST_MONTH = [  # (household, criterion, points, reason)
    ("李秀英", "赡养老人尽心", 10, "常年照顾卧床的婆婆，邻居都看在眼里"),
    ("李秀英", "参加志愿服务", 5, "组织老年人义务理发，每月两次"),
    ("赵德明", "卫生不整洁", 0, "院里柴草乱堆、污水横流，劝了两次没改"),
]
THIS_MONTH = [
    ("王建国", "庭院整洁、垃圾分类", 5, "院子干净，垃圾分好类放在门口"),
    ("李秀英", "家庭和睦、邻里互助", 5, "帮邻居收玉米"),
]


def seed_evaluation_demo(session: Session, *, village: OrgUnit, official: User, committee: User,
                         tz: str = "Asia/Shanghai") -> None:
    made = {c.name: c for c in catalogue.seed_criteria(session, village_id=village.id)}
    households = {h.head_name: h for h in session.exec(select(Household).where(Household.village_id == village.id))}
    boss, member = load_actor(session, official), load_actor(session, committee)
    this_month = datetime.now(ZoneInfo(tz)).strftime("%Y-%m")

    def scored(month: str, lines: list[tuple[str, str, int, str]]):
        evaluation = service.open_round(session, actor=boss, village_id=village.id, month=month,
                                        latest=this_month, idempotency_key=None)
        for head, item, points, reason in lines:
            service.save_score(session, actor=member, evaluation=evaluation, household_id=households[head].id,
                               criterion_id=made[item].id, points=points, reason=reason)
        return evaluation

    last = scored(shift_month(this_month, -1), LAST_MONTH)
    days = service.min_notice_days(session, village_id=village.id)
    service.publish_round(session, actor=boss, evaluation=last, notice_days=days)
    # The demo world's history: last month's 公示 ran its days before today, so its round is final now.
    last.published_at -= timedelta(days=days)
    last.notice_ends_at -= timedelta(days=days)
    session.add(last)
    session.flush()
    service.finalize_round(session, actor=boss, evaluation=last)
    scored(this_month, THIS_MONTH)
