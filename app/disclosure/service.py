"""村务公开: publish and revise disclosures (a revision is a new version, never an edit), read receipts and read
rates, questions and their public answers. Services add and flush; the route commits."""

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.disclosure.models import (
    CATEGORY_LABELS,
    DISCLOSURE_TARGET,
    QUESTION_TARGET,
    Disclosure,
    DisclosureAction,
    DisclosureFile,
    DisclosurePublic,
    DisclosureQuestion,
    DisclosureRead,
    DisclosureSummary,
    DisclosureVersion,
    FilePublic,
    QuestionPublic,
    VersionPublic,
)
from app.disclosure.registry import revision_refused
from app.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.inbox.models import MessageKind
from app.inbox.service import notify
from app.org.access import (
    EVERYONE,
    OFFICIALS,
    VILLAGE_STAFF,
    Actor,
    acting_household,
    get_visible,
    home_village,
    in_villages,
    village_for,
)
from app.org.models import Household, User
from app.paging import Page, page_desc
from app.text import clean_reason, clean_text
from app.timeutil import utcnow

MAX_TITLE, MAX_BODY, MAX_QUESTION, MAX_ANSWER = 100, 20_000, 500, 1000


# --- loading ----------------------------------------------------------------------------------------------------

def visible_disclosure(session: Session, actor: Actor, disclosure_id: int) -> Disclosure:
    """A disclosure of a village the actor belongs to or oversees; another village's is not found."""
    return get_visible(session, actor, Disclosure, disclosure_id, roles=EVERYONE, missing="找不到该公开事项")


def managed_disclosure(session: Session, actor: Actor, disclosure_id: int) -> Disclosure:
    """A disclosure the actor may revise and follow up (an official of its village)."""
    disclosure = visible_disclosure(session, actor, disclosure_id)
    actor.require(disclosure.village_id, OFFICIALS, "只有本村村干部可以操作")
    return disclosure


def official_village(actor: Actor, village_id: int | None = None) -> int:
    """The village an official publishes for: the one named, else their own."""
    return village_for(actor, village_id, OFFICIALS, refuse="只有村干部可以发布公开")


def reader_village(session: Session, actor: Actor) -> int | None:
    """The village whose disclosures a user reads: their household's, else the first one they serve."""
    return home_village(actor, acting_household(session, actor))


def _category(value: str) -> str:
    if value not in CATEGORY_LABELS:
        raise ValidationFailed("类别应为 党务、村务、财务 或 服务", field="category")
    return value


def _title(value: str | None) -> str:
    return clean_text(value, label="标题", max_length=MAX_TITLE, field="title")


def _body(value: str | None) -> str:
    return clean_text(value, label="正文", max_length=MAX_BODY, multiline=True, field="body")


# --- publish and revise -------------------------------------------------------------------------------------------

def publish(session: Session, *, actor: Actor, village_id: int, category: str, title: str, body: str,
            idempotency_key: str | None = None) -> Disclosure:
    """Publish a disclosure (version 1). With a key, once."""
    actor.require(village_id, OFFICIALS, "只有村干部可以发布公开")
    payload = {"village_id": village_id, "category": category, "title": title, "body": body}
    return create_once(session, scope=f"user:{actor.id}:disclosure.publish", key=idempotency_key, payload=payload,
                       model=Disclosure, action=lambda: _publish(session, actor=actor, **payload))


def _publish(session: Session, *, actor: Actor, village_id: int, category: str, title: str, body: str
             ) -> Disclosure:
    category, title, body = _category(category), _title(title), _body(body)
    now = utcnow()
    disclosure = Disclosure(village_id=village_id, category=category, title=title, version=1, author_id=actor.id,
                            published_at=now)
    session.add(disclosure)
    session.flush()
    session.add(DisclosureVersion(disclosure_id=disclosure.id, version=1, title=title, body=body, author_id=actor.id,
                                  created_at=now))
    record_action(session, actor_id=actor.id, action=DisclosureAction.publish, village_id=village_id,
                  target_type=DISCLOSURE_TARGET, target_id=disclosure.id, target_label=title,
                  detail={"category": category})
    session.flush()
    return disclosure


def revise(session: Session, *, actor: Actor, disclosure: Disclosure, title: str, body: str, reason: str,
           idempotency_key: str | None = None) -> Disclosure:
    """A new version with the reason for it; the earlier ones stay as they were. With a key, once."""
    actor.require(disclosure.village_id, OFFICIALS, "只有本村村干部可以修订公开")
    payload = {"disclosure_id": disclosure.id, "title": title, "body": body, "reason": reason}
    return create_once(session, scope=f"user:{actor.id}:disclosure.revise", key=idempotency_key, payload=payload,
                       model=Disclosure, action=lambda: _revise(session, actor=actor, disclosure=disclosure,
                                                                title=title, body=body, reason=reason))


def _revise(session: Session, *, actor: Actor, disclosure: Disclosure, title: str, body: str, reason: str
            ) -> Disclosure:
    refused = revision_refused(session, disclosure)
    if refused:
        raise InvalidState(refused)
    title, body = _title(title), _body(body)
    reason = clean_reason(reason, label="修订原因")
    current = current_version(session, disclosure)
    if current.title == title and current.body == body:
        raise ValidationFailed("内容没有改动，无需修订", field="body")
    new_version(session, actor=actor, disclosure=disclosure, title=title, body=body, reason=reason)
    return disclosure


def new_version(session: Session, *, actor: Actor, disclosure: Disclosure, title: str, body: str, reason: str
                ) -> int:
    """The next version of a published disclosure (a revision, or an attachment added later), with its reason. The
    system's own (a month's ledger root) is never revised: what it says is what the ledger's hashes gave."""
    if disclosure.author_id is None:
        raise InvalidState("系统自动公示的内容不能修改")
    now = utcnow()
    version = disclosure.version + 1
    session.add(DisclosureVersion(disclosure_id=disclosure.id, version=version, title=title, body=body,
                                  reason=reason, author_id=actor.id, created_at=now))
    try:
        with session.begin_nested():
            session.flush()  # two officials revising at once: the unique (disclosure, version) lets one through
    except IntegrityError:
        raise InvalidState("该公开刚被别人修订过，请刷新后再改") from None
    disclosure.title, disclosure.version, disclosure.revised_at = title, version, now
    session.add(disclosure)
    record_action(session, actor_id=actor.id, action=DisclosureAction.revise, village_id=disclosure.village_id,
                  target_type=DISCLOSURE_TARGET, target_id=disclosure.id, target_label=title, reason=reason,
                  detail={"version": version})
    session.flush()
    return version


# --- reading ------------------------------------------------------------------------------------------------------

def list_disclosures(session: Session, *, actor: Actor, category: str | None = None, village_id: int | None = None,
                     limit: int | None = None, cursor: str | None = None) -> Page:
    """The disclosures of the villages the actor belongs to or oversees (or of one of them), newest first."""
    stmt = in_villages(select(Disclosure), actor, Disclosure.village_id)
    if category:
        stmt = stmt.where(Disclosure.category == _category(category))
    if village_id is not None:
        stmt = stmt.where(Disclosure.village_id == village_id)
    return page_desc(session, stmt, Disclosure.id, limit=limit, cursor=cursor)


def read_ids(session: Session, *, household_id: int | None, disclosure_ids: list[int]) -> set[int]:
    if not household_id or not disclosure_ids:
        return set()
    return set(session.exec(select(DisclosureRead.disclosure_id).where(
        DisclosureRead.household_id == household_id, DisclosureRead.disclosure_id.in_(disclosure_ids))).all())


def summaries(session: Session, *, actor: Actor, disclosures: list[Disclosure]) -> list[DisclosureSummary]:
    done = read_ids(session, household_id=actor.user.household_id, disclosure_ids=[d.id for d in disclosures])
    return [DisclosureSummary(id=d.id, category=d.category, title=d.title, version=d.version,
                              published_at=d.published_at, read=d.id in done) for d in disclosures]


def _unread_stmt(household: Household):
    read = select(DisclosureRead.disclosure_id).where(DisclosureRead.household_id == household.id)
    return select(Disclosure).where(Disclosure.village_id == household.village_id, Disclosure.id.not_in(read))


def unread_count(session: Session, *, actor: Actor) -> int:
    """How many of the household's village's disclosures the household has not read (the tab's badge)."""
    household = acting_household(session, actor)
    if household is None:
        return 0
    return session.exec(select(func.count()).select_from(_unread_stmt(household).subquery())).one()


def newest_unread(session: Session, *, actor: Actor) -> Disclosure | None:
    household = acting_household(session, actor)
    if household is None:
        return None
    return session.exec(_unread_stmt(household).order_by(Disclosure.id.desc()).limit(1)).first()


def has_read(session: Session, *, actor: Actor, disclosure: Disclosure) -> bool:
    household = acting_household(session, actor)
    return household is None or bool(read_ids(session, household_id=household.id, disclosure_ids=[disclosure.id]))


def record_read(session: Session, *, actor: Actor, disclosure: Disclosure) -> bool:
    """Note that the actor's household read the disclosure (once; the first reader is kept). True if noted now.
    Staff without a household of that village, or another village's reader, leave no receipt."""
    household = acting_household(session, actor)
    if household is None or household.village_id != disclosure.village_id:
        return False
    if read_ids(session, household_id=household.id, disclosure_ids=[disclosure.id]):
        return False
    try:
        with session.begin_nested():
            session.add(DisclosureRead(disclosure_id=disclosure.id, household_id=household.id, user_id=actor.id,
                                       version=disclosure.version))
            session.flush()
    except IntegrityError:  # another member of the household opened it at the same moment
        return False
    return True


def mark_informed(session: Session, *, actor: Actor, disclosure: Disclosure, household_id: int) -> DisclosureRead:
    """An official has told a household of the disclosure in person (door to door, a phone call)."""
    actor.require(disclosure.village_id, OFFICIALS, "只有本村村干部可以登记")
    household = session.get(Household, household_id) if in_range(household_id) else None
    if household is None or household.village_id != disclosure.village_id:
        raise NotFound("找不到该农户")
    existing = session.exec(select(DisclosureRead).where(DisclosureRead.disclosure_id == disclosure.id,
                                                         DisclosureRead.household_id == household.id)).first()
    if existing is not None:
        return existing
    row = DisclosureRead(disclosure_id=disclosure.id, household_id=household.id, informed_by=actor.id,
                         version=disclosure.version)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the household opened it (or another official marked it) at this very moment
        return session.exec(select(DisclosureRead).where(DisclosureRead.disclosure_id == disclosure.id,
                                                         DisclosureRead.household_id == household.id)).one()
    record_action(session, actor_id=actor.id, action=DisclosureAction.informed, village_id=disclosure.village_id,
                  target_type=DISCLOSURE_TARGET, target_id=disclosure.id, target_label=disclosure.title,
                  detail={"household_id": household.id, "household": household.head_name})
    return row


def read_rate(session: Session, *, actor: Actor, disclosure: Disclosure) -> dict:
    """For officials: how many of the village's households have read it, and the ones that have not."""
    actor.require(disclosure.village_id, VILLAGE_STAFF, "只有村干部可以查看阅读情况")
    households = list(session.exec(select(Household).where(Household.village_id == disclosure.village_id)
                                   .order_by(Household.id)))
    reads = {r.household_id: r for r in session.exec(
        select(DisclosureRead).where(DisclosureRead.disclosure_id == disclosure.id))}
    total, done = len(households), sum(1 for h in households if h.id in reads)
    unread = [{"household_id": h.id, "head_name": h.head_name, "address": h.address}
              for h in households if h.id not in reads]
    informed = sum(1 for r in reads.values() if r.informed_by is not None)
    return {"households": total, "read": done, "informed": informed,
            "rate": round(done / total, 4) if total else 0.0, "unread": unread}


def informed_households(session: Session, *, actor: Actor, disclosure: Disclosure) -> list[dict]:
    """For officials: the households marked as told offline, newest first, with who marked them and when."""
    actor.require(disclosure.village_id, VILLAGE_STAFF, "只有村干部可以查看阅读情况")
    rows = session.exec(select(DisclosureRead, Household, User)
                        .join(Household, Household.id == DisclosureRead.household_id)
                        .join(User, User.id == DisclosureRead.informed_by)
                        .where(DisclosureRead.disclosure_id == disclosure.id)
                        .order_by(DisclosureRead.read_at.desc(), DisclosureRead.id.desc()))
    return [{"household_id": h.id, "head_name": h.head_name, "address": h.address, "by": u.name, "at": r.read_at}
            for r, h, u in rows]


def read_counts(session: Session, *, actor: Actor, disclosures: list[Disclosure]) -> dict[int, tuple[int, int]]:
    """For staff: each disclosure's households read and households in its village (the list's read rates)."""
    staff = [d for d in disclosures if actor.can(d.village_id, VILLAGE_STAFF)]
    if not staff:
        return {}
    ids = [d.id for d in staff]
    read = dict(session.exec(select(DisclosureRead.disclosure_id, func.count()).where(
        DisclosureRead.disclosure_id.in_(ids)).group_by(DisclosureRead.disclosure_id)).all())
    villages = {d.village_id for d in staff}
    households = dict(session.exec(select(Household.village_id, func.count()).where(
        Household.village_id.in_(villages)).group_by(Household.village_id)).all())
    return {d.id: (read.get(d.id, 0), households.get(d.village_id, 0)) for d in staff}


def current_version(session: Session, disclosure: Disclosure) -> DisclosureVersion:
    return version_of(session, disclosure, disclosure.version)


def version_of(session: Session, disclosure: Disclosure, version: int) -> DisclosureVersion:
    row = session.exec(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == disclosure.id,
                                                       DisclosureVersion.version == version)).first()
    if row is None:
        raise NotFound("找不到该版本")
    return row


def versions(session: Session, disclosure: Disclosure) -> list[DisclosureVersion]:
    return list(session.exec(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == disclosure.id)
                             .order_by(DisclosureVersion.version.desc())))


SYSTEM_AUTHOR = "振风系统（自动公示）"  # who a disclosure without an author (a month's ledger root) is shown as


def names(session: Session, user_ids: set[int | None]) -> dict[int | None, str]:
    ids = {i for i in user_ids if i}
    found = dict(session.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return {**found, None: SYSTEM_AUTHOR} if None in user_ids else found


def files_of(session: Session, *, disclosure_id: int | None = None, version: int | None = None,
             step_ids: list[int] | None = None) -> list[DisclosureFile]:
    """A disclosure's files (those its `version` carried, when given), or the files of decision steps."""
    stmt = select(DisclosureFile)
    if disclosure_id is not None:
        stmt = stmt.where(DisclosureFile.disclosure_id == disclosure_id)
        if version is not None:
            stmt = stmt.where(DisclosureFile.version <= version)
    else:
        stmt = stmt.where(DisclosureFile.decision_step_id.in_(step_ids or []))
    return list(session.exec(stmt.order_by(DisclosureFile.id)))


def file_public(f: DisclosureFile) -> FilePublic:
    url = f"/disclosure-files/{f.id}"
    return FilePublic(id=f.id, kind=f.kind, file_name=f.file_name, size=f.size, url=url,
                      thumbnail_url=f"{url}/thumb" if f.thumbnail is not None else None)


def disclosure_public(session: Session, *, actor: Actor, disclosure: Disclosure,
                      version: DisclosureVersion | None = None) -> DisclosurePublic:
    version = version or current_version(session, disclosure)
    author = names(session, {version.author_id}).get(version.author_id, "")
    return DisclosurePublic(
        id=disclosure.id, village_id=disclosure.village_id, category=disclosure.category, title=version.title,
        body=version.body, version=version.version, published_at=disclosure.published_at,
        revised_at=disclosure.revised_at, author=author, reason=version.reason,
        read=has_read(session, actor=actor, disclosure=disclosure),
        attachments=[file_public(f) for f in files_of(session, disclosure_id=disclosure.id,
                                                      version=version.version)])


def versions_public(session: Session, disclosure: Disclosure) -> list[VersionPublic]:
    """Every version, newest first, each with the attachments it carried (none added after it)."""
    rows = versions(session, disclosure)
    who = names(session, {v.author_id for v in rows})
    files = files_of(session, disclosure_id=disclosure.id)
    return [VersionPublic(version=v.version, title=v.title, body=v.body, reason=v.reason,
                          author=who.get(v.author_id, ""), created_at=v.created_at,
                          attachments=[file_public(f) for f in files if (f.version or 1) <= v.version])
            for v in rows]


# --- questions (监督) ----------------------------------------------------------------------------------------------

def ask(session: Session, *, actor: Actor, disclosure: Disclosure, body: str, show_name: bool = False,
        idempotency_key: str | None = None) -> DisclosureQuestion:
    """A villager of the disclosure's village asks a question about it. With a key, once."""
    household = acting_household(session, actor)
    if household is None or household.village_id != disclosure.village_id:
        raise Forbidden("只有本村村民可以提问")
    payload = {"disclosure_id": disclosure.id, "body": body, "show_name": bool(show_name)}
    return create_once(session, scope=f"user:{actor.id}:disclosure.question", key=idempotency_key, payload=payload,
                       model=DisclosureQuestion,
                       action=lambda: _ask(session, actor=actor, disclosure=disclosure, household=household,
                                           body=body, show_name=bool(show_name)))


def _ask(session: Session, *, actor: Actor, disclosure: Disclosure, household: Household, body: str,
         show_name: bool) -> DisclosureQuestion:
    text = clean_text(body, label="问题", max_length=MAX_QUESTION, multiline=True, field="body")
    question = DisclosureQuestion(disclosure_id=disclosure.id, village_id=disclosure.village_id, asker_id=actor.id,
                                  household_id=household.id, show_name=show_name, body=text)
    session.add(question)
    session.flush()
    record_action(session, actor_id=actor.id, action=DisclosureAction.question, village_id=disclosure.village_id,
                  target_type=QUESTION_TARGET, target_id=question.id, target_label=disclosure.title)
    return question


def visible_question(session: Session, actor: Actor, question_id: int) -> DisclosureQuestion:
    return get_visible(session, actor, DisclosureQuestion, question_id, roles=EVERYONE, missing="找不到该问题")


def answer(session: Session, *, actor: Actor, question: DisclosureQuestion, text: str) -> DisclosureQuestion:
    """An official answers a question, once (the answer is public)."""
    actor.require(question.village_id, OFFICIALS, "只有本村村干部可以答复")
    text = clean_text(text, label="答复", max_length=MAX_ANSWER, multiline=True, field="answer")
    if question.answered_at is not None:
        if question.answer == text:
            return question  # the same answer sent twice (a double tap)
        raise InvalidState("该问题已经答复过了")
    question.answer, question.answered_by, question.answered_at = text, actor.id, utcnow()
    session.add(question)
    record_action(session, actor_id=actor.id, action=DisclosureAction.answer, village_id=question.village_id,
                  target_type=QUESTION_TARGET, target_id=question.id, target_label=text[:50])
    notify(session, kind=MessageKind.question_answer, user_ids=[question.asker_id], skip=[actor.id],
           text=f"村干部答复了您的提问：{question.body[:40]}", link=f"/disclosures/{question.disclosure_id}#questions")
    return question


def questions(session: Session, *, disclosure: Disclosure) -> list[DisclosureQuestion]:
    return list(session.exec(select(DisclosureQuestion).where(DisclosureQuestion.disclosure_id == disclosure.id)
                             .order_by(DisclosureQuestion.id.desc())))


def questions_public(session: Session, *, actor: Actor, rows: list[DisclosureQuestion]) -> list[QuestionPublic]:
    """Questions as the actor may see them: the asker's name only where they allowed it, or to officials."""
    who = names(session, {q.asker_id for q in rows})
    out = []
    for q in rows:
        sees_name = q.show_name or actor.can(q.village_id, VILLAGE_STAFF) or q.asker_id == actor.id
        out.append(QuestionPublic(id=q.id, disclosure_id=q.disclosure_id, body=q.body,
                                  asker=who.get(q.asker_id) if sees_name else None, mine=q.asker_id == actor.id,
                                  answer=q.answer, answered_at=q.answered_at, created_at=q.created_at))
    return out


def unanswered_count(session: Session, *, actor: Actor) -> int:
    """Questions waiting for an answer in the villages the actor is an official of (首页)."""
    villages = sorted(actor.villages(OFFICIALS))
    if not villages:
        return 0
    return session.exec(select(func.count()).select_from(DisclosureQuestion).where(
        DisclosureQuestion.village_id.in_(villages), DisclosureQuestion.answered_at.is_(None))).one()


def unanswered(session: Session, *, actor: Actor, limit: int = 50) -> list[DisclosureQuestion]:
    villages = sorted(actor.villages(OFFICIALS))
    return list(session.exec(select(DisclosureQuestion).where(
        DisclosureQuestion.village_id.in_(villages), DisclosureQuestion.answered_at.is_(None))
        .order_by(DisclosureQuestion.id).limit(limit)))

