"""文明新风评比 rounds: opened by an official, scored by the village's committee, published for public notice (公示)
with objections (异议) and public answers, then finalised: points credited exactly once per round and household
through the ledger's door, and the month's red and black lists published."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.evaluation.models import (
    MAX_NOTICE_DAYS,
    ROUND_TARGET,
    Criterion,
    EvaluationAction,
    EvaluationRound,
    EvidencePhoto,
    ListKind,
    Objection,
    ResultLine,
    RoundStatus,
    Score,
)
from app.idempotency import create_once
from app.ids import int_within
from app.inbox.models import MessageKind
from app.inbox.service import notify, notify_households
from app.ledger.models import AwardRequest, TxnKind
from app.ledger.policy import PENDING, village_policy
from app.ledger.service import Credit, Source, credit_households
from app.org.access import (
    ADMINS,
    COMMITTEE,
    OFFICIALS,
    VILLAGE_STAFF,
    Actor,
    acting_household,
    get_visible,
    require_may_decide_for,
)
from app.org.models import HOUSEHOLD_TARGET, Household, OrgUnit, Role, RoleAssignment, User
from app.text import clean_reason, clean_text
from app.timeutil import as_utc, shift_month, utcnow

MONTH = re.compile(r"^(20[2-9][0-9])-(0[1-9]|1[0-2])$")


def month_label(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def clean_month(month: str | None) -> str:
    month = (month or "").strip()
    if not MONTH.match(month):
        raise ValidationFailed("月份格式应为 2026-11", field="month")
    return month


# --- rounds -------------------------------------------------------------------------------------------------

def visible_round(session: Session, actor: Actor, round_id: int) -> EvaluationRound:
    """A round of a village the actor belongs to or oversees (anyone there may read it), else not found."""
    return get_visible(session, actor, EvaluationRound, round_id, missing="找不到该评比")


def village_rounds(session: Session, *, village_id: int, limit: int = 24) -> list[EvaluationRound]:
    stmt = (select(EvaluationRound).where(EvaluationRound.village_id == village_id)
            .order_by(col(EvaluationRound.month).desc()).limit(limit))
    return list(session.exec(stmt))


def round_for_month(session: Session, *, village_id: int, month: str) -> EvaluationRound | None:
    return session.exec(select(EvaluationRound).where(EvaluationRound.village_id == village_id,
                                                      EvaluationRound.month == month)).first()


def open_round(session: Session, *, actor: Actor, village_id: int, month: str, latest: str,
               idempotency_key: str | None) -> EvaluationRound:
    """An official opens the village's round for this month (`latest`, where the village is) or the previous one;
    an older month only the town (county) admin opens. One round a month; never a month still ahead."""
    actor.require(village_id, OFFICIALS | ADMINS, "只有村干部可以开始评比")
    month = clean_month(month)
    if month > latest:
        raise ValidationFailed("还没到这个月，不能开始评比", field="month")
    late = month < shift_month(latest, -1)
    if late:
        actor.require(village_id, ADMINS, "只能开始本月或上个月的评比，更早的月份请乡镇管理员开始")

    def action() -> EvaluationRound:
        if round_for_month(session, village_id=village_id, month=month) is not None:
            raise InvalidState(f"{month_label(month)}的评比已经开始过了")
        new = EvaluationRound(village_id=village_id, month=month, opened_by_id=actor.id)
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
        except IntegrityError:
            raise InvalidState(f"{month_label(month)}的评比已经开始过了") from None
        record_action(session, actor_id=actor.id, action=EvaluationAction.round_open, village_id=village_id,
                      target_type=ROUND_TARGET, target_id=new.id, target_label=month_label(month),
                      detail={"month": month, "late": late})
        return new

    return create_once(session, scope=f"user:{actor.id}:evaluation", key=idempotency_key,
                       payload={"village_id": village_id, "month": month}, model=EvaluationRound, action=action)


def village_and_above(session: Session, *, village_id: int) -> list[int]:
    """The village and the township and county above it."""
    units, unit = [], session.get(OrgUnit, village_id)
    while unit is not None:
        units.append(unit.id)
        unit = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    return units


def recusals(session: Session, *, village_id: int) -> dict[int, list[User]]:
    """回避: per household of the village, the village's committee members who belong to it (they score every
    household but their own)."""
    units = village_and_above(session, village_id=village_id)  # a committee role held there or above
    stmt = (select(User).join(RoleAssignment, col(RoleAssignment.user_id) == User.id)
            .join(Household, col(Household.id) == User.household_id)
            .where(RoleAssignment.role == Role.committee, col(RoleAssignment.org_id).in_(units),
                   Household.village_id == village_id).order_by(User.id))
    out: dict[int, list[User]] = defaultdict(list)
    for user in {u.id: u for u in session.exec(stmt)}.values():  # one line per member, whatever roles they hold
        out[user.household_id].append(user)
    return dict(out)


def _lock(session: Session, evaluation: EvaluationRound) -> EvaluationRound:
    """The round's row, locked until the transaction ends (SQLite: the writer lock is held already), re-read."""
    locked = session.exec(select(EvaluationRound).where(EvaluationRound.id == evaluation.id)
                          .with_for_update().execution_options(populate_existing=True)).one()
    return locked


# --- scoring ------------------------------------------------------------------------------------------------

def round_household(session: Session, evaluation: EvaluationRound, household_id: int) -> Household:
    """A household of the round's village (another village's, or none: not found)."""
    household = session.get(Household, household_id)
    if household is None or household.village_id != evaluation.village_id:
        raise NotFound("找不到该农户")
    return household


def _round_criterion(session: Session, evaluation: EvaluationRound, criterion_id: int) -> Criterion:
    criterion = session.get(Criterion, criterion_id)
    if criterion is None or criterion.village_id != evaluation.village_id:
        raise NotFound("找不到该评比项目")
    return criterion


OWN_HOUSEHOLD = "评比委员不给自己家评分（回避），请其他委员评"


def save_score(session: Session, *, actor: Actor, evaluation: EvaluationRound, household_id: int,
               criterion_id: int, points: int, reason: str) -> tuple[Score, bool]:
    """A committee member scores a household against a criterion (or changes their own score of it) while the
    round is scoring. Returns the score and whether it is new."""
    actor.require(evaluation.village_id, COMMITTEE, "只有本村的评比委员可以评分")
    household = round_household(session, evaluation, household_id)
    require_may_decide_for(actor, household.id, message=OWN_HOUSEHOLD)
    criterion = _round_criterion(session, evaluation, criterion_id)
    if not int_within(points, 0, criterion.points):
        raise ValidationFailed(f"这一项的分数应在 0 到 {criterion.points} 之间", field="points")
    reason = clean_reason(reason, label="评分理由")
    evaluation = _lock(session, evaluation)
    if evaluation.status != RoundStatus.scoring:
        raise InvalidState("这次评比已经结束评分")
    score = _own_score(session, evaluation.id, household.id, criterion.id, actor.id)
    created = score is None
    if created and not criterion.active:
        raise InvalidState("这个评比项目已停用")
    if score is None:
        score = Score(round_id=evaluation.id, village_id=evaluation.village_id, household_id=household.id,
                      criterion_id=criterion.id, member_id=actor.id, points=points, reason=reason)
        session.add(score)
    else:
        score.points, score.reason, score.updated_at = points, reason, utcnow()
        session.add(score)
    session.flush()
    record_action(session, actor_id=actor.id, action=EvaluationAction.score_save, village_id=evaluation.village_id,
                  target_type=HOUSEHOLD_TARGET, target_id=household.id, target_label=household.head_name,
                  reason=reason, detail={"round_id": evaluation.id, "criterion": criterion.name, "points": points,
                                         "score_id": score.id, "changed": not created})
    return score, created


def _own_score(session: Session, round_id: int, household_id: int, criterion_id: int, member_id: int
               ) -> Score | None:
    return session.exec(select(Score).where(Score.round_id == round_id, Score.household_id == household_id,
                                            Score.criterion_id == criterion_id, Score.member_id == member_id)).first()


def own_score(session: Session, *, actor: Actor, evaluation: EvaluationRound, score_id: int) -> Score:
    """One of the actor's own scores in this round, while it is scoring (others' scores are not found)."""
    score = session.get(Score, score_id)
    if score is None or score.round_id != evaluation.id or score.member_id != actor.id:
        raise NotFound("找不到该评分")
    actor.require(evaluation.village_id, COMMITTEE, "只有本村的评比委员可以评分")
    require_may_decide_for(actor, score.household_id, message=OWN_HOUSEHOLD)
    if evaluation.status != RoundStatus.scoring:
        raise InvalidState("这次评比已经结束评分")
    return score


def delete_score(session: Session, *, actor: Actor, evaluation: EvaluationRound, score: Score) -> None:
    evaluation = _lock(session, evaluation)
    if evaluation.status != RoundStatus.scoring:
        raise InvalidState("这次评比已经结束评分")
    household = session.get(Household, score.household_id)
    record_action(session, actor_id=actor.id, action=EvaluationAction.score_delete, village_id=score.village_id,
                  target_type=HOUSEHOLD_TARGET, target_id=score.household_id,
                  target_label=household.head_name if household else "",
                  detail={"round_id": evaluation.id, "score_id": score.id, "points": score.points})
    session.delete(score)
    session.flush()


def set_score_photo(session: Session, *, actor: Actor, evaluation: EvaluationRound, score: Score,
                    photo: tuple[bytes, str]) -> Score:
    """Attach an evidence photo (already checked and re-encoded, outside the writer) to one's own score."""
    require_may_decide_for(actor, score.household_id, message=OWN_HOUSEHOLD)
    evaluation = _lock(session, evaluation)
    if evaluation.status != RoundStatus.scoring:
        raise InvalidState("这次评比已经结束评分")
    data, content_type = photo
    image = EvidencePhoto(village_id=evaluation.village_id, data=data, content_type=content_type)
    session.add(image)
    session.flush()
    score.photo_id, score.updated_at = image.id, utcnow()
    session.add(score)
    session.flush()
    return score


def visible_photo(session: Session, actor: Actor, photo_id: int) -> EvidencePhoto:
    """An evidence photo: for the village's committee, officials and the town (county) admin; for a household, the
    photos of its own lines once the round is published; nobody else (not found)."""
    return get_visible(session, actor, EvidencePhoto, photo_id, roles=COMMITTEE | VILLAGE_STAFF,
                       also=lambda photo: _own_published_photo(session, actor, photo), missing="找不到该照片")


def _own_published_photo(session: Session, actor: Actor, photo: EvidencePhoto) -> bool:
    household_id = actor.user.household_id
    if household_id is None:
        return False
    found = session.exec(select(Score.id).join(EvaluationRound, col(EvaluationRound.id) == Score.round_id)
                         .where(Score.photo_id == photo.id, Score.household_id == household_id,
                                Score.village_id == photo.village_id,
                                EvaluationRound.status != RoundStatus.scoring)).first()
    return found is not None


def line_photos(session: Session, *, actor: Actor, evaluation: EvaluationRound) -> dict[tuple[int, int], list[int]]:
    """The evidence photos behind each published (household, criterion) line that the actor may see."""
    if evaluation.status == RoundStatus.scoring:
        return {}
    stmt = select(Score).where(Score.round_id == evaluation.id, col(Score.photo_id).is_not(None))
    if not actor.can(evaluation.village_id, COMMITTEE | VILLAGE_STAFF):
        if actor.user.household_id is None:
            return {}
        stmt = stmt.where(Score.household_id == actor.user.household_id)
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for s in session.exec(stmt.order_by(Score.id)):
        out[(s.household_id, s.criterion_id)].append(s.photo_id)
    return dict(out)


def round_scores(session: Session, *, actor: Actor, evaluation: EvaluationRound) -> list[Score]:
    """Officials and the town see every member's scores; a committee member sees their own; others none."""
    stmt = select(Score).where(Score.round_id == evaluation.id)
    if not actor.can(evaluation.village_id, VILLAGE_STAFF):
        if not actor.can(evaluation.village_id, COMMITTEE):
            return []
        stmt = stmt.where(Score.member_id == actor.id)
    return list(session.exec(stmt.order_by(Score.household_id, Score.criterion_id, Score.id)))


# --- how the scores combine (models.COMBINATION_RULE says it in words) ---------------------------------------

@dataclass
class Combined:
    household_id: int
    criterion_id: int
    points: int
    list_kind: str | None
    reason: str
    scorers: int


def _round_half_up(total: int, count: int) -> int:
    return (2 * total + count) // (2 * count)


def combine(scores: list[Score], criteria: dict[int, Criterion]) -> list[Combined]:
    """Per household and criterion: the mean of the points of the members who scored it, rounded half up; the
    line counts only when more than half of the members who scored that household chose it."""
    members_of: dict[int, set[int]] = defaultdict(set)
    by_line: dict[tuple[int, int], list[Score]] = defaultdict(list)
    for s in scores:
        members_of[s.household_id].add(s.member_id)
        by_line[(s.household_id, s.criterion_id)].append(s)
    out = []
    for (household_id, criterion_id), group in sorted(by_line.items()):
        if 2 * len(group) <= len(members_of[household_id]):
            continue
        criterion = criteria[criterion_id]
        reasons = "；".join(dict.fromkeys(s.reason for s in group))[:500]
        out.append(Combined(household_id, criterion_id, _round_half_up(sum(s.points for s in group), len(group)),
                            criterion.list_kind, reasons, len(group)))
    return out


# --- public notice (公示) -------------------------------------------------------------------------------------

def min_notice_days(session: Session, *, village_id: int) -> int:
    """The shortest 公示 the town admin allows the village (app/ledger/policy.py)."""
    return village_policy(session, village_id=village_id).min_notice_days


def publish_round(session: Session, *, actor: Actor, evaluation: EvaluationRound, notice_days: int
                  ) -> EvaluationRound:
    """Put the combined results in front of the village for `notice_days` days (the village's minimum to 30);
    again: as it is."""
    actor.require(evaluation.village_id, OFFICIALS, "只有村干部可以公示评比结果")
    if not int_within(notice_days, 0, MAX_NOTICE_DAYS):
        raise ValidationFailed(f"公示天数应为 0 到 {MAX_NOTICE_DAYS} 天", field="notice_days")
    shortest = min_notice_days(session, village_id=evaluation.village_id)
    if notice_days < shortest:
        raise ValidationFailed(f"公示期不能少于 {shortest} 天", field="notice_days")
    evaluation = _lock(session, evaluation)
    if evaluation.status != RoundStatus.scoring:
        if evaluation.status == RoundStatus.notice and evaluation.notice_days == notice_days:
            return evaluation
        raise InvalidState("这次评比已经公示过了")
    scores = list(session.exec(select(Score).where(Score.round_id == evaluation.id)))
    if not scores:
        raise InvalidState("还没有评分，不能公示")
    criteria = {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == evaluation.village_id))}
    for line in combine(scores, criteria):
        session.add(ResultLine(round_id=evaluation.id, village_id=evaluation.village_id,
                               household_id=line.household_id, criterion_id=line.criterion_id, points=line.points,
                               list_kind=line.list_kind, reason=line.reason, scorers=line.scorers))
    now = utcnow()
    evaluation.status, evaluation.notice_days = RoundStatus.notice, notice_days
    evaluation.published_at, evaluation.notice_ends_at = now, now + timedelta(days=notice_days)
    session.add(evaluation)
    session.flush()
    record_action(session, actor_id=actor.id, action=EvaluationAction.round_publish,
                  village_id=evaluation.village_id, target_type=ROUND_TARGET, target_id=evaluation.id,
                  target_label=month_label(evaluation.month), detail={"notice_days": notice_days})
    return evaluation


def round_lines(session: Session, *, evaluation: EvaluationRound) -> list[ResultLine]:
    return list(session.exec(select(ResultLine).where(ResultLine.round_id == evaluation.id)
                             .order_by(ResultLine.household_id, ResultLine.criterion_id)))


def listed_lines(session: Session, *, evaluation: EvaluationRound) -> list[ResultLine]:
    """The round's lines that put a household on a list (`line_list`), read alone: a round of 500 households has
    thousands of lines, and the boards need only these (by the index on round and list)."""
    return list(session.exec(select(ResultLine).where(
        ResultLine.round_id == evaluation.id, col(ResultLine.list_kind).in_([ListKind.red, ListKind.black]),
        col(ResultLine.corrected_list)).order_by(ResultLine.household_id, ResultLine.criterion_id)))


def round_objections(session: Session, *, evaluation: EvaluationRound) -> list[Objection]:
    return list(session.exec(select(Objection).where(Objection.round_id == evaluation.id).order_by(Objection.id)))


def file_objection(session: Session, *, actor: Actor, evaluation: EvaluationRound, line_id: int, text: str,
                   idempotency_key: str | None) -> Objection:
    """A villager of the village objects to a published line, in writing, until the round is finalised."""
    line = session.get(ResultLine, line_id)
    if line is None or line.round_id != evaluation.id:
        raise NotFound("找不到该条公示")
    household = acting_household(session, actor)
    if household is None or household.village_id != evaluation.village_id:
        raise Forbidden("只有本村村民可以提出异议")
    text = clean_text(text, label="异议内容", max_length=500, multiline=True, field="text")

    def action() -> Objection:
        locked = _lock(session, evaluation)
        if locked.status != RoundStatus.notice:
            raise InvalidState("只有公示期间可以提出异议")
        objection = Objection(round_id=evaluation.id, line_id=line.id, village_id=evaluation.village_id,
                              user_id=actor.id, text=text)
        session.add(objection)
        session.flush()
        record_action(session, actor_id=actor.id, action=EvaluationAction.objection_file,
                      village_id=evaluation.village_id, target_type=ROUND_TARGET, target_id=evaluation.id,
                      target_label=month_label(evaluation.month), reason=text,
                      detail={"line_id": line.id, "objection_id": objection.id})
        return objection

    return create_once(session, scope=f"user:{actor.id}:objection", key=idempotency_key,
                       payload={"line_id": line.id, "text": text}, model=Objection, action=action)


def answer_objection(session: Session, *, actor: Actor, evaluation: EvaluationRound, objection_id: int,
                     answer: str, corrected_points: int | None, remove_from_list: bool) -> Objection:
    """An official answers an objection publicly and may correct its line (the original stays visible)."""
    actor.require(evaluation.village_id, OFFICIALS, "只有村干部可以答复异议")
    objection = session.get(Objection, objection_id)
    if objection is None or objection.round_id != evaluation.id:
        raise NotFound("找不到该异议")
    answer = clean_text(answer, label="答复", max_length=500, multiline=True, field="answer")
    line = session.get(ResultLine, objection.line_id)
    if corrected_points is not None or remove_from_list:
        require_may_decide_for(actor, line.household_id, message="不能更正自己家的评比结果（回避），请另一位村干部答复")
    if corrected_points is not None:
        top = session.get(Criterion, line.criterion_id).points
        if not int_within(corrected_points, 0, top):
            raise ValidationFailed(f"更正后的分数应为 0 到 {top}（这一项的分值）", field="corrected_points")
    evaluation = _lock(session, evaluation)
    if evaluation.status != RoundStatus.notice:
        raise InvalidState("只有公示期间可以答复异议")
    if objection.answer is not None:
        raise InvalidState("这条异议已经答复过了")
    now = utcnow()
    objection.answer, objection.answered_by_id, objection.answered_at = answer, actor.id, now
    session.add(objection)
    if corrected_points is not None or remove_from_list:
        if corrected_points is not None:
            line.corrected_points = corrected_points
        if remove_from_list:
            line.corrected_list = False
        line.correction_note, line.corrected_by_id, line.corrected_at = answer[:200], actor.id, now
        session.add(line)
    session.flush()
    record_action(session, actor_id=actor.id, action=EvaluationAction.objection_answer,
                  village_id=evaluation.village_id, target_type=ROUND_TARGET, target_id=evaluation.id,
                  target_label=month_label(evaluation.month), reason=answer,
                  detail={"objection_id": objection.id, "line_id": line.id, "corrected_points": corrected_points,
                          "remove_from_list": remove_from_list})
    notify(session, kind=MessageKind.objection_answer, user_ids=[objection.user_id], skip=[actor.id],
           text=f"村干部答复了您对{month_label(evaluation.month)}评比的异议",
           link=f"/evaluation/rounds/{evaluation.id}")
    return objection


# --- finalising ----------------------------------------------------------------------------------------------

def line_points(line: ResultLine) -> int:
    return line.points if line.corrected_points is None else line.corrected_points


def line_list(line: ResultLine) -> str | None:
    return line.list_kind if line.corrected_list else None


def _unanswered(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(Objection)
                        .where(Objection.round_id == round_id, col(Objection.answer).is_(None))).one()


def finalize_round(session: Session, *, actor: Actor, evaluation: EvaluationRound) -> EvaluationRound:
    """Credit each household its points from the village fund, exactly once per round and household however often
    or concurrently this runs, and publish the month's lists. Refused before the notice ends or while an
    objection waits for its answer."""
    actor.require(evaluation.village_id, OFFICIALS, "只有村干部可以定榜")
    # The conditional update takes the round's row lock (PostgreSQL) or runs under the writer (SQLite): a second
    # caller waits here, then finds the round final and gets it as it is.
    now = utcnow()
    moved = session.execute(update(EvaluationRound)
                            .where(col(EvaluationRound.id) == evaluation.id,
                                   col(EvaluationRound.status) == RoundStatus.notice)
                            .values(status=RoundStatus.final, finalized_at=now, finalized_by_id=actor.id)).rowcount
    session.refresh(evaluation)
    if moved != 1:
        if evaluation.status == RoundStatus.final:
            return evaluation
        raise InvalidState("请先公示评比结果")
    if now < as_utc(evaluation.notice_ends_at):
        raise InvalidState("公示期还没结束，结束后才能定榜")
    if _unanswered(session, evaluation.id):
        raise InvalidState("还有异议没有答复，答复后才能定榜")
    credited = _credit_households(session, actor=actor, evaluation=evaluation)
    record_action(session, actor_id=actor.id, action=EvaluationAction.round_finalize,
                  village_id=evaluation.village_id, target_type=ROUND_TARGET, target_id=evaluation.id,
                  target_label=month_label(evaluation.month),
                  detail={"households": len(credited), "points": sum(p for p, _ in credited.values()),
                          "pending": sum(1 for _, status in credited.values() if status == PENDING)})
    announce_results(session, evaluation=evaluation, credited=credited)
    return evaluation


def pending_credits(session: Session, *, evaluation: EvaluationRound, status: str = PENDING) -> int:
    """Households whose credit from this round waits for a second person (above the village's limits, or the
    finaliser's own household); with `status=REFUSED`, those whose credit a second person refused (never posted:
    finalising again does not credit them, the round's Once scope holds)."""
    return session.exec(select(func.count()).select_from(AwardRequest).where(
        AwardRequest.source_kind == TxnKind.evaluation, AwardRequest.source_id == evaluation.id,
        AwardRequest.status == status)).one()


def _credit_households(session: Session, *, actor: Actor, evaluation: EvaluationRound
                       ) -> dict[int, tuple[int, str]]:
    """Each household's credit, posted or pending: (points, status). Finalising is one decision for every
    household; the finaliser's own household's credit waits for a second person (回避) whatever the limits."""
    lines = round_lines(session, evaluation=evaluation)
    criteria = {c.id: c for c in session.exec(select(Criterion).where(Criterion.village_id == evaluation.village_id))}
    per_household: dict[int, list[ResultLine]] = defaultdict(list)
    for line in lines:
        per_household[line.household_id].append(line)
    homes = {h.id: h for h in session.exec(select(Household).where(col(Household.id).in_(list(per_household))))}
    credits = []
    for household_id, own in per_household.items():
        total = sum(line_points(line) for line in own)
        if total <= 0:
            continue
        by_category: dict[str, int] = defaultdict(int)
        for line in own:
            by_category[criteria[line.criterion_id].category] += line_points(line)
        category = max(by_category, key=lambda c: by_category[c])
        items = "、".join(f"{criteria[line.criterion_id].name}+{line_points(line)}" for line in own
                         if line_points(line) > 0)
        reason = f"{month_label(evaluation.month)}文明新风评比：{items}"
        if len(reason) > 200:
            reason = reason[:199] + "…"
        credits.append(Credit(household=homes[household_id], points=total, reason=reason, category=category))
    # Every household's credit at once (the fund and accounts read once, the requests written together), each
    # still once per round and household (the scope credit_household used) and under the one policy.
    outcomes = credit_households(session, village_id=evaluation.village_id, credits=credits,
                                 source=Source(TxnKind.evaluation, evaluation.id), actor_id=actor.id,
                                 scope=f"evaluation:{evaluation.id}")
    return {household_id: (outcome.points, outcome.status) for household_id, outcome in outcomes.items()}


def announce_results(session: Session, *, evaluation: EvaluationRound, credited: dict[int, tuple[int, str]]) -> None:
    """定榜: each household's users get their own line (points, list, whether the credit waits for approval)."""
    lines = round_lines(session, evaluation=evaluation)
    lists, households = listed_households(lines), {line.household_id for line in lines}
    words = {ListKind.red: "，上了红榜", ListKind.black: "，上了黑榜"}
    texts: dict[int, str] = {}
    for household_id in sorted(households):
        points, status = credited.get(household_id, (0, ""))
        text = f"{month_label(evaluation.month)}文明新风评比已定榜：您家"
        text += f"得 {points} 分" if points else "本月未得分"
        text += "".join(w for kind, w in words.items() if household_id in lists[kind])
        texts[household_id] = text + ("，积分待批准后到账" if status == PENDING else "")
    notify_households(session, kind=MessageKind.round_result, texts=texts, link=f"/evaluation/rounds/{evaluation.id}")


def listed_households(lines: list[ResultLine]) -> dict[str, dict[int, list[ResultLine]]]:
    """Per list (red, black): each household on it and the lines that put it there."""
    out: dict[str, dict[int, list[ResultLine]]] = {ListKind.red: defaultdict(list), ListKind.black: defaultdict(list)}
    for line in lines:
        kind = line_list(line)
        if kind in out:
            out[kind][line.household_id].append(line)
    return out
