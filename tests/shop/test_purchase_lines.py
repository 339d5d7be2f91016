"""One line per purchase (issue #18): a 扫码兑换's hold and its returns are one line of the household's history —
兑换中 while held, then 已兑换 (with what was handed over and the final points) or 已取消 / 已过期 / 被拒绝 (net 0);
the ledger keeps every entry behind it; pages of N lines never split one. On SQLite and PostgreSQL (it reads the
ledger)."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from app.db import session_for
from app.ledger.history import LedgerLine, Purchase, as_stories, household_history
from app.ledger.models import LedgerEntry
from app.org.models import Household, User
from app.shop.requests.models import ShopRequest
from app.timeutil import utcnow
from tests.shop.conftest import balance
from tests.shop.test_requests_api import fulfil, make


def history(engine, *, limit=20, cursor=None, moved_only=False):
    with session_for(engine, write=False) as s:
        household = s.get(Household, s.exec(select(User).where(User.phone == "13800000004")).one().household_id)
        return household_history(s, household=household, limit=limit, cursor=cursor, moved_only=moved_only)


def purchases(engine, **kw) -> list[Purchase]:
    return [p for p in history(engine, **kw).items if isinstance(p, Purchase)]


def all_lines(engine, limit):
    """Every line, page by page, and the pages' sizes."""
    lines, sizes, cursor = [], [], None
    while True:
        page = history(engine, limit=limit, cursor=cursor)
        lines += page.items
        sizes.append(len(page.items))
        if page.next_cursor is None:
            return lines, sizes
        cursor = page.next_cursor


def entry_ids(line) -> list[int]:
    return [e.id for e in line.entries] if isinstance(line, Purchase) else [line.id]


class TestOneLinePerPurchase:
    def test_open_hold_reads_as_held(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        make(api, shop_id, [(goods["rice"]["id"], 1)])
        [p] = purchases(demo_engine)
        assert (p.state, p.story.label, p.amount, p.balance_after) == ("open", "兑换中", -30, start - 30)
        assert p.story.what == "振风超市 · 测试大米 ×1" and len(p.entries) == 1

    def test_fulfilled_is_one_line_with_the_goods(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        code = make(api, shop_id, [(goods["soap"]["id"], 2), (goods["rice"]["id"], 1)]).json()["code"]
        assert fulfil(api, shop_id, code).status_code == 201
        [p] = purchases(demo_engine)
        assert (p.state, p.story.label, p.amount, p.balance_after) == ("done", "已兑换", -40, start - 40)
        assert p.story.what == "振风超市 · 测试肥皂 ×2、测试大米 ×1" and p.story.closed_at is not None

    def test_cancelled_expired_refused_are_one_line_each_net_zero(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        rice = goods["rice"]["id"]
        cancelled = make(api, shop_id, [(rice, 1)], key="c").json()
        api.post(f"/shops/{shop_id}/requests/{cancelled['id']}/cancel", "villager")
        refused = make(api, shop_id, [(rice, 1)], key="r").json()
        api.post(f"/shops/{shop_id}/requests/{refused['id']}/refuse", "attendant", json={"reason": "今天停电"})
        expired = make(api, shop_id, [(rice, 1)], key="e").json()
        with session_for(demo_engine, write=True) as s:
            s.execute(update(ShopRequest).where(ShopRequest.id == expired["id"])
                      .values(expires_at=utcnow() - timedelta(seconds=1)))
            s.commit()
        assert balance(api) == start  # reading the balance gives the expired one's points back
        lines = purchases(demo_engine)
        assert [(p.story.label, p.state, p.amount, len(p.entries)) for p in lines] == [
            ("已过期", "returned", 0, 2), ("被拒绝", "returned", 0, 2), ("已取消", "returned", 0, 2)]
        assert lines[1].story.note == "店员说明：今天停电"
        assert all(p.balance_after == start for p in lines)  # each came back before the next was made
        assert purchases(demo_engine, moved_only=True) == []  # 首页 leaves out what moved nothing

    def test_an_item_dropped_at_the_counter_is_one_line_with_the_final_amount(self, api, shop_id, goods, demo_engine):
        start = balance(api)
        soap, rice = goods["soap"]["id"], goods["rice"]["id"]
        body = make(api, shop_id, [(soap, 1), (rice, 1)]).json()
        url = f"/shops/{shop_id}/requests/{body['id']}"
        api.post(f"{url}/drop", "attendant", json={"goods_id": rice})
        [p] = purchases(demo_engine)
        assert (p.state, p.amount, p.story.note) == ("open", -5, "缺货未兑换：测试大米 ×1")
        api.post(f"{url}/consent", "villager", json={"total_points": 5})
        assert fulfil(api, shop_id, body["code"]).status_code == 201
        [p] = purchases(demo_engine)
        assert (p.state, p.story.label, p.amount, p.balance_after) == ("done", "已兑换", -5, start - 5)
        assert p.story.what == "振风超市 · 测试肥皂 ×1" and [e.amount for e in p.entries] == [30, -35]
        assert [e.kind for e in p.entries] == ["hold_release", "hold"]

    def test_interleaved_baskets_stay_apart_and_every_entry_is_kept(self, api, shop_id, goods, demo_engine):
        """Two purchases and four cancels (the issue's case), two baskets open at once: six lines, the ledger's
        every entry under exactly one of them, each line's balance the one after its latest entry."""
        rice, soap = goods["rice"]["id"], goods["soap"]["id"]
        start = balance(api)
        a = make(api, shop_id, [(rice, 1)], key="a").json()
        b = make(api, shop_id, [(soap, 1)], key="b").json()
        api.post(f"/shops/{shop_id}/requests/{a['id']}/cancel", "villager")
        assert fulfil(api, shop_id, b["code"], key="fb").status_code == 201
        for i in range(3):
            c = make(api, shop_id, [(soap, 1)], key=f"c{i}").json()
            api.post(f"/shops/{shop_id}/requests/{c['id']}/cancel", "villager")
        d = make(api, shop_id, [(soap, 2)], key="d").json()
        assert fulfil(api, shop_id, d["code"], key="fd").status_code == 201
        lines = purchases(demo_engine)
        assert [(p.story.label, p.amount) for p in lines] == [
            ("已兑换", -10), ("已取消", 0), ("已取消", 0), ("已取消", 0), ("已取消", 0), ("已兑换", -5)]
        # a line sits where it last moved: a's return came after b's hold, so a is above b, and each balance is
        # the one right after its latest entry (b still held when a came back)
        assert [p.balance_after for p in lines[-2:]] == [start - 5, start - 35]
        assert lines[0].balance_after == balance(api) == start - 15
        with session_for(demo_engine, write=False) as s:
            hold_entries = s.exec(select(LedgerEntry.id).where(LedgerEntry.amount != 0)).all()
        shown = [i for p in lines for i in entry_ids(p)]
        assert len(shown) == len(set(shown)) == 10 and set(shown) <= set(hold_entries)
        assert [p.story.label for p in purchases(demo_engine, moved_only=True)] == ["已兑换", "已兑换"]


    def test_a_purchase_reversed_by_an_official_says_so(self, api, shop_id, goods, demo_engine):
        code = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()["code"]
        receipt = fulfil(api, shop_id, code).json()
        assert api.post(f"/redemptions/{receipt['id']}/reversal", "official", json={"reason": "拿错了"},
                        key="rv").status_code == 200
        items = history(demo_engine).items
        assert items[0].kind == "reversal" and items[0].amount == 30  # the return stands as its own line
        assert isinstance(items[1], Purchase) and items[1].story.note == "已撤销，积分已退回：拿错了"


class TestPaging:
    def test_pages_of_n_lines_never_split_a_purchase(self, api, shop_id, goods, demo_engine):
        """Baskets with several entries each (a hold, a drop, a return) paged 1, 2 and 3 lines at a time: every line
        once, in the same order as one long page, every page full but the last."""
        soap, rice = goods["soap"]["id"], goods["rice"]["id"]
        for i in range(3):
            body = make(api, shop_id, [(soap, 1), (rice, 1)], key=f"p{i}").json()
            url = f"/shops/{shop_id}/requests/{body['id']}"
            api.post(f"{url}/drop", "attendant", json={"goods_id": rice})
            api.post(f"{url}/cancel", "villager")
        whole = history(demo_engine, limit=100).items
        assert len(whole) > 3 and all(len(p.entries) == 3 for p in whole[:3])
        for size in (1, 2, 3):
            lines, sizes = all_lines(demo_engine, size)
            assert [entry_ids(x) for x in lines] == [entry_ids(x) for x in whole]
            assert all(n == size for n in sizes[:-1]) and 1 <= sizes[-1] <= size

    def test_stories_keep_purchases_whole(self, api, shop_id, goods, demo_engine):
        body = make(api, shop_id, [(goods["rice"]["id"], 1)]).json()
        api.post(f"/shops/{shop_id}/requests/{body['id']}/cancel", "villager")
        items = history(demo_engine, limit=3).items
        stories = as_stories(items)
        assert stories[0].purchase is items[0] and stories[0].balance_after == items[0].balance_after
        assert all(isinstance(s.line, LedgerLine) for s in stories)
