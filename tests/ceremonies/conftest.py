"""Helpers for the 婚丧事报备 tests: a filing of 王建国's household through the API, his balance, the credits."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.ceremonies.service import today
from app.db import session_for
from app.ledger.accounts import household_account
from app.ledger.models import LedgerTransaction, TxnKind
from app.org.models import Household

WITHIN = {"kind": "wedding", "place": "村文化礼堂", "tables": 8, "guests": 80, "cost": 15_000, "gift_limit": 100,
          "note": "婚事新办"}


def day(offset: int = 0) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def wang(engine) -> Household:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household).where(Household.head_name == "王建国")).one()


def balance(engine, household_id: int) -> int:
    with session_for(engine, write=False) as s:
        return household_account(s, household_id=household_id).balance


def credits(engine, filing_id: int) -> int:
    with session_for(engine, write=False) as s:
        return len(s.exec(select(LedgerTransaction.id).where(LedgerTransaction.kind == TxnKind.ceremony,
                                                               LedgerTransaction.source_id == filing_id)).all())


def file(api, who: str = "villager", **changes) -> dict:
    r = api.post("/ceremonies", who, json={**WITHIN, "event_date": day(), **changes})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def filing_id(api) -> int:
    """王建国's wedding today, within the standards, acknowledged by the official."""
    made = file(api)
    assert api.post(f"/ceremonies/{made['id']}/acknowledge", "official", json={"advice": "不放鞭炮"}).status_code == 200
    return made["id"]
