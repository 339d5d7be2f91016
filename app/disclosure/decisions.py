"""四议两公开: a village decision recorded step by step, in order, none skipped (the 小微权力清单: powers.py)."""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.disclosure.models import (
    DECISION_TARGET,
    OUTCOME_LABELS,
    STEP_LABELS,
    STEPS,
    VOTE_STEPS,
    Decision,
    DecisionPublic,
    DecisionStep,
    DisclosureAction,
    Outcome,
    Step,
    StepPublic,
)
from app.disclosure.registry import decision_followers
from app.disclosure.service import file_public, files_of
from app.errors import InvalidState, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.org.access import EVERYONE, OFFICIALS, Actor, get_visible, in_villages
from app.paging import Page, page_desc
from app.text import clean_text
from app.votes import Meeting, count, tally

# 村民委员会组织法 第二十六条: a 村民代表会议 sits with two thirds or more of its members, decides by more than half
# of those present. 中国共产党支部工作条例: a 党员大会 votes with half or more of its members present. A resolution
# passes with more than half of those present voting for it.
MEETINGS = {
    Step.review: Meeting("党员大会", (1, 2), "须有半数以上党员到会"),
    Step.resolve: Meeting("村民代表会议", (2, 3), "须有三分之二以上村民代表到会"),
}
assert set(MEETINGS) == VOTE_STEPS


def visible_decision(session: Session, actor: Actor, decision_id: int) -> Decision:
    return get_visible(session, actor, Decision, decision_id, roles=EVERYONE, missing="找不到该事项")


def create_decision(session: Session, *, actor: Actor, village_id: int, title: str, summary: str = "",
                    idempotency_key: str | None = None) -> Decision:
    actor.require(village_id, OFFICIALS, "只有村干部可以发起四议两公开事项")
    payload = {"village_id": village_id, "title": title, "summary": summary}
    return create_once(session, scope=f"user:{actor.id}:decision.create", key=idempotency_key, payload=payload,
                       model=Decision, action=lambda: open_decision(session, actor=actor, **payload))


def open_decision(session: Session, *, actor: Actor, village_id: int, title: str, summary: str) -> Decision:
    """A new decision at its first step, for a caller that has checked who may open it (create_decision: an
    official; a 村规民约 amendment: its proposer, app/compact)."""
    decision = Decision(village_id=village_id, title=clean_text(title, label="事项名称", max_length=100, field="title"),
                        summary=clean_text(summary, label="事项说明", max_length=1000, required=False,
                                           multiline=True, field="summary"),
                        created_by=actor.id)
    session.add(decision)
    session.flush()
    record_action(session, actor_id=actor.id, action=DisclosureAction.decision_create, village_id=village_id,
                  target_type=DECISION_TARGET, target_id=decision.id, target_label=decision.title)
    return decision


def next_step(decision: Decision, last: DecisionStep | None) -> Step | None:
    """The step to record next; None when all six are done or a vote ended the decision (`last` is its last step)."""
    if failed(last) or decision.steps_done >= len(STEPS):
        return None
    return STEPS[decision.steps_done]


def failed(last: DecisionStep | None) -> bool:
    """Whether the decision ended at its last step: a vote that did not pass or a meeting without a quorum."""
    return last is not None and last.outcome not in (None, Outcome.passed)


def outcome_of(step: Step, *, attendance: int, expected: int, votes_for: int | None) -> Outcome:
    """What a voting step's counts decided: its body's `Meeting` rule (app/votes.py)."""
    return MEETINGS[step].outcome(attendance=attendance, expected=expected, votes_for=votes_for)


def record_step(session: Session, *, actor: Actor, decision: Decision, step: str, held_on: date,
                attendance: int | None, expected: int | None = None, votes_for: int | None = None,
                votes_against: int | None = None, votes_abstain: int | None = None, minutes: str = "",
                idempotency_key: str | None = None) -> DecisionStep:
    """Record the decision's next step; any other step (skipped, repeated, unknown) is refused."""
    actor.require(decision.village_id, OFFICIALS, "只有本村村干部可以记录")
    payload = {"decision_id": decision.id, "step": step, "held_on": held_on.isoformat(), "attendance": attendance,
               "expected": expected, "votes_for": votes_for, "votes_against": votes_against,
               "votes_abstain": votes_abstain, "minutes": minutes}
    return create_once(session, scope=f"user:{actor.id}:decision.step", key=idempotency_key, payload=payload,
                       model=DecisionStep,
                       action=lambda: _record(session, actor=actor, decision=decision, step=step, held_on=held_on,
                                              attendance=attendance, expected=expected, votes_for=votes_for,
                                              votes_against=votes_against, votes_abstain=votes_abstain,
                                              minutes=minutes))


def _record(session: Session, *, actor: Actor, decision: Decision, step: str, held_on: date, attendance: int | None,
            expected: int | None, votes_for: int | None, votes_against: int | None, votes_abstain: int | None,
            minutes: str) -> DecisionStep:
    if step not in STEP_LABELS:
        raise ValidationFailed("步骤无效", field="step")
    last = _last_step(session, decision)
    wanted = next_step(decision, last)
    if wanted is None:
        raise InvalidState("该事项表决未通过，已经结束" if failed(last) else "该事项六个步骤都已完成")
    if step != wanted:
        raise InvalidState(f"请按顺序办理：下一步应是「{STEP_LABELS[wanted]}」")
    is_vote = step in VOTE_STEPS
    attendance = count(attendance, "到会人数", required=True)
    expected = _expected(expected, step=wanted) if is_vote else count(expected, "应到人数", required=False)
    if expected is not None and attendance > expected:  # type: ignore[operator]
        raise ValidationFailed("到会人数不能多于应到人数", field="attendance")
    votes, outcome = _votes(wanted, attendance=attendance, expected=expected,  # type: ignore[arg-type]
                            votes=[votes_for, votes_against, votes_abstain])
    if last is not None and held_on < last.held_on:
        raise ValidationFailed("日期不能早于上一步", field="held_on")
    row = DecisionStep(decision_id=decision.id, step=step, position=decision.steps_done + 1, held_on=held_on,
                       attendance=attendance, expected=expected, votes_for=votes[0], votes_against=votes[1],
                       votes_abstain=votes[2], outcome=outcome, recorded_by=actor.id,
                       minutes=clean_text(minutes, label="会议记录", max_length=5000, required=False, multiline=True,
                                          field="minutes"))
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()  # the unique (decision, step) stops a second official recording the same step at once
    except IntegrityError:
        raise InvalidState("这一步刚被别人记录过，请刷新后再看") from None
    decision.steps_done += 1
    session.add(decision)
    session.flush()
    record_action(session, actor_id=actor.id, action=DisclosureAction.decision_step, village_id=decision.village_id,
                  target_type=DECISION_TARGET, target_id=decision.id, target_label=decision.title,
                  detail={"step": step, "label": STEP_LABELS[Step(step)], "attendance": attendance,
                          "expected": expected, "votes": votes if is_vote else None, "outcome": outcome})
    for follower in decision_followers():  # a record riding on the decision moves with it (app/disclosure/registry.py)
        follower.on_step(session, decision=decision, step=row, actor=actor)
    return row


def _votes(step: Step, *, attendance: int, expected: int | None, votes: list[int | None]
           ) -> tuple[list[int | None], Outcome | None]:
    """The votes as recorded and what they decided (None for a step that is not a vote)."""
    if step not in VOTE_STEPS:
        if any(v is not None for v in votes):
            raise ValidationFailed("这一步不是表决，不填票数")
        return votes, None
    return tally(MEETINGS[step], attendance=attendance, expected=expected, votes=votes)  # type: ignore[arg-type]


def _expected(value: int | None, *, step: Step) -> int:
    """A voting step's membership: without it the quorum cannot be checked."""
    meeting = MEETINGS[step]
    if value is None:
        raise ValidationFailed(f"请填写应到人数（{meeting.name}的组成人数），用于核对是否达到法定人数"
                               f"（{meeting.rule}）", field="expected")
    expected = count(value, "应到人数", required=True)
    if expected == 0:
        raise ValidationFailed("应到人数应大于 0", field="expected")
    return expected  # type: ignore[return-value]


def _last_step(session: Session, decision: Decision) -> DecisionStep | None:
    return session.exec(select(DecisionStep).where(DecisionStep.decision_id == decision.id)
                        .order_by(DecisionStep.position.desc())).first()


def step_of(session: Session, decision: Decision, step_id: int) -> DecisionStep:
    step = session.get(DecisionStep, step_id) if in_range(step_id) else None
    if step is None or step.decision_id != decision.id:
        raise NotFound("找不到该步骤")
    return step


def steps_of(session: Session, decision: Decision) -> list[DecisionStep]:
    return list(session.exec(select(DecisionStep).where(DecisionStep.decision_id == decision.id)
                             .order_by(DecisionStep.position)))


def decision_public(session: Session, decision: Decision) -> DecisionPublic:
    steps = steps_of(session, decision)
    files: dict[int, list] = {}
    for f in files_of(session, step_ids=[s.id for s in steps]):
        files.setdefault(f.decision_step_id, []).append(file_public(f))
    last = steps[-1] if steps else None
    wanted = next_step(decision, last)
    return DecisionPublic(
        id=decision.id, village_id=decision.village_id, title=decision.title, summary=decision.summary,
        status=wanted.value if wanted else "failed" if failed(last) else "done", created_at=decision.created_at,
        steps=[StepPublic(id=s.id, step=s.step, label=STEP_LABELS[Step(s.step)], position=s.position,
                          held_on=s.held_on, attendance=s.attendance, expected=s.expected, votes_for=s.votes_for,
                          votes_against=s.votes_against, votes_abstain=s.votes_abstain, outcome=s.outcome,
                          outcome_label=OUTCOME_LABELS[Outcome(s.outcome)] if s.outcome else None,
                          minutes=s.minutes, attachments=files.get(s.id, [])) for s in steps])


def list_decisions(session: Session, *, actor: Actor, village_id: int | None = None, limit: int | None = None,
                   cursor: str | None = None) -> Page:
    """The 四议两公开 matters of the villages the actor sees (or of one of them), newest first."""
    stmt = in_villages(select(Decision), actor, Decision.village_id)
    if village_id is not None:
        stmt = stmt.where(Decision.village_id == village_id)
    return page_desc(session, stmt, Decision.id, limit=limit, cursor=cursor)

