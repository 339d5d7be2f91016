"""Redemptions at once, on SQLite and PostgreSQL: exactly the affordable ones go through (I3, I4, I7, I9)."""

from sqlmodel import select

from app.db import session_for
from app.errors import InsufficientPoints, OutOfStock, PayCodeUsed
from app.ledger.accounts import household_account
from app.ledger.check import check_ledger
from app.org.access import load_actor
from app.org.models import Household, Role, RoleAssignment, User
from app.shop.access import counter_shop
from app.shop.catalogue.models import BasketLine, Goods
from app.shop.catalogue.service import create_goods
from app.shop.models import Shop, ShopStaff
from app.shop.redemption.paycodes import issue_pay_code
from app.shop.redemption.service import redeem
from tests.conftest import TEST_SECRET
from tests.ledger.test_races import THREADS, in_transaction, run_all


def setup(engine, *, price: int, stock: int, attendants: int = 1):
    """A goods row in the demo shop, and attendants (the demo one plus more on the shop's staff)."""
    with session_for(engine, write=True) as s:
        shop = s.exec(select(Shop)).first()
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        goods = create_goods(s, actor=official, shop=shop, name="竞争商品", points_price=price, stock=stock)
        staff = [s.exec(select(User).where(User.phone == "13800000002")).one().id]
        for i in range(attendants - 1):
            extra = User(name=f"店员{i}", phone=f"1370000{i:04d}")
            s.add(extra)
            s.flush()
            s.add(RoleAssignment(user_id=extra.id, role=Role.attendant, org_id=shop.village_id))
            s.add(ShopStaff(shop_id=shop.id, user_id=extra.id))
            staff.append(extra.id)
        household = s.exec(select(Household).where(Household.head_name == "赵德明")).one()
        s.commit()
        return shop.id, goods.id, household.id, staff


def codes(engine, household_id: int, n: int) -> list[str]:
    with session_for(engine, write=True) as s:
        household = s.get(Household, household_id)
        made = [issue_pay_code(s, user_id=None, household=household, secret=TEST_SECRET)[0] for _ in range(n)]
        s.commit()
        return made


def redeem_as(engine, attendant_id, shop_id, goods_id, code, quantity=1):
    def body(s):
        attendant = load_actor(s, s.get(User, attendant_id))
        return redeem(s, counter=counter_shop(s, attendant, shop_id), attendant=attendant, pay_code=code,
                      items=[BasketLine(goods_id=goods_id, quantity=quantity)],
                      idempotency_key=None, secret=TEST_SECRET)
    return in_transaction(engine, body)


def test_parallel_redemptions_against_a_balance_for_k(demo_engine):
    shop_id, goods_id, household_id, staff = setup(demo_engine, price=7, stock=1000)
    with session_for(demo_engine, write=False) as s:
        start = household_account(s, household_id=household_id).balance  # 80 points: 11 of 7
    k = start // 7
    assert 0 < k < THREADS
    fresh = codes(demo_engine, household_id, THREADS)
    results = run_all(THREADS, lambda i: redeem_as(demo_engine, staff[0], shop_id, goods_id, fresh[i]))
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == k
    assert all(isinstance(r, InsufficientPoints) for r in refused), refused
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=household_id).balance == start - 7 * k
        assert s.get(Goods, goods_id).stock == 1000 - k
        assert check_ledger(s) == []


def test_two_attendants_race_for_the_last_item(demo_engine):
    shop_id, goods_id, household_id, staff = setup(demo_engine, price=1, stock=1, attendants=2)
    first, second = codes(demo_engine, household_id, 2)
    results = run_all(2, lambda i: redeem_as(demo_engine, staff[i], shop_id, goods_id, (first, second)[i]))
    assert len([r for r in results if not isinstance(r, Exception)]) == 1
    assert [type(r) for r in results if isinstance(r, Exception)] == [OutOfStock]
    with session_for(demo_engine, write=False) as s:
        assert s.get(Goods, goods_id).stock == 0
        assert check_ledger(s) == []


def test_one_code_at_many_counters_pays_once(demo_engine):
    shop_id, goods_id, household_id, staff = setup(demo_engine, price=1, stock=100, attendants=8)
    (code,) = codes(demo_engine, household_id, 1)
    with session_for(demo_engine, write=False) as s:
        start = household_account(s, household_id=household_id).balance
    results = run_all(8, lambda i: redeem_as(demo_engine, staff[i], shop_id, goods_id, code))
    assert len([r for r in results if not isinstance(r, Exception)]) == 1
    assert all(isinstance(r, PayCodeUsed) for r in results if isinstance(r, Exception))
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=household_id).balance == start - 1
        assert s.get(Goods, goods_id).stock == 99
        assert check_ledger(s) == []
