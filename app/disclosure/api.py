"""村务公开 JSON API: disclosures, versions, read receipts and read rates, questions, attachments, 四议两公开
decisions, 小微权力清单 (api-v1.md, section Disclosures)."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from app.db import write_session
from app.deps import ActorDep, EngineDep, IdempotencyKey, SessionDep
from app.disclosure import decisions as dec
from app.disclosure import files as attachments
from app.disclosure import powers, service
from app.disclosure.models import (
    AnswerCreate,
    DecisionCreate,
    DecisionPublic,
    Disclosure,
    DisclosurePublic,
    FilePublic,
    InformedCreate,
    QuestionCreate,
    QuestionPublic,
    RevisionCreate,
    SmallPowersUpdate,
    SmallPowerVersion,
    StepCreate,
    StepPublic,
    VersionPublic,
)
from app.ids import Id, StrictId
from app.org.access import LIST_KEEPERS, OFFICIALS, Actor, village_for
from app.org.models import User

router = APIRouter(tags=["disclosures"])


class DisclosureCreateBody(SQLModel):
    category: str
    title: str
    body: str
    village_id: StrictId | None = None  # an official of several villages names one; else their own


class DecisionCreateBody(DecisionCreate):
    village_id: StrictId | None = None


@router.post("/disclosures", status_code=201, response_model=DisclosurePublic)
def publish(body: DisclosureCreateBody, actor: ActorDep, session: SessionDep,
            idempotency_key: IdempotencyKey = None) -> DisclosurePublic:
    village_id = service.official_village(actor, body.village_id)
    disclosure = service.publish(session, actor=actor, village_id=village_id, category=body.category,
                                 title=body.title, body=body.body, idempotency_key=idempotency_key)
    session.commit()
    return service.disclosure_public(session, actor=actor, disclosure=disclosure)


@router.get("/disclosures")
def list_disclosures(actor: ActorDep, session: SessionDep, category: str | None = None,
                     village_id: Id | None = None, limit: int | None = None, cursor: str | None = None) -> dict:
    page = service.list_disclosures(session, actor=actor, category=category, village_id=village_id, limit=limit,
                                    cursor=cursor)
    return {"items": service.summaries(session, actor=actor, disclosures=[d for (d,) in page.items]),
            "next_cursor": page.next_cursor}


@router.get("/disclosures/unread-count")
def unread_count(actor: ActorDep, session: SessionDep) -> dict:
    return {"count": service.unread_count(session, actor=actor)}


@router.get("/disclosures/{disclosure_id}", response_model=DisclosurePublic)
def read(disclosure_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep) -> DisclosurePublic:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    noted = note_read(engine, session, actor, disclosure)
    public = service.disclosure_public(session, actor=actor, disclosure=disclosure)
    public.read = public.read or noted
    return public


def note_read(engine: Engine, session: Session, actor: Actor, disclosure: Disclosure) -> bool:
    """The household's read receipt, in a short write of its own (taken only when it is the first read)."""
    if service.has_read(session, actor=actor, disclosure=disclosure):
        return False
    with write_session(engine) as writer:
        noted = service.record_read(writer, actor=actor, disclosure=disclosure)
        writer.commit()
    return noted


@router.get("/disclosures/{disclosure_id}/versions")
def list_versions(disclosure_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    return {"items": service.versions_public(session, disclosure), "next_cursor": None}


@router.get("/disclosures/{disclosure_id}/versions/{version}", response_model=VersionPublic)
def one_version(disclosure_id: Id, version: Id, actor: ActorDep, session: SessionDep) -> VersionPublic:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    wanted = service.version_of(session, disclosure, version)
    return next(v for v in service.versions_public(session, disclosure) if v.version == wanted.version)


@router.post("/disclosures/{disclosure_id}/revisions", status_code=201, response_model=DisclosurePublic)
def revise(disclosure_id: Id, body: RevisionCreate, actor: ActorDep, session: SessionDep,
           idempotency_key: IdempotencyKey = None) -> DisclosurePublic:
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    service.revise(session, actor=actor, disclosure=disclosure, title=body.title, body=body.body, reason=body.reason,
                   idempotency_key=idempotency_key)
    session.commit()
    return service.disclosure_public(session, actor=actor, disclosure=disclosure)


@router.get("/disclosures/{disclosure_id}/reads")
def read_rate(disclosure_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """Officials: the read rate and the households that have not read it (for a door-to-door visit)."""
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    return service.read_rate(session, actor=actor, disclosure=disclosure)


@router.post("/disclosures/{disclosure_id}/reads", status_code=201)
def mark_informed(disclosure_id: Id, body: InformedCreate, actor: ActorDep, session: SessionDep) -> dict:
    """Officials: a household was told of it offline (door to door); counted as read."""
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    row = service.mark_informed(session, actor=actor, disclosure=disclosure, household_id=body.household_id)
    session.commit()
    return {"household_id": row.household_id, "informed": row.informed_by is not None, "read_at": row.read_at}


@router.get("/disclosures/{disclosure_id}/questions")
def list_questions(disclosure_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    rows = service.questions(session, disclosure=disclosure)
    return {"items": service.questions_public(session, actor=actor, rows=rows), "next_cursor": None}


@router.post("/disclosures/{disclosure_id}/questions", status_code=201, response_model=QuestionPublic)
def ask(disclosure_id: Id, body: QuestionCreate, actor: ActorDep, session: SessionDep,
        idempotency_key: IdempotencyKey = None) -> QuestionPublic:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    question = service.ask(session, actor=actor, disclosure=disclosure, body=body.body, show_name=body.show_name,
                           idempotency_key=idempotency_key)
    session.commit()
    return service.questions_public(session, actor=actor, rows=[question])[0]


@router.get("/disclosure-questions")
def unanswered(actor: ActorDep, session: SessionDep) -> dict:
    """Officials: the questions of their villages still waiting for an answer."""
    actor.require_any(OFFICIALS, "只有村干部可以查看")
    rows = service.unanswered(session, actor=actor)
    return {"items": service.questions_public(session, actor=actor, rows=rows), "next_cursor": None}


@router.post("/disclosure-questions/{question_id}/answer", response_model=QuestionPublic)
def answer(question_id: Id, body: AnswerCreate, actor: ActorDep, session: SessionDep) -> QuestionPublic:
    question = service.visible_question(session, actor, question_id)
    service.answer(session, actor=actor, question=question, text=body.answer)
    session.commit()
    return service.questions_public(session, actor=actor, rows=[question])[0]


@router.post("/disclosures/{disclosure_id}/attachments", status_code=201, response_model=FilePublic)
def attach(disclosure_id: Id, file: Annotated[UploadFile, File()], actor: ActorDep, session: SessionDep
           ) -> FilePublic:
    data = file.file.read(attachments.MAX_FILE_BYTES + 1)
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    session.commit()  # end the short look-up: the file is checked holding no lock and no connection
    checked = attachments.check_upload(data, file.filename)
    row = attachments.attach_to_published(session, actor=actor, disclosure=disclosure, checked=checked)
    session.commit()
    return service.file_public(row)


# --- 四议两公开 ---------------------------------------------------------------------------------------------------

@router.get("/decisions")
def list_decisions(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None
                   ) -> dict:
    page = dec.list_decisions(session, actor=actor, limit=limit, cursor=cursor)
    return {"items": [dec.decision_public(session, d) for (d,) in page.items], "next_cursor": page.next_cursor}


@router.post("/decisions", status_code=201, response_model=DecisionPublic)
def create_decision(body: DecisionCreateBody, actor: ActorDep, session: SessionDep,
                    idempotency_key: IdempotencyKey = None) -> DecisionPublic:
    village_id = service.official_village(actor, body.village_id)
    decision = dec.create_decision(session, actor=actor, village_id=village_id, title=body.title,
                                   summary=body.summary, idempotency_key=idempotency_key)
    session.commit()
    return dec.decision_public(session, decision)


@router.get("/decisions/{decision_id}", response_model=DecisionPublic)
def get_decision(decision_id: Id, actor: ActorDep, session: SessionDep) -> DecisionPublic:
    return dec.decision_public(session, dec.visible_decision(session, actor, decision_id))


@router.post("/decisions/{decision_id}/steps", status_code=201, response_model=StepPublic)
def record_step(decision_id: Id, body: StepCreate, actor: ActorDep, session: SessionDep,
                idempotency_key: IdempotencyKey = None) -> StepPublic:
    decision = dec.visible_decision(session, actor, decision_id)
    row = dec.record_step(session, actor=actor, decision=decision, idempotency_key=idempotency_key,
                          **body.model_dump())
    session.commit()
    return next(s for s in dec.decision_public(session, decision).steps if s.id == row.id)


@router.post("/decisions/{decision_id}/steps/{step_id}/attachments", status_code=201, response_model=FilePublic)
def attach_to_step(decision_id: Id, step_id: Id, file: Annotated[UploadFile, File()], actor: ActorDep,
                   session: SessionDep) -> FilePublic:
    data = file.file.read(attachments.MAX_FILE_BYTES + 1)
    decision = dec.visible_decision(session, actor, decision_id)
    actor.require(decision.village_id, OFFICIALS, "只有本村村干部可以上传")
    step = dec.step_of(session, decision, step_id)
    session.commit()
    checked = attachments.check_upload(data, file.filename)
    row = attachments.attach(session, actor_id=actor.id, village_id=decision.village_id, checked=checked,
                             decision_step_id=step.id, label=decision.title)
    session.commit()
    return service.file_public(row)


# --- 小微权力清单: the list in force (or an earlier version) with its number, its versions, a new version ------


def _version_public(session: Session, row: SmallPowerVersion) -> dict:
    author = session.get(User, row.created_by_id) if row.created_by_id else None
    return {"version": row.version, "note": row.note, "created_by": author.name if author else None,
            "created_at": row.created_at}


def _list(session: Session, village_id: int, version: int | None) -> dict:
    current = powers.current_version(session, village_id=village_id)
    number = current if version is None else powers.version_of(session, village_id=village_id,
                                                               version=version).version
    return {"items": [p.model_dump() for p in powers.small_powers(session, village_id=village_id, version=number)],
            "next_cursor": None, "version": number, "current_version": current}


@router.get("/villages/{village_id}/small-powers")
def small_powers(village_id: Id, actor: ActorDep, session: SessionDep, version: Id | None = None) -> dict:
    """The list in force (`version`: an earlier one, still readable): `{"items", "next_cursor", "version",
    "current_version"}`."""
    return _list(session, village_for(actor, village_id), version)


@router.get("/villages/{village_id}/small-powers/versions")
def small_power_versions(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """Every version, newest first: who published it, when, and what changed."""
    village = village_for(actor, village_id)
    return {"items": [_version_public(session, row) for row in powers.versions(session, village_id=village)],
            "next_cursor": None}


@router.put("/villages/{village_id}/small-powers")
def publish_small_powers(village_id: Id, body: SmallPowersUpdate, actor: ActorDep, session: SessionDep) -> dict:
    """An official publishes the whole list as a new version (`base_version`: the one they edited; another in force
    meanwhile is 409). The same list as the one in force publishes nothing."""
    village = village_for(actor, village_id, LIST_KEEPERS, refuse="只有本村村干部可以修改小微权力清单")
    row = powers.publish_powers(session, actor=actor, village_id=village, items=body.items, note=body.note,
                                base_version=body.base_version)
    result = _list(session, village, row.version)
    session.commit()
    return result
