"""Idempotency keys: the same key and body answer the first result; another body is refused (I6).

Every write that a double tap or a retry could repeat goes through here: moving points or stock (an
Idempotency-Key header, or the key a page made when it drew the form) and creating anything from a form
(the form key: two taps on 保存 make one household)."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import String, Text, UniqueConstraint, bindparam, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from app.errors import Conflict, IdempotencyConflict, ValidationFailed
from app.timeutil import ts_column, utcnow

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T", bound=SQLModel)
MAX_KEY_LENGTH = 200


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(sa_type=String(100))
    key: str = Field(sa_type=String(200))
    request_hash: str = Field(sa_type=String(64))
    response_body: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(index=True))  # purge: by age


class Created(BaseModel):
    """What a create remembers for its key: the new row's id."""

    id: int


def purge_keys(session: Session, *, before: datetime, forms_before: datetime, limit: int) -> int:
    """At most `limit` keys past their use removed: a page form's (scope `form:`, app/form_replay.py) once
    `forms_before`, any other once `before`; how many. A key removed no longer stops its request applying again."""
    old = (IdempotencyRecord.created_at < forms_before,  # forms_before is the later: the index's range
           (IdempotencyRecord.created_at < before) | IdempotencyRecord.scope.startswith("form:"))
    ids = list(session.exec(select(IdempotencyRecord.id).where(*old).order_by(IdempotencyRecord.id).limit(limit)))
    if ids:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    return len(ids)


def request_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def find_record(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    ).first()


_KEYS = IdempotencyRecord.__table__
# Built once per dialect: the claim (an insert that does nothing on a taken key, returning the new row's id) and the
# answer written on it — the hot path of every idempotent write.
_CLAIM = {name: insert(_KEYS).on_conflict_do_nothing(index_elements=["scope", "key"]).returning(_KEYS.c.id)
          for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))}
_ANSWER = update(_KEYS).where(_KEYS.c.id == bindparam("record_id")).values(response_body=bindparam("body"))


def _claim(session: Session, *, scope: str, key: str, digest: str) -> int | None:
    """Take the key for this request, in its transaction: its row's id, or None when a request with it came before
    (a concurrent one with the same key waits here, on the unique index, until that one commits or rolls back).
    One statement, where a read, a savepoint and an insert were three."""
    conn = session.connection()
    return conn.execute(_CLAIM[conn.dialect.name], {
        "scope": scope, "key": key, "request_hash": digest, "response_body": "", "created_at": utcnow()}).scalar()


def claim_many(session: Session, *, scope: str, payloads: dict[str, dict], result_type: type[R]
               ) -> tuple[dict[str, int], dict[str, R]]:
    """`run_idempotent`'s first half for many keys of one scope at once (finalising a round: a key per household):
    every key taken in one statement per 500; returns the keys this call took (key → record id, to be answered
    with `answer_many` in the same transaction) and the stored answers of those a call before it completed. A key
    taken before with another payload is refused (IdempotencyConflict), one taken and not yet answered waits for
    its request's end on the unique index, then is refused as `run_idempotent` refuses it (Conflict)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    digests = {key.strip(): request_hash(payload) for key, payload in payloads.items()}
    if any(not key or len(key) > MAX_KEY_LENGTH for key in digests):
        raise ValidationFailed("Idempotency-Key 无效")
    taken: dict[str, int] = {}
    keys, now = sorted(digests), utcnow()
    for i in range(0, len(keys), 500):
        rows = [{"scope": scope, "key": key, "request_hash": digests[key], "response_body": "", "created_at": now}
                for key in keys[i:i + 500]]
        taken.update(session.execute(insert(IdempotencyRecord).values(rows)
                                     .on_conflict_do_nothing(index_elements=["scope", "key"])
                                     .returning(IdempotencyRecord.key, IdempotencyRecord.id)).all())
    stored: dict[str, R] = {}
    before = [key for key in keys if key not in taken]
    for i in range(0, len(before), 500):
        for record in session.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                                   col(IdempotencyRecord.key).in_(before[i:i + 500]))):
            if record.request_hash != digests[record.key]:
                raise IdempotencyConflict()
            if not record.response_body:
                raise Conflict("同一请求正在处理，请稍后查询结果")
            stored[record.key] = result_type.model_validate_json(record.response_body)
    if len(taken) + len(stored) != len(keys):  # taken and let go again in between
        raise Conflict("同一请求正在处理，请稍后查询结果")
    return taken, stored


def answer_many(session: Session, *, taken: dict[str, int], results: dict[str, BaseModel]) -> None:
    """Store the answers of the keys `claim_many` took: one statement."""
    if taken:
        session.execute(update(IdempotencyRecord), [{"id": record_id, "response_body": results[key].model_dump_json()}
                                                    for key, record_id in taken.items()])


def find_result(session: Session, *, scope: str, key: str, result_type: type[R]) -> R | None:
    """The stored answer for a key, if a request with it completed."""
    record = find_record(session, scope, key.strip())
    if record is None or not record.response_body:
        return None
    return result_type.model_validate_json(record.response_body)


def run_idempotent(
    session: Session, *, scope: str, key: str | None, payload: dict, result_type: type[R], action: Callable[[], R],
    on_repeat: Callable[[], BaseModel | None] | None = None,
) -> R:
    """Run `action` once per (scope, key); a repeat with the same payload gets the stored result. `on_repeat` is
    asked first when the key was seen before, whatever its payload: an answer of its own for the repeat (a
    redemption waiting for the villager's confirmation), or None to carry on."""
    if key is None:
        return action()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("Idempotency-Key 无效")
    digest = request_hash(payload)
    record_id = _claim(session, scope=scope, key=key, digest=digest)
    record = None
    if record_id is None:
        record = find_record(session, scope, key)
        if record is None:  # taken and let go again in between (the other request rolled back, or a purge)
            raise Conflict("同一请求正在处理，请稍后查询结果")
        if on_repeat is not None and (answer := on_repeat()) is not None:
            return answer  # type: ignore[return-value]
        if record.request_hash != digest:
            raise IdempotencyConflict()
        if record.response_body:
            return result_type.model_validate_json(record.response_body)
    result = action()
    if record is not None:  # a claim left unanswered earlier (a confirmation's), loaded: answered through it
        record.response_body = result.model_dump_json()
        session.flush()
    else:
        session.connection().execute(_ANSWER, {"record_id": record_id, "body": result.model_dump_json()})
    return result


def create_once(session: Session, *, scope: str, key: str | None, payload: dict, model: type[T],
                action: Callable[[], T]) -> T:
    """Create a row once per (scope, key): a repeat with the same payload gets the row the first one made."""
    if key is None:
        return action()
    made: list[T] = []

    def create() -> Created:
        made.append(action())
        session.flush()  # the new row's id
        return Created(id=made[0].id)

    created = run_idempotent(session, scope=scope, key=key, payload=payload, result_type=Created, action=create)
    return made[0] if made else session.get(model, created.id)


def answer_claim(session: Session, *, scope: str, key: str, result: BaseModel) -> None:
    """Store the answer of a request whose claim was left unanswered on purpose (a redemption that waited for the
    villager's confirmation): a repeat of that request now gets this result."""
    record = find_record(session, scope, key.strip())
    if record is not None and not record.response_body:
        record.response_body = result.model_dump_json()
        session.add(record)
        session.flush()
