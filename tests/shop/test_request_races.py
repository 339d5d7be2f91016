"""扫码兑换 at once, on SQLite and PostgreSQL: holds never pass the balance; one code gives one redemption."""

from sqlmodel import select

from app.db import session_for
from app.errors import InsufficientPoints, InvalidState
from app.ledger.accounts import household_account
from app.ledger.check import check_ledger
from app.org.access import load_actor
from app.org.models import User
from app.shop.catalogue.models import BasketLine, Goods
from app.shop.catalogue.service import create_goods
from app.shop.models import Shop
from app.shop.redemption.models import Redemption
from app.shop.requests.codes import code_from_salt
from app.shop.requests.models import ShopRequest
from app.shop.requests.service import create_request, fulfil
from tests.conftest import TEST_SECRET
from tests.ledger.test_races import THREADS, in_transaction, run_all

VILLAGER, ATTENDANT, OFFICIAL = "13800000004", "13800000002", "13800000001"


def setup(engine, *, price: int, stock: int) -> tuple[int, int, int, int]:
    with session_for(engine, write=True) as s:
        shop = s.exec(select(Shop)).first()
        official = load_actor(s, s.exec(select(User).where(User.phone == OFFICIAL)).one())
        goods = create_goods(s, actor=official, shop=shop, name="竞争商品", points_price=price, stock=stock)
        villager = s.exec(select(User).where(User.phone == VILLAGER)).one()
        attendant = s.exec(select(User).where(User.phone == ATTENDANT)).one()
        s.commit()
        return shop.id, goods.id, villager.id, attendant.id


def request_as(engine, user_id, shop_id, goods_id, key):
    def body(s):
        return create_request(s, actor=load_actor(s, s.get(User, user_id)), shop=s.get(Shop, shop_id),
                              items=[BasketLine(goods_id=goods_id, quantity=1)], idempotency_key=key,
                              secret=TEST_SECRET).id
    return in_transaction(engine, body)


def test_requests_at_once_never_hold_more_than_the_balance(demo_engine):
    shop_id, goods_id, villager_id, _ = setup(demo_engine, price=150, stock=1000)
    with session_for(demo_engine, write=False) as s:
        household_id = s.get(User, villager_id).household_id
        start = household_account(s, household_id=household_id).balance  # 600: four requests of 150
    k = start // 150
    results = run_all(THREADS, lambda i: request_as(demo_engine, villager_id, shop_id, goods_id, f"race-{i}"))
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == k, results
    assert all(isinstance(r, InsufficientPoints) for r in refused), refused
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=household_id).balance == start - 150 * k
        assert check_ledger(s) == []


def test_two_fulfils_of_one_code_make_one_redemption(demo_engine):
    shop_id, goods_id, villager_id, attendant_id = setup(demo_engine, price=5, stock=10)
    request_id = request_as(demo_engine, villager_id, shop_id, goods_id, "one")
    with session_for(demo_engine, write=False) as s:
        code = code_from_salt(s.get(ShopRequest, request_id).code_salt, secret=TEST_SECRET)

    def go(i):
        def body(s):
            return fulfil(s, actor=load_actor(s, s.get(User, attendant_id)), shop=s.get(Shop, shop_id), code=code,
                          idempotency_key=f"tap-{i}", secret=TEST_SECRET).id
        return in_transaction(demo_engine, body)

    results = run_all(4, go)
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 1, results
    assert all(isinstance(r, InvalidState) for r in results if isinstance(r, Exception)), results
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(Redemption).where(Redemption.shop_id == shop_id,
                                                   Redemption.total_points == 5)).all()) == 1
        assert s.get(Goods, goods_id).stock == 9
        assert check_ledger(s) == []


def test_cancel_and_fulfil_at_once_exactly_one_wins(demo_engine):
    from app.shop.requests.service import cancel_request

    shop_id, goods_id, villager_id, attendant_id = setup(demo_engine, price=5, stock=10)
    with session_for(demo_engine, write=False) as s:
        household_id = s.get(User, villager_id).household_id
        start = household_account(s, household_id=household_id).balance
    request_id = request_as(demo_engine, villager_id, shop_id, goods_id, "both")
    with session_for(demo_engine, write=False) as s:
        code = code_from_salt(s.get(ShopRequest, request_id).code_salt, secret=TEST_SECRET)

    def go(i):
        def cancel(s):
            return cancel_request(s, actor=load_actor(s, s.get(User, villager_id)), shop=s.get(Shop, shop_id),
                                  request_id=request_id).status

        def take(s):
            return fulfil(s, actor=load_actor(s, s.get(User, attendant_id)), shop=s.get(Shop, shop_id), code=code,
                          idempotency_key=None, secret=TEST_SECRET).id
        return in_transaction(demo_engine, cancel if i % 2 else take)

    results = run_all(6, go)
    fulfilled = [r for r in results if isinstance(r, int)]
    with session_for(demo_engine, write=False) as s:
        status = s.get(ShopRequest, request_id).status
        balance = household_account(s, household_id=household_id).balance
        assert check_ledger(s) == []
        stock_left = s.get(Goods, goods_id).stock
    if status == "fulfilled":
        assert len(fulfilled) == 1 and balance == start - 5 and stock_left == 9
    else:
        assert status == "cancelled" and not fulfilled and balance == start and stock_left == 10


def test_at_most_five_open_requests_whatever_runs_at_once(demo_engine):
    """12 requests of one household at once (issue #15): exactly five are held, the rest are refused with 409,
    and the household's balance and hold account agree with the five."""
    from app.ledger.accounts import hold_account
    from app.ledger.models import TxnKind
    from app.ledger.service import Source, post_credit
    from app.org.models import Household
    from app.shop.requests.service import MAX_OPEN_PER_HOUSEHOLD

    shop_id, goods_id, villager_id, _ = setup(demo_engine, price=10, stock=1000)
    with session_for(demo_engine, write=True) as s:
        household = s.get(Household, s.get(User, villager_id).household_id)
        official = load_actor(s, s.exec(select(User).where(User.phone == OFFICIAL)).one())
        # Enough for all twelve (only the limit of five may refuse), written as history: past the award limits.
        post_credit(s, household=household, points=1000, reason="并发测试备用积分", category="other",
                    source=Source(TxnKind.award), actor_id=official.id)
        s.commit()
        household_id = household.id
        start = household_account(s, household_id=household_id).balance
    assert start >= 12 * 10

    results = run_all(12, lambda i: request_as(demo_engine, villager_id, shop_id, goods_id, f"five-{i}"))
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == MAX_OPEN_PER_HOUSEHOLD == 5, results
    assert len(refused) == 7 and all(isinstance(r, InvalidState) and r.status_code == 409 for r in refused), refused
    assert all("待核销" in r.message for r in refused), refused
    with session_for(demo_engine, write=False) as s:
        pending = s.exec(select(ShopRequest).where(ShopRequest.household_id == household_id,
                                                   ShopRequest.status == "pending")).all()
        assert sorted(r.id for r in pending) == sorted(ok)
        assert household_account(s, household_id=household_id).balance == start - 5 * 10
        assert hold_account(s, household=s.get(Household, household_id)).balance == sum(r.total_points
                                                                                        for r in pending)
        assert check_ledger(s) == []
