"""评比's rules called straight on the service layer with a session, on SQLite and PostgreSQL: who scores, what a
score may be, what publishing and objections do. The demo's round of this month is scoring (王建国 and 李秀英 scored
5 each by the committee member 孙老师)."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.errors import Forbidden, InvalidState, ValidationFailed
from app.evaluation import service
from app.evaluation.boards import this_month
from app.evaluation.models import Criterion, EvaluationRound, RoundStatus
from tests.service_helpers import head, who

THIS = this_month("Asia/Shanghai")


@pytest.fixture
def s(demo_engine):
    with session_for(demo_engine, write=True) as session:
        yield session


def criterion(session, name: str) -> Criterion:
    return session.exec(select(Criterion).where(Criterion.name == name)).one()


def this_round(session) -> EvaluationRound:
    return session.exec(select(EvaluationRound).where(EvaluationRound.month == THIS)).one()


def publish(session) -> EvaluationRound:
    evaluation = this_round(session)
    days = service.min_notice_days(session, village_id=evaluation.village_id)
    return service.publish_round(session, actor=who(session, "official"), evaluation=evaluation, notice_days=days)


class TestSaveScore:
    def test_the_same_member_household_and_item_again_changes_the_score(self, s):
        evaluation, item = this_round(s), criterion(s, "庭院整洁、垃圾分类")
        score, created = service.save_score(s, actor=who(s, "committee"), evaluation=evaluation,
                                            household_id=head(s, "王建国").id, criterion_id=item.id, points=3,
                                            reason="门口还有一袋没分")
        assert not created and score.points == 3
        assert [x.points for x in service.round_scores(s, actor=who(s, "official"), evaluation=evaluation)
                if x.id == score.id] == [3]

    def test_points_beyond_the_items_value_are_refused(self, s):
        item = criterion(s, "庭院整洁、垃圾分类")
        for points in (item.points + 1, -1, True, 2.5):
            with pytest.raises(ValidationFailed, match=f"0 到 {item.points}"):
                service.save_score(s, actor=who(s, "committee"), evaluation=this_round(s),
                                   household_id=head(s, "赵德明").id, criterion_id=item.id, points=points,
                                   reason="院子干净")

    def test_only_the_committee_scores(self, s):
        with pytest.raises(Forbidden, match="评比委员"):
            service.save_score(s, actor=who(s, "official"), evaluation=this_round(s),
                               household_id=head(s, "赵德明").id, criterion_id=criterion(s, "庭院整洁、垃圾分类").id,
                               points=1, reason="院子干净")


class TestRoundScores:
    def test_staff_see_every_score_a_villager_none(self, s):
        evaluation = this_round(s)
        assert len(service.round_scores(s, actor=who(s, "official"), evaluation=evaluation)) == 2
        assert len(service.round_scores(s, actor=who(s, "town_admin"), evaluation=evaluation)) == 2
        assert service.round_scores(s, actor=who(s, "villager"), evaluation=evaluation) == []


class TestPublishAndObject:
    def test_publishing_puts_one_line_per_household_and_item_on_notice(self, s):
        evaluation = publish(s)
        assert evaluation.status == RoundStatus.notice and evaluation.notice_ends_at > evaluation.published_at
        lines = service.round_lines(s, evaluation=evaluation)
        assert {(x.household_id, x.points) for x in lines} == {(head(s, "王建国").id, 5), (head(s, "李秀英").id, 5)}

    def test_a_villager_objects_to_a_line_a_user_of_no_household_may_not(self, s):
        evaluation = publish(s)
        line = service.round_lines(s, evaluation=evaluation)[0]
        made = service.file_objection(s, actor=who(s, "villager"), evaluation=evaluation, line_id=line.id,
                                      text="这一项我家也做到了", idempotency_key=None)
        assert [o.id for o in service.round_objections(s, evaluation=evaluation)] == [made.id]
        with pytest.raises(Forbidden, match="只有本村村民"):
            service.file_objection(s, actor=who(s, "committee"), evaluation=evaluation, line_id=line.id,
                                   text="异议", idempotency_key=None)

    def test_the_round_is_not_final_before_its_notice_ends(self, s):
        evaluation = publish(s)
        with pytest.raises(InvalidState, match="公示期还没结束"):
            service.finalize_round(s, actor=who(s, "official"), evaluation=evaluation)
