"""Nothing grows forever (issue #19, item 4): `python -m app purge` removes what has outlived its use.

- Idempotency keys older than `keep_days` (30 by default: an API client's retry comes within minutes, a phone's
  queued send within hours), and a page form's replay keys (app/form_replay.py) after a day.
- Pay codes long dead that nothing names (a used code stays: its redemption points at it, I7; so does a code a
  villager was asked to confirm with), and revocations of signed-out tokens that have expired anyway.

Each kind goes in batches of `batch` rows, each batch a short transaction of its own, so the server keeps answering
while it runs (on SQLite a batch holds the writer for milliseconds). It never touches the ledger, the audit log, or
anything a person reads back: receipts, requests, confirmations, disclosures."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.service import purge_expired_revocations
from app.db import session_for
from app.idempotency import purge_keys
from app.shop.redemption.paycodes import purge_dead_codes
from app.timeutil import utcnow

KEEP_DAYS = 30
FORM_KEYS_KEPT = timedelta(days=1)
BATCH = 1000


@dataclass(frozen=True)
class Purged:
    idempotency_keys: int
    pay_codes: int
    revoked_tokens: int

    def __str__(self) -> str:
        return (f"purged {self.idempotency_keys} idempotency key(s), {self.pay_codes} dead pay code(s), "
                f"{self.revoked_tokens} expired sign-out(s)")


def purge(engine: Engine, *, keep_days: int = KEEP_DAYS, batch: int = BATCH, now: datetime | None = None) -> Purged:
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1: a key younger than a day may still be replayed")
    now = now or utcnow()
    keys_before = now - timedelta(days=keep_days)
    forms_before = now - FORM_KEYS_KEPT  # never before keys_before: keep_days is a day at least
    return Purged(
        idempotency_keys=_in_batches(engine, lambda s: purge_keys(s, before=keys_before, forms_before=forms_before,
                                                                 limit=batch), batch),
        pay_codes=_in_batches(engine, lambda s: purge_dead_codes(s, now=now, limit=batch), batch),
        revoked_tokens=_in_batches(engine, lambda s: purge_expired_revocations(s, now=now, limit=batch), batch))


def _in_batches(engine: Engine, one_batch: Callable[[Session], int], batch: int) -> int:
    total = 0
    while True:
        with session_for(engine, write=True) as session:
            count = one_batch(session)
            session.commit()
        total += count
        if count < batch:
            return total
