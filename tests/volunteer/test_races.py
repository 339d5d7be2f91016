"""Service orders at the same moment, on SQLite and PostgreSQL: one grab of an open order wins, a confirmation
credits once, the monthly cap holds."""

from sqlalchemy import func
from sqlmodel import select

from app.db import session_for
from app.errors import Forbidden, InvalidState
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction, TxnKind
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User
from app.volunteer import catalogue, service
from app.volunteer.models import ServiceOrder
from tests.conftest import DEMO_HASH
from tests.ledger.test_races import in_transaction, run_all
from tests.volunteer.conftest import age_order, balance_of, demo_order

GRABBERS = 8


def actor_for(session, phone):
    return load_actor(session, session.exec(select(User).where(User.phone == phone)).one())


def make_volunteers(engine, n):
    phones = []
    with session_for(engine, write=True) as s:
        village = s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one()
        household = s.exec(select(Household).where(Household.head_name == "赵德明")).one()
        for i in range(n):
            user = User(name=f"志愿者{i}", phone=f"1390000{i:04d}", password_hash=DEMO_HASH, household_id=household.id)
            s.add(user)
            s.flush()
            s.add(RoleAssignment(user_id=user.id, role=Role.volunteer, org_id=village.id))
            phones.append(user.phone)
        s.commit()
    return phones


def test_volunteers_grabbing_one_open_order_one_wins(demo_engine):
    order_id = demo_order(demo_engine, "读报聊天")  # open, in the pool
    phones = make_volunteers(demo_engine, GRABBERS)

    def work(i):
        def body(session):
            order = session.get(ServiceOrder, order_id)
            return service.accept(session, actor=actor_for(session, phones[i]), order=order).id
        return in_transaction(demo_engine, body)

    results = run_all(GRABBERS, work)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, InvalidState) for r in results if isinstance(r, Exception)), results
    with session_for(demo_engine, write=False) as s:
        order = s.get(ServiceOrder, order_id)
        assert order.status == "accepted" and order.version == 1
        assert s.get(User, order.volunteer_id).phone in phones


def completed_order(engine, *, hours=1):
    """A new order of 王建国's, taken and completed by 李志愿."""
    with session_for(engine, write=True) as s:
        villager, volunteer = actor_for(s, "13800000004"), actor_for(s, "13800000003")
        menu = {x.name: x for x in catalogue.menu(s, village_id=s.get(Household, villager.user.household_id)
                                                 .village_id)}
        order = service.place_order(s, actor=villager, service_id=menu["读报聊天"].id, wish="", description="",
                                    address="", preferred_time="", household_id=None, for_name="",
                                    idempotency_key=None)
        service.accept(s, actor=volunteer, order=order)
        service.complete(s, actor=volunteer, order=order, hours=hours, note="")
        s.commit()
        return order.id


def service_credits(engine, order_id):
    with session_for(engine, write=False) as s:
        return s.exec(select(func.count(LedgerTransaction.id)).where(LedgerTransaction.kind == TxnKind.service,
                                                                    LedgerTransaction.source_id == order_id)).one()


def test_rating_and_confirming_at_once_credit_once(demo_engine):
    order_id = completed_order(demo_engine)
    age_order(demo_engine, order_id, completed_days=5)  # the station may confirm too
    before = balance_of(demo_engine, "李秀英")

    def work(i):
        def body(session):
            order = session.get(ServiceOrder, order_id)
            if i % 3 == 0:
                return service.confirm(session, actor=None, order=order).id
            if i % 3 == 1:
                return service.confirm(session, actor=actor_for(session, "13800000001"), order=order).id
            return service.rate(session, actor=actor_for(session, "13800000004"), order=order, stars=4,
                                comment="好").id
        return in_transaction(demo_engine, body)

    results = run_all(12, work)
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(isinstance(r, InvalidState | Forbidden) for r in results if isinstance(r, Exception)), results
    assert service_credits(demo_engine, order_id) == 1
    assert balance_of(demo_engine, "李秀英") == before + 10
    with session_for(demo_engine, write=False) as s:
        assert check_ledger(s) == []


def test_completing_twice_at_once_counts_once(demo_engine):
    order_id = demo_order(demo_engine, "陪同就医")  # accepted by 李志愿

    def work(_i):
        def body(session):
            return service.complete(session, actor=actor_for(session, "13800000003"),
                                    order=session.get(ServiceOrder, order_id), hours=2, note="").id
        return in_transaction(demo_engine, body)

    results = run_all(6, work)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, InvalidState) for r in results if isinstance(r, Exception)), results


def test_the_monthly_cap_holds_when_orders_are_confirmed_at_once(demo_engine):
    with session_for(demo_engine, write=True) as s:
        catalogue.update_settings(s, actor=actor_for(s, "13800000001"), village_id=s.exec(
            select(OrgUnit.id).where(OrgUnit.name == "示范村")).one(), values={"monthly_cap": 35})
        s.commit()
    orders = [completed_order(demo_engine) for _ in range(6)]  # 10 points each; 10 already earned this month
    before = balance_of(demo_engine, "李秀英")

    def work(i):
        def body(session):
            return service.rate(session, actor=actor_for(session, "13800000004"),
                                order=session.get(ServiceOrder, orders[i]), stars=5, comment="").points
        return in_transaction(demo_engine, body)

    results = run_all(len(orders), work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [0, 0, 0, 5, 10, 10]
    assert balance_of(demo_engine, "李秀英") == before + 25
    with session_for(demo_engine, write=False) as s:
        assert check_ledger(s) == []


def test_the_command_line_confirms_due_orders(demo_engine, monkeypatch, capsys):
    from app.__main__ import main

    order_id = demo_order(demo_engine, "教我用手机视频")
    age_order(demo_engine, order_id, completed_days=4)
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    from app.config import get_settings
    get_settings.cache_clear()
    try:
        assert main(["confirm-service-orders"]) == 0
    finally:
        get_settings.cache_clear()
    assert f"1 service order(s) confirmed: {order_id}" in capsys.readouterr().out
    with session_for(demo_engine, write=False) as s:
        assert s.get(ServiceOrder, order_id).status == "confirmed" and check_ledger(s) == []
