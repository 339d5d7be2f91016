"""村规民约大体检: the township checks a village's text in force item by item (app/compact/models.py CHECK_ITEMS),
each passed or failed with a note; the check passes only when every item does. The village reads it (and must amend
a failed text); the township sees which of its villages were checked this year."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.compact.access import CHECKERS
from app.compact.models import (
    CHECK_ITEMS,
    CHECKUP_TARGET,
    MAX_NOTE,
    Amendment,
    AmendmentStatus,
    CheckItem,
    Checkup,
    CheckupItem,
    Compact,
    CompactAction,
)
from app.compact.service import disclosure_of, required_compact, today
from app.errors import ValidationFailed
from app.idempotency import create_once
from app.org.access import EVERYONE, Actor, get_visible
from app.org.models import OrgUnit
from app.text import clean_text


def visible_checkup(session: Session, actor: Actor, checkup_id: int) -> Checkup:
    return get_visible(session, actor, Checkup, checkup_id, roles=EVERYONE, missing="找不到该体检记录")


def record_checkup(session: Session, *, actor: Actor, village_id: int, items: list[tuple[str, bool, str]],
                   checked_on: date | None = None, note: str = "", idempotency_key: str | None = None) -> Checkup:
    """The town (or county) admin over the village records a 大体检 of its text in force: every item of the
    checklist once, a failed one with what is wrong."""
    actor.require(village_id, CHECKERS, "只有乡镇（或县）管理员可以做村规民约大体检")
    payload = {"village_id": village_id, "items": [list(i) for i in items], "note": note,
               "checked_on": checked_on.isoformat() if checked_on else None}
    return create_once(session, scope=f"user:{actor.id}:compact.checkup", key=idempotency_key, payload=payload,
                       model=Checkup, action=lambda: _record(session, actor=actor, village_id=village_id,
                                                             items=items, checked_on=checked_on, note=note))


def _record(session: Session, *, actor: Actor, village_id: int, items: list[tuple[str, bool, str]],
            checked_on: date | None, note: str) -> Checkup:
    compact = required_compact(session, village_id=village_id)
    now = today()
    checked_on = checked_on or now
    if not date(2000, 1, 1) <= checked_on <= now:
        raise ValidationFailed("体检日期不能晚于今天", field="checked_on")
    rows = _items(items)
    disclosure = disclosure_of(session, compact)
    checkup = Checkup(village_id=village_id, compact_id=compact.id, version=disclosure.version,
                      checked_on=checked_on, passed=all(passed for _, passed, _ in rows), checked_by=actor.id,
                      note=clean_text(note, label="体检意见", max_length=MAX_NOTE, required=False, multiline=True,
                                      field="note"))
    session.add(checkup)
    session.flush()
    for item, passed, text in rows:
        session.add(CheckupItem(checkup_id=checkup.id, item=item, passed=passed, note=text))
    session.flush()
    record_action(session, actor_id=actor.id, action=CompactAction.checkup, village_id=village_id,
                  target_type=CHECKUP_TARGET, target_id=checkup.id, target_label=disclosure.title,
                  detail={"version": checkup.version, "passed": checkup.passed,
                          "failed": [item for item, passed, _ in rows if not passed]})
    return checkup


def _items(items: list[tuple[str, bool, str]]) -> list[tuple[str, bool, str]]:
    """Every checklist item exactly once, in the checklist's order; a failed item needs its note."""
    given: dict[str, tuple[bool, str]] = {}
    for item, passed, text in items:
        if item not in CHECK_ITEMS:
            raise ValidationFailed("体检项目不对", field="items")
        if item in given:
            raise ValidationFailed(f"「{CHECK_ITEMS[CheckItem(item)][0]}」填了两次", field="items")
        label = CHECK_ITEMS[CheckItem(item)][0]
        given[item] = (bool(passed), clean_text(text, label=f"「{label}」的意见", max_length=MAX_NOTE,
                                                required=not passed, multiline=True, field=f"note-{item}"))
    missing = [CHECK_ITEMS[i][0] for i in CHECK_ITEMS if i not in given]
    if missing:
        raise ValidationFailed(f"还有项目没有检查：{'、'.join(missing)}", field="items")
    return [(i.value, *given[i]) for i in CHECK_ITEMS]


def checkups_of(session: Session, *, village_id: int) -> list[Checkup]:
    """The village's checks, newest first."""
    return list(session.exec(select(Checkup).where(Checkup.village_id == village_id)
                             .order_by(col(Checkup.checked_on).desc(), col(Checkup.id).desc())))


def items_of(session: Session, checkup: Checkup) -> list[CheckupItem]:
    order = list(CHECK_ITEMS)
    rows = session.exec(select(CheckupItem).where(CheckupItem.checkup_id == checkup.id)).all()
    return sorted(rows, key=lambda r: order.index(CheckItem(r.item)))


def answered_by(session: Session, checkup: Checkup) -> Amendment | None:
    """The amendment published after a failed check (what the village did about it), if any."""
    return session.exec(select(Amendment).where(
        Amendment.compact_id == checkup.compact_id, Amendment.status == AmendmentStatus.published,
        col(Amendment.published_version) > checkup.version).order_by(col(Amendment.id))).first()


@dataclass
class VillageCheck:
    village_id: int
    name: str
    has_compact: bool
    version: int | None
    latest: Checkup | None  # the year's latest check
    amended_since: bool  # a new version published after it


def year_overview(session: Session, *, actor: Actor, year: int) -> list[VillageCheck]:
    """Each village the actor checks: whether it has a compact, its version, and its latest check of the year."""
    villages = sorted(actor.villages(CHECKERS))
    if not villages:
        return []


    names = dict(session.exec(select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_(villages))).all())
    compacts = {c.village_id: c for c in session.exec(select(Compact).where(col(Compact.village_id).in_(villages)))}
    checks: dict[int, Checkup] = {}
    for row in session.exec(select(Checkup).where(
            col(Checkup.village_id).in_(villages), col(Checkup.checked_on) >= date(year, 1, 1),
            col(Checkup.checked_on) <= date(year, 12, 31)).order_by(col(Checkup.checked_on), col(Checkup.id))):
        checks[row.village_id] = row
    out = []
    for vid in villages:
        compact = compacts.get(vid)
        version = disclosure_of(session, compact).version if compact else None
        latest = checks.get(vid)
        out.append(VillageCheck(village_id=vid, name=names.get(vid, ""), has_compact=compact is not None,
                                version=version, latest=latest,
                                amended_since=bool(latest and version and version > latest.version)))
    return sorted(out, key=lambda v: (v.latest is not None, v.name))
