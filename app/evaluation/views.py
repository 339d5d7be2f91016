"""Read models of evaluation rounds, shaped for the API and the pages. A round as the caller may see it:
results and objections once published (everyone in the village), scores for officials (all members') and committee
members (their own)."""

from collections import defaultdict

from sqlmodel import Session, col, select

from app.evaluation import service
from app.evaluation.models import (
    Criterion,
    EvaluationRound,
    LinePublic,
    ObjectionPublic,
    RecusalPublic,
    ResultLine,
    RoundPublic,
    RoundStatus,
    Score,
    ScorePublic,
)
from app.ledger.policy import REFUSED
from app.org.access import Actor
from app.org.models import Household, User
from app.org.service import shown_name


def score_public(session: Session, score: Score, member: str | None = None) -> ScorePublic:
    return ScorePublic(id=score.id, round_id=score.round_id, household_id=score.household_id,
                       criterion_id=score.criterion_id, member_id=score.member_id, member=member,
                       points=score.points, reason=score.reason, updated_at=score.updated_at,
                       photo_url=photo_url(score.photo_id) if score.photo_id else None)


def criteria_of(session: Session, village_id: int) -> dict[int, Criterion]:
    return {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == village_id))}


def head_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {h.id: h.head_name for h in session.exec(select(Household).where(col(Household.id).in_(ids)))}


def photo_url(photo_id: int) -> str:
    return f"/evaluation/photos/{photo_id}.jpg"


def line_public(line: ResultLine, criterion: Criterion, name: str, objections: list, photos: list[int] = (),
                reader: Actor | None = None) -> LinePublic:
    """A result line as everyone reads it: the household masked, but the reader's own in full."""
    return LinePublic(id=line.id, household_id=line.household_id,
                      household=shown_name(reader, name=name, household_id=line.household_id),
                      criterion_id=line.criterion_id, category=criterion.category, item=criterion.name,
                      points=service.line_points(line), original_points=line.points, list=service.line_list(line),
                      reason=line.reason, corrected=line.corrected_at is not None,
                      correction_note=line.correction_note,
                      objections=[ObjectionPublic.model_validate(o, from_attributes=True) for o in objections],
                      photo_urls=[photo_url(p) for p in photos])


def round_public(session: Session, actor: Actor, evaluation: EvaluationRound) -> RoundPublic:
    criteria = criteria_of(session, evaluation.village_id)
    lines: list[LinePublic] = []
    if evaluation.status != RoundStatus.scoring:
        rows = service.round_lines(session, evaluation=evaluation)
        names = head_names(session, {r.household_id for r in rows})
        by_line = defaultdict(list)
        for o in service.round_objections(session, evaluation=evaluation):
            by_line[o.line_id].append(o)
        photos = service.line_photos(session, actor=actor, evaluation=evaluation)
        lines = [line_public(r, criteria[r.criterion_id], names.get(r.household_id, ""), by_line[r.id],
                             photos.get((r.household_id, r.criterion_id), []), reader=actor) for r in rows]
    scores = service.round_scores(session, actor=actor, evaluation=evaluation)
    members = {u.id: u.name for u in session.exec(select(User).where(
        col(User.id).in_({s.member_id for s in scores})))} if scores else {}
    return RoundPublic(id=evaluation.id, village_id=evaluation.village_id, month=evaluation.month,
                       status=evaluation.status, notice_days=evaluation.notice_days,
                       published_at=evaluation.published_at, notice_ends_at=evaluation.notice_ends_at,
                       finalized_at=evaluation.finalized_at, lines=lines,
                       min_notice_days=service.min_notice_days(session, village_id=evaluation.village_id),
                       pending_credits=(service.pending_credits(session, evaluation=evaluation)
                                        if evaluation.status == RoundStatus.final else 0),
                       refused_credits=(service.pending_credits(session, evaluation=evaluation, status=REFUSED)
                                        if evaluation.status == RoundStatus.final else 0),
                       recusals=recusals_public(session, evaluation.village_id, reader=actor),
                       scores=[score_public(session, s, members.get(s.member_id)) for s in scores])


def recusals_public(session: Session, village_id: int, reader: Actor | None = None) -> list[RecusalPublic]:
    found = service.recusals(session, village_id=village_id)
    names = head_names(session, set(found))
    return [RecusalPublic(household_id=h, household=shown_name(reader, name=names.get(h, ""), household_id=h),
                          member=shown_name(reader, name=u.name, user_id=u.id))
            for h, users in sorted(found.items()) for u in users]

