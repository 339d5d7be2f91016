"""A round as the caller may see it: results and objections once published (everyone in the village), scores for
officials (all members') and committee members (their own)."""

from collections import defaultdict

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.evaluation import service
from app.evaluation.models import (
    Criterion,
    EvaluationRound,
    LinePublic,
    ObjectionPublic,
    ResultLine,
    RoundPublic,
    RoundStatus,
    Score,
    ScorePublic,
)
from app.org.access import EVERYONE, Actor
from app.org.models import Household, User
from app.org.service import mask_name


def score_public(session: Session, score: Score, member: str | None = None) -> ScorePublic:
    return ScorePublic(id=score.id, round_id=score.round_id, household_id=score.household_id,
                       criterion_id=score.criterion_id, member_id=score.member_id, member=member,
                       points=score.points, reason=score.reason, updated_at=score.updated_at,
                       photo_url=f"/evaluation/photos/{score.photo_id}.jpg" if score.photo_id else None)


def criteria_of(session: Session, village_id: int) -> dict[int, Criterion]:
    return {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == village_id))}


def head_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {h.id: h.head_name for h in session.exec(select(Household).where(col(Household.id).in_(ids)))}


def line_public(line: ResultLine, criterion: Criterion, name: str, objections: list) -> LinePublic:
    return LinePublic(id=line.id, household_id=line.household_id, household=mask_name(name),
                      criterion_id=line.criterion_id, category=criterion.category, item=criterion.name,
                      points=service.line_points(line), original_points=line.points, list=service.line_list(line),
                      reason=line.reason, corrected=line.corrected_at is not None,
                      correction_note=line.correction_note,
                      objections=[ObjectionPublic.model_validate(o, from_attributes=True) for o in objections])


def round_public(session: Session, actor: Actor, evaluation: EvaluationRound) -> RoundPublic:
    criteria = criteria_of(session, evaluation.village_id)
    lines: list[LinePublic] = []
    if evaluation.status != RoundStatus.scoring:
        rows = service.round_lines(session, evaluation=evaluation)
        names = head_names(session, {r.household_id for r in rows})
        by_line = defaultdict(list)
        for o in service.round_objections(session, evaluation=evaluation):
            by_line[o.line_id].append(o)
        lines = [line_public(r, criteria[r.criterion_id], names.get(r.household_id, ""), by_line[r.id])
                 for r in rows]
    scores = service.round_scores(session, actor=actor, evaluation=evaluation)
    members = {u.id: u.name for u in session.exec(select(User).where(
        col(User.id).in_({s.member_id for s in scores})))} if scores else {}
    return RoundPublic(id=evaluation.id, village_id=evaluation.village_id, month=evaluation.month,
                       status=evaluation.status, notice_days=evaluation.notice_days,
                       published_at=evaluation.published_at, notice_ends_at=evaluation.notice_ends_at,
                       finalized_at=evaluation.finalized_at, lines=lines,
                       scores=[score_public(session, s, members.get(s.member_id)) for s in scores])


def pick_village(actor: Actor, village_id: int | None, roles=EVERYONE) -> int:
    """The village asked for, or the caller's own (the lowest id they cover): one the caller covers with `roles`,
    else not found."""
    chosen = village_id if village_id is not None else actor.first_village(roles)
    if chosen is None or not actor.can(chosen, roles):
        raise NotFound("找不到该村")
    return chosen
