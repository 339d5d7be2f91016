"""Nothing grows forever (issue #19, item 4): `python -m app purge` removes idempotency keys past their use, dead pay
codes nothing names and expired sign-outs, in batches, and changes no balance, receipt, ledger entry nor audit line.
On SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from app.auth.models import RevokedToken
from app.db import session_for
from app.idempotency import IdempotencyRecord
from app.ledger.check import check_ledger
from app.purge import purge
from app.shop.redemption.models import PayCode, Redemption
from app.timeutil import utcnow
from tests.test_backup import busy, every_row, run

PURGED = {"idempotency_keys", "pay_codes", "revoked_tokens"}  # every other table stays row for row


def count(engine, model, *where) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()[0]


@pytest.fixture
def sale(api) -> tuple[int, dict, int]:
    """A busy demo (an award, 扫码 baskets), then a sale by pay code: its shop, what was sent and the redemption."""
    busy(api)
    shop = api.get("/shops", "villager").json()["items"][0]["id"]
    goods = api.get(f"/shops/{shop}/goods", "villager").json()["items"][0]["id"]
    code = api.get("/me/pay-code", "villager").json()["code"]
    body = {"pay_code": code, "items": [{"goods_id": goods, "quantity": 1}]}
    made = api.post(f"/shops/{shop}/redemptions", "attendant", key="purge-sale", json=body)
    assert made.status_code == 201, made.text
    return shop, body, made.json()["id"]


@pytest.fixture
def aged(demo_engine, sale):
    """Then some of it made old: two API keys 40 days old, a form's replay key two days old (and one of two hours),
    three pay codes dead for two days that nothing names, the used code aged the same, one sign-out expired and one
    still running."""
    now = utcnow()
    with session_for(demo_engine, write=True) as s:
        assert isinstance(s, Session)
        old_keys = list(s.exec(select(IdempotencyRecord.id).where(IdempotencyRecord.key.in_(
            ["backup-1", "backup-2"]))).scalars())
        assert len(old_keys) == 2
        s.execute(update(IdempotencyRecord).where(IdempotencyRecord.id.in_(old_keys))
                  .values(created_at=now - timedelta(days=40)))
        s.add(IdempotencyRecord(scope="form:abc", key="k1", request_hash="h", created_at=now - timedelta(days=2)))
        s.add(IdempotencyRecord(scope="form:abc", key="k2", request_hash="h", created_at=now - timedelta(hours=2)))
        household = s.exec(select(PayCode.household_id)).scalars().first()
        for n in range(3):
            s.add(PayCode(code_hash=f"dead-{n}", household_id=household, village_id=1,
                          expires_at=now - timedelta(days=2)))
        s.execute(update(PayCode).where(PayCode.id.in_(select(Redemption.pay_code_id)))
                  .values(expires_at=now - timedelta(days=2)))
        user = s.exec(select(PayCode.user_id).where(PayCode.user_id.is_not(None))).scalars().first()
        s.add(RevokedToken(jti="gone", user_id=user, expires_at=now - timedelta(minutes=1)))
        s.add(RevokedToken(jti="live", user_id=user, expires_at=now + timedelta(hours=1)))
        s.commit()
    return demo_engine


def test_purge_removes_what_is_past_its_use_and_moves_nothing(aged, sale, api, monkeypatch, capsys):
    before = every_row(aged)
    keys_before = count(aged, IdempotencyRecord)
    assert run(aged, monkeypatch, "purge") == 0
    assert "purged 3 idempotency key(s), 3 dead pay code(s), 1 expired sign-out(s)" in capsys.readouterr().out
    after = every_row(aged)
    assert all(before[t] for t in ("ledger_entries", "redemptions", "shop_requests", "audit_log"))
    assert {t: rows for t, rows in after.items() if t not in PURGED} == {
        t: rows for t, rows in before.items() if t not in PURGED}
    with session_for(aged, write=False) as s:
        assert check_ledger(s) == []
    assert count(aged, IdempotencyRecord) == keys_before - 3
    assert count(aged, IdempotencyRecord, IdempotencyRecord.key == "k2") == 1  # a form key of two hours stays
    assert count(aged, PayCode, PayCode.code_hash.startswith("dead-")) == 0
    assert count(aged, PayCode, PayCode.id.in_(select(Redemption.pay_code_id))) == 1  # the used code stays (I7)
    assert count(aged, RevokedToken, RevokedToken.jti == "live") == 1
    assert count(aged, RevokedToken, RevokedToken.jti == "gone") == 0
    # A key still kept answers its repeat as before: the sale is not made twice.
    shop, body, sale_id = sale
    again = api.post(f"/shops/{shop}/redemptions", "attendant", key="purge-sale", json=body)
    assert again.status_code == 201 and again.json()["id"] == sale_id
    assert count(aged, Redemption) == len(before["redemptions"])
    # Run again: nothing left to do.
    assert run(aged, monkeypatch, "purge") == 0
    assert "purged 0 idempotency key(s), 0 dead pay code(s), 0 expired sign-out(s)" in capsys.readouterr().out


def test_purge_goes_in_batches(aged):
    done = purge(aged, batch=1)
    assert (done.idempotency_keys, done.pay_codes, done.revoked_tokens) == (3, 3, 1)


@pytest.mark.sqlite_only  # the command's own check, before any database
def test_keep_days_below_one_is_refused(engine, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run(engine, monkeypatch, "purge", "--keep-days", "0")
    assert "--keep-days must be at least 1" in capsys.readouterr().err
