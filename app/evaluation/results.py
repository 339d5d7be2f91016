"""A period's final evaluation results as rows a spreadsheet streams (app/exports): every published line of every
round finalised for a month of the period, with the score and list that count (an official's correction over the
committee's), read in one statement with `yield_per`."""

from collections.abc import Iterator

from sqlalchemy import case, func
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.evaluation.models import Criterion, EvaluationRound, ResultLine, RoundStatus
from app.org.models import Household, OrgUnit

STREAM_ROWS = 2000


def final_result_lines(session: Session, *, village_ids: list[int], first: str, last: str) -> Iterator[Row]:
    """Lines of the final rounds of months `first`..`last` ("YYYY-MM", inclusive), by village, month, household and
    criterion: (village, month, head_name, category, criterion, score, list, committee_score, correction_note,
    finalized_at) — `score` and `list` as they count (app.evaluation.service line_points / line_list),
    `committee_score` the combined score before a correction (None when there was none)."""
    village = aliased(OrgUnit)
    stmt = (select(village.name, EvaluationRound.month, Household.head_name, Criterion.category, Criterion.name,
                   func.coalesce(ResultLine.corrected_points, ResultLine.points),
                   case((col(ResultLine.corrected_list), ResultLine.list_kind), else_=None),
                   case((col(ResultLine.corrected_points).is_not(None), ResultLine.points), else_=None),
                   ResultLine.correction_note, EvaluationRound.finalized_at)
            .select_from(ResultLine)
            .join(EvaluationRound, EvaluationRound.id == ResultLine.round_id)
            .join(Household, Household.id == ResultLine.household_id)
            .join(Criterion, Criterion.id == ResultLine.criterion_id)
            .join(village, village.id == ResultLine.village_id)
            .where(EvaluationRound.status == RoundStatus.final, col(EvaluationRound.village_id).in_(village_ids),
                   EvaluationRound.month >= first, EvaluationRound.month <= last)
            .order_by(EvaluationRound.village_id, EvaluationRound.month, ResultLine.household_id,
                      ResultLine.criterion_id))
    yield from session.execute(stmt.execution_options(yield_per=STREAM_ROWS))
