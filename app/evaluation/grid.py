"""评分表: a committee member scores one household against all of the village's criteria at once. The rows are read
here and each changed one is recorded through the round's own doors (`service.save_score`, `set_score_photo`,
`delete_score`): the scoring rules stay there. Saving is all or none, and once per form key."""

from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlmodel import Session, select

from app.errors import DomainError, InvalidState, ValidationFailed
from app.evaluation import criteria, service
from app.evaluation.models import EVALUATION_CATEGORIES, Criterion, EvaluationRound, RoundStatus, Score
from app.idempotency import run_idempotent
from app.org.access import COMMITTEE, Actor, may_decide_for, require_may_decide_for
from app.org.models import Household

MAX_ROWS = 200  # far above any village's list; a form with more rows is not ours


@dataclass
class GridEntry:
    """One row as the form sent it: the points (None: left blank, no score; as typed in `typed`), the reason, a checked
    photo or why it was refused."""

    criterion_id: int
    points: int | None = None
    reason: str = ""
    photo: tuple[bytes, str] | None = None
    photo_error: str = ""
    typed: str = ""


@dataclass
class GridRow:
    """One row as the page shows it: the criterion, the member's own score of it, what is typed, what was wrong."""

    criterion: Criterion
    score: Score | None
    points: str
    reason: str
    error: str = ""


@dataclass
class Grid:
    household: Household
    rows: list[GridRow]
    others: list[Household] = field(default_factory=list)  # the households this member may score, in order


class GridRefused(ValidationFailed):
    """Some rows could not be saved, so none was: `errors` says why, per criterion id."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(f"有 {len(errors)} 项没填对，都没有保存：请按红字改好再保存")
        self.errors = errors


class GridSaved(BaseModel):
    saved: int


def scorable_households(session: Session, *, actor: Actor, evaluation: EvaluationRound) -> list[Household]:
    """The round's households this member may score (回避: never their own), in the village's order."""
    households = session.exec(select(Household).where(Household.village_id == evaluation.village_id)
                              .order_by(Household.id))
    return [h for h in households if may_decide_for(actor, h.id)]


def household_grid(session: Session, *, actor: Actor, evaluation: EvaluationRound, household_id: int,
                   entries: list[GridEntry] | None = None, errors: dict[int, str] | None = None) -> Grid:
    """A household's rows for a committee member while the round is scoring: every active criterion (and any retired
    one the member already scored) in the plan's category order, with what is typed (`entries`) or saved."""
    household = _check_household(session, actor=actor, evaluation=evaluation, household_id=household_id)
    own = {s.criterion_id: s for s in _own_scores(session, actor, evaluation, household.id)}
    shown = criteria.village_criteria(session, village_id=evaluation.village_id)
    shown += [c for c in criteria.village_criteria(session, village_id=evaluation.village_id, include_retired=True)
              if not c.active and c.id in own]
    order = {category: k for k, category in enumerate(EVALUATION_CATEGORIES)}
    shown.sort(key=lambda c: (order.get(c.category, len(order)), c.id))
    typed = {e.criterion_id: e for e in entries or []}
    rows = []
    for c in shown:
        score, entry = own.get(c.id), typed.get(c.id)
        points = entry.typed if entry else (str(score.points) if score else "")
        reason = entry.reason if entry else (score.reason if score else "")
        rows.append(GridRow(c, score, points, reason, (errors or {}).get(c.id, "")))
    return Grid(household, rows, scorable_households(session, actor=actor, evaluation=evaluation))


def save_household_grid(session: Session, *, actor: Actor, evaluation: EvaluationRound, household_id: int,
                        entries: list[GridEntry], idempotency_key: str | None) -> int:
    """Record each changed row (a new or changed score, a new photo; a cleared one is deleted) in one transaction;
    any refused row refuses the whole (GridRefused, nothing written). Returns how many rows changed."""
    household = _check_household(session, actor=actor, evaluation=evaluation, household_id=household_id)
    if len(entries) > MAX_ROWS:
        raise ValidationFailed("评分表的行数不对，请刷新后重填")
    payload = {"round": evaluation.id, "household": household.id,
               "rows": sorted(([e.criterion_id, e.points, e.reason.strip(), e.photo is not None] for e in entries),
                              key=lambda row: row[0])}
    return run_idempotent(
        session, scope=f"user:{actor.id}:score-grid", key=idempotency_key, payload=payload, result_type=GridSaved,
        action=lambda: GridSaved(saved=_save_rows(session, actor, evaluation, household, entries))).saved


def _save_rows(session: Session, actor: Actor, evaluation: EvaluationRound, household: Household,
               entries: list[GridEntry]) -> int:
    own = {s.criterion_id: s for s in _own_scores(session, actor, evaluation, household.id)}
    errors: dict[int, str] = {}
    saved = 0
    for entry in entries:
        try:  # each row's refusal is said beside it (out of range, no reason, a retired item, a forged id)
            saved += _save_row(session, actor, evaluation, household, entry, own.get(entry.criterion_id))
        except DomainError as exc:
            errors[entry.criterion_id] = exc.message
    if errors:
        raise GridRefused(errors)
    return saved


def _save_row(session: Session, actor: Actor, evaluation: EvaluationRound, household: Household,
              entry: GridEntry, score: Score | None) -> int:
    points, reason = entry.points, entry.reason.strip()
    if entry.photo_error:
        raise ValidationFailed(entry.photo_error)
    if points is None:
        if score is not None:  # cleared: the member takes their score of this item back
            service.delete_score(session, actor=actor, evaluation=evaluation, score=score)
            return 1
        if reason or entry.photo is not None:
            raise ValidationFailed("写了理由或选了照片，请也打上分")
        return 0
    if score is not None and points == score.points and reason == score.reason and entry.photo is None:
        return 0
    saved, _ = service.save_score(session, actor=actor, evaluation=evaluation, household_id=household.id,
                                  criterion_id=entry.criterion_id, points=points, reason=reason)
    if entry.photo is not None:
        service.set_score_photo(session, actor=actor, evaluation=evaluation, score=saved, photo=entry.photo)
    return 1


def _check_household(session: Session, *, actor: Actor, evaluation: EvaluationRound, household_id: int
                     ) -> Household:
    actor.require(evaluation.village_id, COMMITTEE, "只有本村的评比委员可以评分")
    household = service.round_household(session, evaluation, household_id)
    require_may_decide_for(actor, household.id, message=service.OWN_HOUSEHOLD)
    if evaluation.status != RoundStatus.scoring:
        raise InvalidState("这次评比已经结束评分")
    return household


def _own_scores(session: Session, actor: Actor, evaluation: EvaluationRound, household_id: int) -> list[Score]:
    return list(session.exec(select(Score).where(Score.round_id == evaluation.id, Score.household_id == household_id,
                                                 Score.member_id == actor.id)))
