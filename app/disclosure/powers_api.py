"""小微权力清单 (JSON): the list in force (or an earlier version) with its number, its versions, and a new version
published by an official (`PUT`, the whole list)."""

from fastapi import APIRouter
from sqlmodel import Session

from app.deps import ActorDep, SessionDep
from app.disclosure import powers
from app.disclosure.models import SmallPowersUpdate, SmallPowerVersion
from app.ids import Id
from app.org.access import LIST_KEEPERS, village_for
from app.org.models import User

router = APIRouter(tags=["disclosures"])


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
