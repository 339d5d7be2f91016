"""村规民约: a village's compact is one disclosure (its text and versions: app/disclosure/service.py); an amendment
opens a 四议两公开 decision (app/disclosure/decisions.py) and follows its steps — a failed vote leaves the text as
it was; 决议公开 after a passed 村民代表会议 publishes the amendment's text as the disclosure's next version, once
(the decision's steps are unique, and the amendment moves passed → published in one conditional update). A text in
force changes no other way: the disclosure refuses a direct revision. Services add and flush; the route commits."""

from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.compact import articles
from app.compact.access import KEEPERS, PROPOSERS
from app.compact.models import (
    AMENDMENT_TARGET,
    COMPACT_TARGET,
    MAX_DISCUSSION,
    MAX_REASON,
    OPEN_STATUSES,
    Amendment,
    AmendmentStatus,
    Checkup,
    Compact,
    CompactAction,
)
from app.councils.models import CouncilKind
from app.councils.registry import Subject, register_subject
from app.disclosure import decisions as dec
from app.disclosure import service as disclosures
from app.disclosure.models import Category, Decision, DecisionStep, Disclosure, Outcome, Step
from app.disclosure.registry import DecisionFollower, register_decision_follower, register_revision_guard
from app.errors import InvalidState, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.org.access import EVERYONE, Actor, get_visible
from app.org.service import village_name
from app.text import clean_reason, clean_text
from app.timeutil import TIMEZONE, local, utcnow

NO_COMPACT = "本村还没有村规民约"
NO_AMENDMENT = "找不到该修订"


# --- reading --------------------------------------------------------------------------------------------------

def compact_of(session: Session, *, village_id: int) -> Compact | None:
    return session.exec(select(Compact).where(Compact.village_id == village_id)).first()


def required_compact(session: Session, *, village_id: int) -> Compact:
    compact = compact_of(session, village_id=village_id)
    if compact is None:
        raise NotFound(NO_COMPACT)
    return compact


def disclosure_of(session: Session, compact: Compact) -> Disclosure:
    return session.get(Disclosure, compact.disclosure_id)  # type: ignore[return-value]


def visible_amendment(session: Session, actor: Actor, amendment_id: int) -> Amendment:
    """An amendment of a village the actor belongs to or oversees (public to the village, as its decision is)."""
    return get_visible(session, actor, Amendment, amendment_id, roles=EVERYONE, missing=NO_AMENDMENT)


def amendments_of(session: Session, compact: Compact) -> list[Amendment]:
    """Every amendment of the compact, newest first (the rejected ones too)."""
    return list(session.exec(select(Amendment).where(Amendment.compact_id == compact.id)
                             .order_by(col(Amendment.id).desc())))


def open_amendment(session: Session, compact: Compact) -> Amendment | None:
    return session.exec(select(Amendment).where(Amendment.compact_id == compact.id,
                                                col(Amendment.status).in_(OPEN_STATUSES))).first()


# --- the first text -------------------------------------------------------------------------------------------

def create_compact(session: Session, *, actor: Actor, village_id: int, body: str, title: str = "",
                   adopted_on: date | None = None, idempotency_key: str | None = None) -> Compact:
    """An official sets down the village's 村规民约 in force (adopted earlier by the 村民会议) as its first version;
    a village has one: its later versions come from amendments."""
    actor.require(village_id, KEEPERS, "只有本村村干部可以建立村规民约")
    payload = {"village_id": village_id, "body": body, "title": title,
               "adopted_on": adopted_on.isoformat() if adopted_on else None}
    return create_once(session, scope=f"user:{actor.id}:compact.create", key=idempotency_key, payload=payload,
                       model=Compact, action=lambda: _create(session, actor=actor, village_id=village_id, body=body,
                                                             title=title, adopted_on=adopted_on))


def _create(session: Session, *, actor: Actor, village_id: int, body: str, title: str,
            adopted_on: date | None) -> Compact:
    if compact_of(session, village_id=village_id) is not None:
        raise InvalidState("本村已经有村规民约了；要改动请提出修订，经四议两公开表决")
    if adopted_on is not None and not date(2000, 1, 1) <= adopted_on <= today():
        raise ValidationFailed("通过日期不对", field="adopted_on")
    text = articles.normalised(clean_text(body, label="村规民约正文", max_length=disclosures.MAX_BODY,
                                          multiline=True, field="body"))
    title = clean_text(title, label="标题", max_length=60, required=False, field="title") or \
        f"{village_name(session, village_id)}村规民约"
    disclosure = disclosures.publish(session, actor=actor, village_id=village_id, category=Category.affairs,
                                     title=title, body=text)
    compact = Compact(village_id=village_id, disclosure_id=disclosure.id, adopted_on=adopted_on,
                      created_by=actor.id)
    try:
        with session.begin_nested():
            session.add(compact)
            session.flush()
    except IntegrityError:  # two officials at once: the village's one compact is the first
        raise InvalidState("本村已经有村规民约了，请刷新后再看") from None
    record_action(session, actor_id=actor.id, action=CompactAction.create, village_id=village_id,
                  target_type=COMPACT_TARGET, target_id=compact.id, target_label=title,
                  detail={"disclosure_id": disclosure.id})
    return compact


def today() -> date:
    return local(utcnow(), TIMEZONE).date()


# --- amendments -----------------------------------------------------------------------------------------------

def propose_amendment(session: Session, *, actor: Actor, village_id: int, reason: str, body: str | None = None,
                      changes: list[tuple[int, str]] | None = None, discussed_on: date | None = None,
                      discussion: str = "", checkup_id: int | None = None,
                      idempotency_key: str | None = None) -> Amendment:
    """An official or committee member proposes a new text (the whole, or changed articles) with the reason; it
    opens a 四议两公开 decision. One amendment at a time: the next waits until this one is published or fails."""
    actor.require(village_id, PROPOSERS, "只有本村村干部或评比委员可以提出修订")
    payload = {"village_id": village_id, "reason": reason, "body": body, "changes": changes,
               "discussed_on": discussed_on.isoformat() if discussed_on else None, "discussion": discussion,
               "checkup_id": checkup_id}
    return create_once(session, scope=f"user:{actor.id}:compact.propose", key=idempotency_key, payload=payload,
                       model=Amendment,
                       action=lambda: _propose(session, actor=actor, village_id=village_id, reason=reason, body=body,
                                               changes=changes, discussed_on=discussed_on, discussion=discussion,
                                               checkup_id=checkup_id))


def _propose(session: Session, *, actor: Actor, village_id: int, reason: str, body: str | None,
             changes: list[tuple[int, str]] | None, discussed_on: date | None, discussion: str,
             checkup_id: int | None) -> Amendment:
    compact = session.exec(select(Compact).where(Compact.village_id == village_id).with_for_update()).first()
    if compact is None:
        raise NotFound(NO_COMPACT)
    waiting = open_amendment(session, compact)
    if waiting is not None:
        raise InvalidState(f"上一项修订还没有结束（{waiting.reason[:20]}），请等它公布或表决结束后再提")
    reason = clean_reason(reason, label="修订理由", max_length=MAX_REASON)
    disclosure = disclosure_of(session, compact)
    current = disclosures.current_version(session, disclosure)
    text = _proposed_text(current.body, body=body, changes=changes)
    discussed_on, discussion = _discussion(discussed_on, discussion, required=False)
    if checkup_id is not None:
        checkup = session.get(Checkup, checkup_id) if in_range(checkup_id) else None
        if checkup is None or checkup.compact_id != compact.id:
            raise NotFound("找不到该体检记录")
    decision = dec.open_decision(session, actor=actor, village_id=village_id, title=f"修订《{current.title}》"[:100],
                                 summary=f"村规民约修订：{reason}"[:1000])
    amendment = Amendment(village_id=village_id, compact_id=compact.id, decision_id=decision.id,
                          base_version=current.version, body=text, reason=reason, checkup_id=checkup_id,
                          discussed_on=discussed_on, discussion=discussion, proposed_by=actor.id)
    session.add(amendment)
    session.flush()
    record_action(session, actor_id=actor.id, action=CompactAction.propose, village_id=village_id,
                  target_type=AMENDMENT_TARGET, target_id=amendment.id, target_label=current.title, reason=reason,
                  detail={"decision_id": decision.id, "base_version": current.version})
    return amendment


def _proposed_text(current: str, *, body: str | None, changes: list[tuple[int, str]] | None) -> str:
    if body is not None and changes is not None:
        raise ValidationFailed("修订全文或修改条款，二选一", field="body")
    if changes is not None:
        if not changes:
            raise ValidationFailed("请写明要修改的条款", field="articles")
        cleaned = [(n, clean_text(t, label="条款", max_length=2000, required=False, multiline=True,
                                  field="articles")) for n, t in changes]
        text = articles.apply_changes(current, cleaned)
    else:
        text = articles.normalised(clean_text(body, label="修订后的全文", max_length=disclosures.MAX_BODY,
                                              multiline=True, field="body"))
    if text == current:
        raise ValidationFailed("修订后的文本和现行的一样，没有改动", field="body")
    return text


def _discussion(discussed_on: date | None, discussion: str, *, required: bool) -> tuple[date | None, str]:
    text = clean_text(discussion, label="讨论情况", max_length=MAX_DISCUSSION, required=required, multiline=True,
                      field="discussion")
    if discussed_on is None and text:
        raise ValidationFailed("请填写议事会讨论的日期", field="discussed_on")
    if discussed_on is not None and not date(2000, 1, 1) <= discussed_on <= today():
        raise ValidationFailed("讨论日期不对", field="discussed_on")
    return discussed_on, text


def record_discussion(session: Session, *, actor: Actor, amendment: Amendment, discussed_on: date | None,
                      discussion: str) -> Amendment:
    """The 村民议事会's discussion of an amendment still before its vote: the date and what was said (the seam where
    the councils' meeting record joins at merge)."""
    actor.require(amendment.village_id, KEEPERS, "只有本村村干部可以记录议事会讨论")
    if amendment.status != AmendmentStatus.voting:
        raise InvalidState("这项修订已经表决，不能再补记讨论")
    amendment.discussed_on, amendment.discussion = _discussion(discussed_on, discussion, required=True)
    session.add(amendment)
    session.flush()
    record_action(session, actor_id=actor.id, action=CompactAction.discuss, village_id=amendment.village_id,
                  target_type=AMENDMENT_TARGET, target_id=amendment.id, target_label=amendment.reason[:50],
                  detail={"discussed_on": amendment.discussed_on.isoformat()})  # type: ignore[union-attr]
    return amendment


# --- following the decision ------------------------------------------------------------------------------------

def _move(session: Session, amendment: Amendment, frm: AmendmentStatus, to: AmendmentStatus, **values) -> bool:
    moved = session.execute(update(Amendment).where(col(Amendment.id) == amendment.id, col(Amendment.status) == frm)
                            .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    session.refresh(amendment)
    return moved == 1


def follow_step(session: Session, *, decision: Decision, step: DecisionStep, actor: Actor) -> None:
    """A step of an amendment's decision was recorded: a failed vote rejects it; the 村民代表会议 passing it marks it
    passed; 决议公开 publishes its text as the compact's next version, once."""
    amendment = session.exec(select(Amendment).where(Amendment.decision_id == decision.id)).first()
    if amendment is None:
        return
    detail = {"decision_id": decision.id, "step": step.step, "votes": [step.votes_for, step.votes_against,
                                                                       step.votes_abstain]}
    if step.outcome is not None and step.outcome != Outcome.passed:
        if _move(session, amendment, AmendmentStatus.voting, AmendmentStatus.rejected):
            _audit(session, actor, amendment, CompactAction.reject, detail)
    elif step.step == Step.resolve:
        if _move(session, amendment, AmendmentStatus.voting, AmendmentStatus.passed):
            _audit(session, actor, amendment, CompactAction.passed, detail)
    elif step.step == Step.publish:
        _publish(session, actor=actor, amendment=amendment, decision=decision)


def _publish(session: Session, *, actor: Actor, amendment: Amendment, decision: Decision) -> None:
    compact = session.get(Compact, amendment.compact_id)
    disclosure = disclosure_of(session, compact)  # type: ignore[arg-type]
    current = disclosures.current_version(session, disclosure)
    version = disclosure.version + 1
    if not _move(session, amendment, AmendmentStatus.passed, AmendmentStatus.published, published_version=version,
                 published_at=utcnow()):
        return  # published already (or never passed: the tracker records 决议公开 only after a passed vote)
    disclosures.new_version(session, actor=actor, disclosure=disclosure, title=current.title, body=amendment.body,
                            reason=f"经村民代表会议表决通过（四议两公开事项 #{decision.id}）：{amendment.reason}"[:200])
    _audit(session, actor, amendment, CompactAction.publish, {"decision_id": decision.id, "version": version})


def _audit(session: Session, actor: Actor, amendment: Amendment, action: CompactAction, detail: dict) -> None:
    record_action(session, actor_id=actor.id, action=action, village_id=amendment.village_id,
                  target_type=AMENDMENT_TARGET, target_id=amendment.id, target_label=amendment.reason[:50],
                  detail=detail)


def _link(session: Session, decision_id: int) -> tuple[str, str] | None:
    found = session.exec(select(Amendment.id).where(Amendment.decision_id == decision_id)).first()
    return ("查看村规民约的修订内容", f"/compact/amendments/{found}") if found else None


def _refuse_direct_revision(session: Session, disclosure: object) -> str | None:
    owned = session.exec(select(Compact.id).where(Compact.disclosure_id == disclosure.id)).first()  # type: ignore
    return "村规民约不能直接修改：请提出修订，经四议两公开表决通过后公布新版本" if owned else None


register_decision_follower(DecisionFollower(name="compact", on_step=follow_step, link=_link))
register_revision_guard("compact", _refuse_direct_revision)


def _amendments_in_vote(session: Session, village_id: int) -> list[tuple[int, str]]:
    """The village's amendment in vote, for a 村民议事会 meeting to name in a resolution (app/councils/registry)."""
    rows = session.exec(select(Amendment.id, Amendment.reason).where(
        Amendment.village_id == village_id, Amendment.status == AmendmentStatus.voting).order_by(col(Amendment.id)))
    return [(row_id, reason if len(reason) <= 30 else reason[:29] + "…") for row_id, reason in rows]


COUNCIL_SUBJECT = "compact_amendment"
register_subject(COUNCIL_SUBJECT, Subject(label="村规民约修订", council_kinds=frozenset({CouncilKind.assembly}),
                                          open_items=_amendments_in_vote,
                                          link=lambda amendment_id: f"/compact/amendments/{amendment_id}"))
