"""村务公开's rules called straight on the service layer with a session, on SQLite and PostgreSQL: who publishes
where, revisions as new versions, read receipts once per household, questions and their answers."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.disclosure import service
from app.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.org.models import Household
from tests.service_helpers import who


@pytest.fixture
def s(demo_engine):
    with session_for(demo_engine, write=True) as session:
        yield session


def village_of(session, head: str) -> int:
    return session.exec(select(Household).where(Household.head_name == head)).one().village_id


def publish(session, title: str = "2026 年低保名单"):
    official = who(session, "official")
    return service.publish(session, actor=official, village_id=service.official_village(official),
                           category="affairs", title=title, body="名单如下")


class TestWhereOneMayPublish:
    def test_an_official_publishes_for_their_own_village(self, s):
        assert service.official_village(who(s, "official")) == village_of(s, "王建国")
        made = publish(s)
        assert made.version == 1 and service.current_version(s, made).body == "名单如下"

    def test_a_villager_is_refused_and_another_village_is_not_found(self, s):
        with pytest.raises(Forbidden, match="只有村干部可以发布公开"):
            service.official_village(who(s, "villager"))
        with pytest.raises(Forbidden):
            service.official_village(who(s, "villager"), village_of(s, "王建国"))
        with pytest.raises(NotFound):
            service.official_village(who(s, "official"), village_of(s, "陈志强"))
        with pytest.raises(Forbidden):
            service.publish(s, actor=who(s, "villager"), village_id=village_of(s, "王建国"), category="affairs",
                            title="t", body="b")


class TestRevise:
    def test_a_revision_is_a_new_version_and_the_first_stays(self, s):
        made = publish(s)
        service.revise(s, actor=who(s, "official"), disclosure=made, title="2026 年低保名单（更正）",
                       body="名单更正如下", reason="漏了一户")
        assert made.version == 2 and service.current_version(s, made).body == "名单更正如下"
        assert sorted((v.version, v.body) for v in service.versions(s, made)) == [(1, "名单如下"), (2, "名单更正如下")]

    def test_a_revision_without_a_change_is_refused(self, s):
        made = publish(s)
        with pytest.raises(ValidationFailed, match="内容没有改动"):
            service.revise(s, actor=who(s, "official"), disclosure=made, title=made.title, body="名单如下", reason="无")


class TestReading:
    def test_a_household_reads_once_and_its_unread_count_drops(self, s):
        villager = who(s, "villager")
        before = service.unread_count(s, actor=villager)
        made = publish(s)
        assert service.unread_count(s, actor=villager) == before + 1
        assert service.record_read(s, actor=villager, disclosure=made) is True
        assert service.record_read(s, actor=villager, disclosure=made) is False
        assert service.unread_count(s, actor=villager) == before and service.has_read(s, actor=villager,
                                                                                        disclosure=made)

    def test_staff_without_a_household_leave_no_receipt(self, s):
        made = publish(s)
        assert service.record_read(s, actor=who(s, "official"), disclosure=made) is False
        assert service.reader_village(s, who(s, "town_admin")) is not None  # the first village they oversee


class TestQuestions:
    def test_a_villager_asks_an_official_answers_once(self, s):
        made = publish(s)
        question = service.ask(s, actor=who(s, "villager"), disclosure=made, body="为什么没有我家？")
        assert service.unanswered_count(s, actor=who(s, "official")) >= 1
        service.answer(s, actor=who(s, "official"), question=question, text="您家不符合条件")
        with pytest.raises(InvalidState, match="已经答复过了"):
            service.answer(s, actor=who(s, "official"), question=question, text="另一个答复")

    def test_a_user_of_no_household_of_the_village_may_not_ask(self, s):
        made = publish(s)
        with pytest.raises(Forbidden, match="只有本村村民可以提问"):
            service.ask(s, actor=who(s, "committee"), disclosure=made, body="问")
