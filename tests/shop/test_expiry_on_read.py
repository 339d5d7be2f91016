"""Expiry behind the readers (issue #16, item 5): a request past its time reads as expired at once, on every page and
answer, without a route writing anything for it; the villager's balance shown then includes its points, given back
by the balance read in a short write of its own; the books stay right throughout."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.models import Account, AccountKind
from app.shop.requests.models import ShopRequest
from app.timeutil import utcnow
from tests.shop.conftest import balance


def _expire_all(engine) -> None:
    with session_for(engine, write=True) as s:
        s.execute(update(ShopRequest).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()


def _stored(engine, request_id: int) -> str:
    with session_for(engine, write=False) as s:
        return s.get(ShopRequest, request_id).status


def _held(engine) -> int:
    with session_for(engine, write=False) as s:
        return sum(a.balance for a in s.exec(select(Account).where(Account.kind == AccountKind.hold)))


def test_a_request_past_its_time_reads_expired_without_a_write(api, shop_id, goods, demo_engine):
    made = api.post(f"/shops/{shop_id}/requests", "villager", json={"items": [{"goods_id": goods["rice"]["id"],
                                                                                "quantity": 1}]}, key="x1").json()
    _expire_all(demo_engine)
    one = api.get(f"/shops/{shop_id}/requests/{made['id']}", "villager").json()
    assert one["status"] == "expired" and one["code"] is None and one["closed_at"] is not None
    listed = api.get("/me/requests?status=expired", "villager").json()["items"]
    assert [r["id"] for r in listed] == [made["id"]]
    assert api.get("/me/requests?status=pending", "villager").json()["items"] == []
    assert [r["status"] for r in api.get(f"/shops/{shop_id}/requests", "attendant").json()["items"]
            if r["id"] == made["id"]] == ["expired"]
    assert _stored(demo_engine, made["id"]) == "pending" and _held(demo_engine) == 30  # read, nothing written
    page = api.client.get("/my/requests", headers=api.headers("villager"))
    assert page.status_code == 200 and "已过期" in page.text


def test_the_balance_shown_includes_points_due_back(api, shop_id, goods, demo_engine):
    start = balance(api)
    made = api.post(f"/shops/{shop_id}/requests", "villager", json={"items": [{"goods_id": goods["rice"]["id"],
                                                                                "quantity": 1}]}, key="x2").json()
    assert balance(api) == start - 30
    _expire_all(demo_engine)
    assert balance(api) == start  # the balance read gave them back, in a write of its own
    assert _stored(demo_engine, made["id"]) == "expired" and _held(demo_engine) == 0
    with session_for(demo_engine, write=False) as s:
        assert check_ledger(s) == []
