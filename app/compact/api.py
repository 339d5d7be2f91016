"""村规民约 JSON API (shared/api-v1.md "村规民约"): the text in force, its versions and amendments, proposing an
amendment (its decision's steps go through `POST /decisions/{id}/steps`), the 议事会's discussion, the 大体检."""

from fastapi import APIRouter

from app.compact import checkups, service, views
from app.compact.access import CHECKERS, KEEPERS, PROPOSERS
from app.compact.models import AmendmentCreate, CheckupCreate, CompactCreate, DiscussionUpdate
from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.org.access import village_for
from app.timeutil import TIMEZONE, local, utcnow

router = APIRouter(tags=["compact"])


@router.get("/villages/{village_id}/compact", response_model=views.CompactPublic)
def get_compact(village_id: Id, actor: ActorDep, session: SessionDep) -> views.CompactPublic:
    """The text in force as articles, its version, the amendment behind it, the one under way, the latest 大体检."""
    village = village_for(actor, village_id)
    return views.compact_public(session, service.required_compact(session, village_id=village))


@router.post("/villages/{village_id}/compact", status_code=201, response_model=views.CompactPublic)
def create_compact(village_id: Id, body: CompactCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> views.CompactPublic:
    """An official sets down the text in force as 第 1 版 (a village has one; later versions come from amendments)."""
    village = village_for(actor, village_id, KEEPERS, refuse="只有本村村干部可以建立村规民约")
    compact = service.create_compact(session, actor=actor, village_id=village, body=body.body, title=body.title,
                                     adopted_on=body.adopted_on, idempotency_key=idempotency_key)
    session.commit()
    return views.compact_public(session, compact)


@router.get("/villages/{village_id}/compact/versions")
def versions(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """Every version, newest first, with the amendment behind it (reason, votes, decision) and the lines changed."""
    compact = service.required_compact(session, village_id=village_for(actor, village_id))
    return {"items": views.history(session, compact), "next_cursor": None}


@router.get("/villages/{village_id}/compact/amendments")
def amendments(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    """Every amendment, newest first, those that failed too, each with its votes."""
    compact = service.required_compact(session, village_id=village_for(actor, village_id))
    return {"items": [views.amendment_public(session, a) for a in service.amendments_of(session, compact)],
            "next_cursor": None}


@router.post("/villages/{village_id}/compact/amendments", status_code=201, response_model=views.AmendmentPublic)
def propose(village_id: Id, body: AmendmentCreate, actor: ActorDep, session: SessionDep,
            idempotency_key: IdempotencyKey = None) -> views.AmendmentPublic:
    """An official or committee member proposes `body` (the whole text) or `articles` (changed ones); it opens a
    四议两公开 decision (`decision_id`). Another amendment under way → 409 `invalid_state`."""
    village = village_for(actor, village_id, PROPOSERS, refuse="只有本村村干部或评比委员可以提出修订")
    changes = [(a.number, a.text) for a in body.articles] if body.articles is not None else None
    amendment = service.propose_amendment(
        session, actor=actor, village_id=village, reason=body.reason, body=body.body, changes=changes,
        discussed_on=body.discussed_on, discussion=body.discussion, checkup_id=body.checkup_id,
        idempotency_key=idempotency_key)
    session.commit()
    return views.amendment_public(session, amendment)


@router.get("/compact-amendments/{amendment_id}", response_model=views.AmendmentPublic)
def get_amendment(amendment_id: Id, actor: ActorDep, session: SessionDep) -> views.AmendmentPublic:
    return views.amendment_public(session, service.visible_amendment(session, actor, amendment_id))


@router.put("/compact-amendments/{amendment_id}/discussion", response_model=views.AmendmentPublic)
def discussion(amendment_id: Id, body: DiscussionUpdate, actor: ActorDep, session: SessionDep
               ) -> views.AmendmentPublic:
    """The 村民议事会's discussion (date, record) of an amendment before its vote."""
    amendment = service.record_discussion(session, actor=actor,
                                          amendment=service.visible_amendment(session, actor, amendment_id),
                                          discussed_on=body.discussed_on, discussion=body.discussion)
    session.commit()
    return views.amendment_public(session, amendment)


@router.get("/villages/{village_id}/compact/checkups")
def village_checkups(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    village = village_for(actor, village_id)
    return {"items": [views.checkup_public(session, c) for c in checkups.checkups_of(session, village_id=village)],
            "next_cursor": None}


@router.post("/villages/{village_id}/compact/checkups", status_code=201, response_model=views.CheckupPublic)
def record_checkup(village_id: Id, body: CheckupCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> views.CheckupPublic:
    """The town admin (or county admin) records a 大体检 of the text in force: every item once."""
    village = village_for(actor, village_id, CHECKERS, refuse="只有乡镇（或县）管理员可以做村规民约大体检")
    checkup = checkups.record_checkup(session, actor=actor, village_id=village,
                                      items=[(i.item, i.passed, i.note) for i in body.items],
                                      checked_on=body.checked_on, note=body.note, idempotency_key=idempotency_key)
    session.commit()
    return views.checkup_public(session, checkup)


@router.get("/compact-checkups")
def year_overview(actor: ActorDep, session: SessionDep, year: int | None = None) -> dict:
    """For the township (and county): each village it checks, its version and its latest 大体检 of the year."""
    actor.require_any(CHECKERS, "只有乡镇（或县）管理员可以查看")
    year = year if year is not None and 2000 <= year <= 2100 else local(utcnow(), TIMEZONE).year
    rows = checkups.year_overview(session, actor=actor, year=year)
    return {"year": year, "items": [
        {"village_id": r.village_id, "village": r.name, "has_compact": r.has_compact, "version": r.version,
         "checked": r.latest is not None, "latest": views.checkup_public(session, r.latest) if r.latest else None,
         "amended_since": r.amended_since} for r in rows], "next_cursor": None}


@router.get("/compact-checkups/{checkup_id}", response_model=views.CheckupPublic)
def get_checkup(checkup_id: Id, actor: ActorDep, session: SessionDep) -> views.CheckupPublic:
    return views.checkup_public(session, checkups.visible_checkup(session, actor, checkup_id))
