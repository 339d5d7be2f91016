"""村规民约 read models for the API and the pages: the text in force as articles, an amendment with its vote and its
changes, the history (every version with the amendment behind it, its votes and the diff), a 大体检."""

from datetime import date, datetime

from sqlmodel import Session, SQLModel

from app.compact import articles
from app.compact.checkups import answered_by, checkups_of, items_of
from app.compact.models import CHECK_ITEMS, STATUS_LABELS, Amendment, AmendmentStatus, CheckItem, Checkup, Compact
from app.compact.service import COUNCIL_SUBJECT, amendments_of, disclosure_of, open_amendment
from app.councils import service as councils
from app.councils.models import MeetingStatus
from app.disclosure import decisions as dec
from app.disclosure import service as disclosures
from app.disclosure.markup import line_diff
from app.disclosure.models import DecisionPublic, Step
from app.votes import OUTCOME_LABELS, Outcome


class ArticlePublic(SQLModel):
    number: int
    label: str
    text: str


class DiffLinePublic(SQLModel):
    kind: str  # same | added | removed
    text: str


class VotePublic(SQLModel):
    step: str
    label: str  # 党员大会审议 · 村民代表会议决议
    held_on: date
    expected: int | None
    attendance: int
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome: str | None
    outcome_label: str | None


class CouncilVotePublic(SQLModel):
    """A resolution of the 村民议事会 that names the amendment (app/councils): where it was discussed and voted."""

    meeting_id: int
    held_on: date
    text: str
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome_label: str


class AmendmentPublic(SQLModel):
    id: int
    village_id: int
    status: str
    status_label: str
    reason: str
    base_version: int
    published_version: int | None
    published_at: datetime | None
    body: str
    diff: list[DiffLinePublic]
    decision_id: int
    decision_status: str
    votes: list[VotePublic]
    discussed_on: date | None
    discussion: str
    council_votes: list[CouncilVotePublic] = []
    checkup_id: int | None
    proposed_by: str
    created_at: datetime


class CheckupItemPublic(SQLModel):
    item: str
    label: str
    question: str
    passed: bool
    note: str


class CheckupPublic(SQLModel):
    id: int
    village_id: int
    version: int
    checked_on: date
    passed: bool
    result_label: str  # 通过 · 未通过，须修订
    note: str
    checked_by: str
    items: list[CheckupItemPublic]
    amended_by: int | None  # the amendment published after it (a failed check answered), if any
    created_at: datetime


class CompactPublic(SQLModel):
    id: int
    village_id: int
    disclosure_id: int
    title: str
    version: int
    published_at: datetime  # of the version in force
    adopted_on: date | None
    preamble: str
    articles: list[ArticlePublic]
    body: str
    amendment_id: int | None  # the amendment behind the version in force (None for the first text)
    decision_id: int | None
    open_amendment_id: int | None
    latest_checkup: CheckupPublic | None


class VersionPublic(SQLModel):
    version: int
    title: str
    reason: str
    author: str
    created_at: datetime
    amendment: AmendmentPublic | None
    diff: list[DiffLinePublic]  # against the version before (empty for the first)


def _diff(before: str, after: str) -> list[DiffLinePublic]:
    return [DiffLinePublic(kind=d.kind, text=d.text) for d in line_diff(before, after)]


def amendment_public(session: Session, amendment: Amendment, *, with_diff: bool = True) -> AmendmentPublic:
    decision = dec.decision_public(session, session.get(dec.Decision, amendment.decision_id))  # type: ignore[arg-type]
    compact = session.get(Compact, amendment.compact_id)
    base = disclosures.version_of(session, disclosure_of(session, compact), amendment.base_version)  # type: ignore
    return AmendmentPublic(
        id=amendment.id, village_id=amendment.village_id, status=amendment.status,
        status_label=STATUS_LABELS[AmendmentStatus(amendment.status)], reason=amendment.reason,
        base_version=amendment.base_version, published_version=amendment.published_version,
        published_at=amendment.published_at, body=amendment.body,
        diff=_diff(base.body, amendment.body) if with_diff else [], decision_id=amendment.decision_id,
        decision_status=decision.status, votes=votes_of(decision), discussed_on=amendment.discussed_on,
        discussion=amendment.discussion, council_votes=council_votes(session, amendment),
        checkup_id=amendment.checkup_id,
        proposed_by=disclosures.names(session, {amendment.proposed_by}).get(amendment.proposed_by, ""),
        created_at=amendment.created_at)


def council_votes(session: Session, amendment: Amendment) -> list[CouncilVotePublic]:
    """The 村民议事会's resolutions on the amendment, from its published meetings (what the village may read)."""
    rows = councils.resolutions_about(session, subject_type=COUNCIL_SUBJECT, subject_id=amendment.id)
    meetings = {m.id: m for m in councils.meetings_by_id(session, {r.meeting_id for r in rows})
                if m.status == MeetingStatus.published}
    return [CouncilVotePublic(meeting_id=r.meeting_id, held_on=meetings[r.meeting_id].held_on, text=r.text,
                              votes_for=r.votes_for, votes_against=r.votes_against, votes_abstain=r.votes_abstain,
                              outcome_label=OUTCOME_LABELS[Outcome(r.outcome)])
            for r in rows if r.meeting_id in meetings]


def votes_of(decision: DecisionPublic) -> list[VotePublic]:
    """The decision's votes (党员大会, 村民代表会议) as they were recorded."""
    return [VotePublic(step=s.step, label=s.label, held_on=s.held_on, expected=s.expected, attendance=s.attendance,
                       votes_for=s.votes_for, votes_against=s.votes_against, votes_abstain=s.votes_abstain,
                       outcome=s.outcome, outcome_label=s.outcome_label)
            for s in decision.steps if s.step in (Step.review, Step.resolve)]


def checkup_public(session: Session, checkup: Checkup) -> CheckupPublic:
    later = answered_by(session, checkup) if not checkup.passed else None
    return CheckupPublic(
        id=checkup.id, village_id=checkup.village_id, version=checkup.version, checked_on=checkup.checked_on,
        passed=checkup.passed, result_label="通过" if checkup.passed else "未通过，须修订", note=checkup.note,
        checked_by=disclosures.names(session, {checkup.checked_by}).get(checkup.checked_by, ""),
        items=[CheckupItemPublic(item=r.item, label=CHECK_ITEMS[CheckItem(r.item)][0],
                                 question=CHECK_ITEMS[CheckItem(r.item)][1], passed=r.passed, note=r.note)
               for r in items_of(session, checkup)],
        amended_by=later.id if later else None, created_at=checkup.created_at)


def compact_public(session: Session, compact: Compact) -> CompactPublic:
    disclosure = disclosure_of(session, compact)
    current = disclosures.current_version(session, disclosure)
    preamble, found = articles.parse(current.body)
    behind = next((a for a in amendments_of(session, compact)
                   if a.published_version is not None and a.published_version <= current.version), None)
    waiting = open_amendment(session, compact)
    checks = checkups_of(session, village_id=compact.village_id)
    return CompactPublic(
        id=compact.id, village_id=compact.village_id, disclosure_id=disclosure.id, title=current.title,
        version=current.version, published_at=current.created_at, adopted_on=compact.adopted_on, preamble=preamble,
        articles=[ArticlePublic(number=a.number, label=a.label, text=a.text) for a in found], body=current.body,
        amendment_id=behind.id if behind else None, decision_id=behind.decision_id if behind else None,
        open_amendment_id=waiting.id if waiting else None,
        latest_checkup=checkup_public(session, checks[0]) if checks else None)


def history(session: Session, compact: Compact) -> list[VersionPublic]:
    """Every version, newest first: the amendment behind it (its reason, its votes, its decision) and its changes."""
    disclosure = disclosure_of(session, compact)
    rows = disclosures.versions(session, disclosure)  # newest first
    who = disclosures.names(session, {v.author_id for v in rows})
    by_version = {a.published_version: a for a in amendments_of(session, compact) if a.published_version}
    out = []
    for newer, older in zip(rows, [*rows[1:], None], strict=True):
        amendment = by_version.get(newer.version)
        out.append(VersionPublic(
            version=newer.version, title=newer.title, reason=newer.reason, author=who.get(newer.author_id, ""),
            created_at=newer.created_at,
            amendment=amendment_public(session, amendment, with_diff=False) if amendment else None,
            diff=_diff(older.body, newer.body) if older is not None else []))
    return out
