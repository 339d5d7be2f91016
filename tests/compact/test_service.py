"""村规民约 on the service layer, on SQLite and PostgreSQL: an amendment rides on its 四议两公开 decision — passed
and published it is the compact's next version (once, however often or concurrently 决议公开 is sent), a failed vote
leaves the text alone; the text changes no other way; the township's 大体检."""

import pytest
from sqlmodel import select

from app.compact import checkups, service, views
from app.compact.models import CHECK_ITEMS, AmendmentStatus
from app.db import session_for
from app.disclosure import service as disclosures
from app.disclosure.models import DisclosureVersion, Step
from app.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.org.access import load_actor
from app.org.models import User
from tests.compact.conftest import CHANGE, propose, record, village_id, walk
from tests.ledger.test_races import in_transaction, run_all
from tests.service_helpers import who


@pytest.fixture
def s(demo_engine):
    with session_for(demo_engine, write=True) as session:
        yield session


def compact(s):
    return service.required_compact(s, village_id=village_id(s))


def text_now(s) -> tuple[int, str]:
    current = disclosures.current_version(s, service.disclosure_of(s, compact(s)))
    return current.version, current.body


class TestAmend:
    def test_passed_and_published_it_is_the_next_version_with_its_decision(self, s):
        official = who(s, "official")
        before, old = text_now(s)
        amendment = propose(s, who(s, "committee"))  # a committee member proposes; officials record the steps
        assert amendment.base_version == before and "第九条　节约用水" in amendment.body
        walk(s, official, amendment, upto=Step.resolve)
        assert amendment.status == AmendmentStatus.passed and text_now(s) == (before, old)  # not before 决议公开
        record(s, official, amendment, Step.publish)
        assert amendment.status == AmendmentStatus.published and amendment.published_version == before + 1
        assert text_now(s) == (before + 1, amendment.body)
        newest = views.history(s, compact(s))[0]
        assert newest.amendment.id == amendment.id and newest.amendment.decision_id == amendment.decision_id
        assert [(v.label, v.votes_for, v.outcome) for v in newest.amendment.votes] == [
            ("党员大会审议", 28, "passed"), ("村民代表会议决议", 35, "passed")]
        assert {"kind": "added", "text": "第九条　节约用水，不私接水管。"} in [d.model_dump() for d in newest.diff]
        shown = views.compact_public(s, compact(s))
        assert shown.amendment_id == amendment.id and shown.articles[1].text == CHANGE[0][1]

    @pytest.mark.parametrize("resolve", [(45, 40, (20, 15, 5)), (45, 20, (20, 0, 0))], ids=["rejected", "no_quorum"])
    def test_a_failed_vote_leaves_the_text_alone(self, s, resolve):
        official = who(s, "official")
        before = text_now(s)
        amendment = propose(s, official)
        walk(s, official, amendment, upto=Step.resolve, resolve=resolve)
        assert amendment.status == AmendmentStatus.rejected and text_now(s) == before
        with pytest.raises(InvalidState):  # the decision has ended: no 决议公开
            record(s, official, amendment, Step.publish)
        assert text_now(s) == before
        assert propose(s, official).status == AmendmentStatus.voting  # the next one may be proposed

    def test_publishing_twice_makes_one_version(self, s):
        official = who(s, "official")
        amendment = propose(s, official)
        walk(s, official, amendment, upto=Step.resolve)
        first = record(s, official, amendment, Step.publish, key="pub-1")
        assert record(s, official, amendment, Step.publish, key="pub-1").id == first.id  # the same key: same step
        with pytest.raises(InvalidState):
            record(s, official, amendment, Step.publish, key="pub-2")
        versions = s.exec(select(DisclosureVersion.version).where(
            DisclosureVersion.disclosure_id == compact(s).disclosure_id)).all()
        assert sorted(versions) == [1, 2, 3]

    def test_one_amendment_at_a_time(self, s):
        propose(s, who(s, "official"))
        with pytest.raises(InvalidState, match="上一项修订还没有结束"):
            propose(s, who(s, "committee"))

    def test_the_text_changes_no_other_way(self, s):
        disclosure = service.disclosure_of(s, compact(s))
        with pytest.raises(InvalidState, match="村规民约不能直接修改"):
            disclosures.revise(s, actor=who(s, "official"), disclosure=disclosure, title="改", body="改", reason="改")
        with pytest.raises(InvalidState, match="已经有村规民约"):
            service.create_compact(s, actor=who(s, "official"), village_id=village_id(s), body="第一条 新的")

    def test_who_may_propose_and_what(self, s):
        for name in ("villager", "attendant", "volunteer"):
            with pytest.raises(Forbidden):
                propose(s, who(s, name))
        with pytest.raises(ValidationFailed, match="没有改动"):
            propose(s, who(s, "official"), changes=None, body=text_now(s)[1])
        with pytest.raises(ValidationFailed, match="逐条"):
            propose(s, who(s, "official"), changes=None, body="没有条款的一段话")
        with pytest.raises(ValidationFailed, match="没有第二十条"):
            propose(s, who(s, "official"), changes=[(20, "跳号")])


def test_concurrent_publishing_makes_one_version(demo_engine):
    """Eight officials' phones send 决议公开 at once: one step, one version, the others told."""
    with session_for(demo_engine, write=True) as s:
        official = who(s, "official")
        amendment = propose(s, official)
        walk(s, official, amendment, upto=Step.resolve)
        s.commit()
        amendment_id, before = amendment.id, text_now(s)[0]

    def publish(i):
        def go(s):
            actor = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
            return record(s, actor, service.visible_amendment(s, actor, amendment_id), Step.publish).id
        return in_transaction(demo_engine, go)

    results = run_all(8, publish)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, (int, InvalidState)) for r in results), results
    with session_for(demo_engine, write=False) as s:
        assert text_now(s)[0] == before + 1
        assert service.visible_amendment(s, who(s, "official"), amendment_id).published_version == before + 1


class TestCheckup:
    def items(self, failed=()):
        return [(k.value, k.value not in failed, "不符合新规定" if k.value in failed else "") for k in CHECK_ITEMS]

    def test_the_township_records_it_and_a_failed_item_fails_it(self, s):
        vid = village_id(s)
        good = checkups.record_checkup(s, actor=who(s, "town_admin"), village_id=vid, items=self.items())
        bad = checkups.record_checkup(s, actor=who(s, "town_admin"), village_id=vid, items=self.items(["current"]),
                                      note="第四条标准已过时")
        assert good.passed and not bad.passed and bad.version == text_now(s)[0]
        shown = views.checkup_public(s, bad)
        assert [i.label for i in shown.items if not i.passed] == ["现行"] and shown.result_label == "未通过，须修订"
        assert views.compact_public(s, compact(s)).latest_checkup.id == bad.id
        overview = {r.name: r for r in checkups.year_overview(s, actor=who(s, "town_admin"),
                                                              year=bad.checked_on.year)}
        assert overview["示范村"].latest.id == bad.id and overview["邻村"].latest is None

    def test_a_fixed_check_is_answered_by_the_amendment_after_it(self, s):
        official = who(s, "official")
        bad = checkups.record_checkup(s, actor=who(s, "town_admin"), village_id=village_id(s),
                                      items=self.items(["enforceable"]))
        amendment = propose(s, official, checkup_id=bad.id)
        walk(s, official, amendment, upto=Step.publish)
        assert views.checkup_public(s, bad).amended_by == amendment.id

    def test_every_item_once_a_failure_explained_by_the_township_only(self, s):
        vid = village_id(s)
        with pytest.raises(ValidationFailed, match="还有项目没有检查"):
            checkups.record_checkup(s, actor=who(s, "town_admin"), village_id=vid, items=self.items()[:3])
        with pytest.raises(ValidationFailed, match="意见"):
            checkups.record_checkup(s, actor=who(s, "town_admin"), village_id=vid,
                                    items=[(k, p if k != "lawful" else False, "") for k, p, _ in self.items()])
        for name in ("official", "committee", "villager"):
            with pytest.raises(Forbidden):
                checkups.record_checkup(s, actor=who(s, name), village_id=vid, items=self.items())
        with pytest.raises(NotFound):
            service.visible_amendment(s, who(s, "official"), 2**31 + 5)
