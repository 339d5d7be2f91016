"""文明新风评比 JSON API (shared/api-v1.md, section Evaluation rounds and red/black lists)."""

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from app.deps import ActorDep, IdempotencyKey, SessionDep, SettingsDep
from app.evaluation import boards, criteria, service
from app.evaluation.models import (
    CriterionCreate,
    CriterionPublic,
    CriterionUpdate,
    EvaluationRound,
    FollowUpCreate,
    FollowUpPublic,
    ObjectionAnswer,
    ObjectionCreate,
    ObjectionPublic,
    PublishRequest,
    RoundCreate,
    RoundPublic,
    ScoreCreate,
    ScorePublic,
)
from app.evaluation.views import round_public, score_public
from app.ids import Id
from app.images import process_photo
from app.org.access import OFFICIALS, VILLAGE_STAFF, village_for

router = APIRouter(tags=["evaluation"])
MAX_UPLOAD = 5 * 1024 * 1024 + 1


@router.get("/criteria")
def list_criteria(actor: ActorDep, session: SessionDep, village_id: Id | None = None,
                  include_retired: bool = False) -> dict:
    village = village_for(actor, village_id)
    rows = criteria.village_criteria(session, village_id=village, include_retired=include_retired)
    return {"items": [criteria.criterion_public(c) for c in rows], "next_cursor": None}


@router.post("/criteria", status_code=201, response_model=CriterionPublic)
def create_criterion(body: CriterionCreate, actor: ActorDep, session: SessionDep,
                     idempotency_key: IdempotencyKey = None) -> CriterionPublic:
    village = village_for(actor, body.village_id, OFFICIALS)
    made = criteria.create_criterion(session, actor=actor, village_id=village, category=body.category,
                                     name=body.name, points=body.points, list_kind=body.list,
                                     idempotency_key=idempotency_key)
    session.commit()
    return criteria.criterion_public(made)


@router.patch("/criteria/{criterion_id}", response_model=CriterionPublic)
def update_criterion(criterion_id: Id, body: CriterionUpdate, actor: ActorDep, session: SessionDep
                     ) -> CriterionPublic:
    criterion = criteria.visible_criterion(session, actor, criterion_id, roles=OFFICIALS)
    changed = criteria.update_criterion(session, actor=actor, criterion=criterion,
                                        changes=body.model_dump(exclude_unset=True))
    session.commit()
    return criteria.criterion_public(changed)


@router.post("/criteria/{criterion_id}/retire", response_model=CriterionPublic)
def retire_criterion(criterion_id: Id, actor: ActorDep, session: SessionDep) -> CriterionPublic:
    criterion = criteria.visible_criterion(session, actor, criterion_id, roles=OFFICIALS)
    criteria.retire_criterion(session, actor=actor, criterion=criterion)
    session.commit()
    return criteria.criterion_public(criterion)


@router.delete("/criteria/{criterion_id}", status_code=204)
def delete_criterion(criterion_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    criterion = criteria.visible_criterion(session, actor, criterion_id, roles=OFFICIALS)
    criteria.delete_criterion(session, actor=actor, criterion=criterion)
    session.commit()
    return Response(status_code=204)


@router.get("/evaluations")
def list_rounds(actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> dict:
    village = village_for(actor, village_id)
    rows = service.village_rounds(session, village_id=village)
    return {"items": [{"id": r.id, "village_id": r.village_id, "month": r.month, "status": r.status}
                      for r in rows], "next_cursor": None}


@router.post("/evaluations", status_code=201, response_model=RoundPublic)
def open_round(body: RoundCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep,
               idempotency_key: IdempotencyKey = None) -> RoundPublic:
    village = village_for(actor, body.village_id, VILLAGE_STAFF)
    made = service.open_round(session, actor=actor, village_id=village, month=body.month,
                              idempotency_key=idempotency_key, latest=boards.this_month(settings.timezone))
    session.commit()
    return round_public(session, actor, made)


@router.get("/evaluations/{round_id}", response_model=RoundPublic)
def get_round(round_id: Id, actor: ActorDep, session: SessionDep) -> RoundPublic:
    return round_public(session, actor, service.visible_round(session, actor, round_id))


@router.post("/evaluations/{round_id}/scores", status_code=201, response_model=ScorePublic)
def save_score(round_id: Id, body: ScoreCreate, actor: ActorDep, session: SessionDep, response: Response
               ) -> ScorePublic:
    """Score a household against a criterion (201); the same member, household and criterion again changes that
    score (200)."""
    evaluation = service.visible_round(session, actor, round_id)
    score, created = service.save_score(session, actor=actor, evaluation=evaluation, household_id=body.household_id,
                                        criterion_id=body.criterion_id, points=body.points, reason=body.reason)
    session.commit()
    response.status_code = 201 if created else 200
    return score_public(session, score)


@router.delete("/evaluations/{round_id}/scores/{score_id}", status_code=204)
def delete_score(round_id: Id, score_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    evaluation = service.visible_round(session, actor, round_id)
    score = service.own_score(session, actor=actor, evaluation=evaluation, score_id=score_id)
    service.delete_score(session, actor=actor, evaluation=evaluation, score=score)
    session.commit()
    return Response(status_code=204)


@router.put("/evaluations/{round_id}/scores/{score_id}/photo", response_model=ScorePublic)
def score_photo(round_id: Id, score_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep,
                session: SessionDep) -> ScorePublic:
    data = photo.file.read(MAX_UPLOAD)
    evaluation = service.visible_round(session, actor, round_id)
    score = service.own_score(session, actor=actor, evaluation=evaluation, score_id=score_id)
    session.commit()  # the photo is decoded holding no lock and no connection
    processed = process_photo(data)
    evaluation = session.get(EvaluationRound, round_id)
    score = service.own_score(session, actor=actor, evaluation=evaluation, score_id=score_id)
    service.set_score_photo(session, actor=actor, evaluation=evaluation, score=score, photo=processed)
    session.commit()
    return score_public(session, score)


@router.post("/evaluations/{round_id}/publish", response_model=RoundPublic)
def publish(round_id: Id, body: PublishRequest, actor: ActorDep, session: SessionDep) -> RoundPublic:
    evaluation = service.visible_round(session, actor, round_id)
    service.publish_round(session, actor=actor, evaluation=evaluation, notice_days=body.notice_days)
    session.commit()
    return round_public(session, actor, evaluation)


@router.post("/evaluations/{round_id}/lines/{line_id}/objections", status_code=201,
             response_model=ObjectionPublic)
def object_to_line(round_id: Id, line_id: Id, body: ObjectionCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> ObjectionPublic:
    evaluation = service.visible_round(session, actor, round_id)
    made = service.file_objection(session, actor=actor, evaluation=evaluation, line_id=line_id, text=body.text,
                                  idempotency_key=idempotency_key)
    session.commit()
    return ObjectionPublic.model_validate(made, from_attributes=True)


@router.post("/evaluations/{round_id}/objections/{objection_id}/answer", response_model=ObjectionPublic)
def answer_objection(round_id: Id, objection_id: Id, body: ObjectionAnswer, actor: ActorDep, session: SessionDep
                     ) -> ObjectionPublic:
    evaluation = service.visible_round(session, actor, round_id)
    done = service.answer_objection(session, actor=actor, evaluation=evaluation, objection_id=objection_id,
                                    answer=body.answer, corrected_points=body.corrected_points,
                                    remove_from_list=body.remove_from_list)
    session.commit()
    return ObjectionPublic.model_validate(done, from_attributes=True)


@router.post("/evaluations/{round_id}/finalize", response_model=RoundPublic)
def finalize(round_id: Id, actor: ActorDep, session: SessionDep) -> RoundPublic:
    evaluation = service.visible_round(session, actor, round_id)
    service.finalize_round(session, actor=actor, evaluation=evaluation)
    session.commit()
    return round_public(session, actor, evaluation)


@router.post("/evaluations/{round_id}/households/{household_id}/follow-ups", status_code=201,
             response_model=FollowUpPublic)
def follow_up(round_id: Id, household_id: Id, body: FollowUpCreate, actor: ActorDep, session: SessionDep,
              idempotency_key: IdempotencyKey = None) -> FollowUpPublic:
    evaluation = service.visible_round(session, actor, round_id)
    made = boards.record_followup(session, actor=actor, evaluation=evaluation, household_id=household_id,
                                  visited_by=body.visited_by, change=body.change, transformed=body.transformed,
                                  idempotency_key=idempotency_key)
    session.commit()
    return FollowUpPublic.model_validate(made, from_attributes=True)


@router.get("/villages/{village_id}/red-black-list")
def red_black_list(village_id: Id, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                   month: str | None = None) -> dict:
    village = village_for(actor, village_id)
    month = service.clean_month(month) if month else boards.this_month(settings.timezone)
    board = boards.month_board(session, village_id=village, month=month, reader=actor)
    coverage = boards.village_coverage(session, village_ids=[village], month=month)[0]

    def shown(rows):
        return [{"household_id": b.household_id, "household": b.name,
                 "items": [{"category": c, "item": i, "points": p} for c, i, p in b.items],
                 "reasons": b.reasons, "transformed": b.transformed,
                 "follow_ups": [FollowUpPublic.model_validate(f, from_attributes=True) for f in b.followups]}
                for b in rows]

    return {"village_id": village, "month": month, "round_id": board.round.id if board.round else None,
            "red": shown(board.red), "black": shown(board.black), "transformed": shown(board.transformed),
            "coverage": _coverage(coverage)}


def _coverage(row: boards.Coverage) -> dict:
    return {"org_id": row.org_id, "name": row.name, "listed": row.listed, "households": row.households,
            "percent": row.percent, "target_percent": boards.COVERAGE_TARGET, "met": row.met}


@router.get("/red-black-coverage")
def coverage(actor: ActorDep, session: SessionDep, settings: SettingsDep, month: str | None = None) -> dict:
    """The yearly coverage of the villages the caller oversees, rolled up for the township and county."""
    month = service.clean_month(month) if month else boards.this_month(settings.timezone)
    villages = sorted(actor.villages(VILLAGE_STAFF))
    rows = boards.village_coverage(session, village_ids=villages, month=month) if villages else []
    return {"month": month, "villages": [_coverage(r) for r in rows],
            "rolled_up": [_coverage(r) for r in boards.rolled_up(session, rows)]}


@router.get("/villages/{village_id}/points-notice")
def points_notice(village_id: Id, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                  month: str | None = None) -> dict:
    """积分公示: every credit and reversal of the village's month, with reason, source and who decided; and every
    change that month to the rules points are given by (limits, bounds, service rules): who, when, before → after."""
    village = village_for(actor, village_id)
    month = service.clean_month(month) if month else boards.this_month(settings.timezone)
    notice = boards.points_notice(session, village_id=village, month=month, tz=settings.timezone,
                                  reader=actor)
    return {"village_id": village, "month": month, "total": notice.total, "totals": notice.totals,
            "fund_balance": notice.fund_balance,
            "items": [{"transaction_id": x.transaction_id, "created_at": x.created_at, "household": x.household,
                       "points": x.points, "kind": x.kind, "category": x.category, "reason": x.reason,
                       "decided_by": x.actor, "source_id": x.source_id, "reverses_id": x.reverses_id}
                      for x in notice.lines],
            "rule_changes": [{"created_at": c.created_at, "by": c.actor, "role": c.role, "action": c.action,
                              "label": c.label, "changes": [{"what": w, "before": b, "after": a}
                                                            for w, b, a in c.changes]}
                             for c in notice.rule_changes]}
