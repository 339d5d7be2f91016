"""A household's points history in words (issue #7): a redemption says what was bought, the two halves of a reversal
point at each other, 兑换记录 says who reversed and why — and a page of history costs the same few queries however
many lines it holds."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.ledger.test_integrity import join_household
from tests.shop.conftest import pay_code, redeem

FIELDS = {"id", "amount", "balance_after", "kind", "reason", "ref", "created_at"}  # api-v1.md: they stay


def bought(api, shop_id, lines) -> dict:
    r = redeem(api, shop_id, pay_code(api), lines)
    assert r.status_code == 201, r.text
    return r.json()


def ledger(api, who="villager") -> list[dict]:
    hid = api.get("/me", who).json()["household_id"]
    r = api.get(f"/households/{hid}/ledger", who)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def reverse(api, redemption_id, reason) -> None:
    r = api.post(f"/redemptions/{redemption_id}/reversal", "official", json={"reason": reason})
    assert r.status_code == 200, r.text


@contextmanager
def counted(engine):
    """How many SQL statements the block sends."""
    seen = []
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


class TestLedgerLines:
    def test_a_redemption_says_what_was_bought(self, api, shop_id, goods):
        bought(api, shop_id, [(goods["rice"]["id"], 1), (goods["soap"]["id"], 2)])
        line = ledger(api)[0]
        assert set(line) >= FIELDS and line["kind"] == "redemption" and line["amount"] == -40
        assert line["reason"] == "振风超市兑换"  # the stored reason is unchanged ...
        assert line["description"] == "振风超市兑换 · 测试肥皂 ×2、测试大米 ×1"  # ... the words say what was bought

    def test_a_reversal_and_what_it_undid_point_at_each_other(self, api, shop_id, goods):
        receipt = bought(api, shop_id, [(goods["soap"]["id"], 3)])
        reverse(api, receipt["id"], "村民拿错了")
        undo, original = ledger(api)[:2]
        assert undo["kind"] == "reversal" and undo["amount"] == 15 and undo["reverses_id"] == original["transaction_id"]
        assert undo["reason"] == "兑换撤销：村民拿错了" and undo["description"] == "兑换撤销：村民拿错了"
        assert undo["original"]["kind"] == "redemption"
        assert undo["original"]["description"] == "振风超市兑换 · 测试肥皂 ×3"
        assert original["reversed_by_id"] == undo["transaction_id"]
        assert original["reversal"]["reason"] == "村民拿错了" and original["reversal"]["actor"] == "张书记"
        assert original["original"] is None and undo["reversal"] is None

    def test_a_reversed_award_carries_the_reason(self, api):
        hid = api.get("/me", "villager").json()["household_id"]
        award = api.post("/points/awards", "official", json={"household_id": hid, "points": 50,
                                                             "reason": "帮邻居抢收玉米", "category": "public_good"})
        assert award.status_code == 201, award.text
        r = api.post(f"/points/awards/{award.json()['id']}/reversal", "official", json={"reason": "重复发放"})
        assert r.status_code == 201, r.text
        undo, original = ledger(api)[:2]
        assert original["description"] == "帮邻居抢收玉米" and original["reversal"]["reason"] == "重复发放"
        assert undo["description"] == "奖励撤销：重复发放" and undo["original"]["description"] == "帮邻居抢收玉米"

    def test_a_page_costs_the_same_queries_however_many_lines(self, api, shop_id, goods, demo_engine):
        reverse(api, bought(api, shop_id, [(goods["soap"]["id"], 1)])["id"], "拿错了")  # one of each kind of line
        api.get("/me", "villager")  # the token's look-ups warm, as they are for the second count
        with counted(demo_engine) as few:
            assert len(ledger(api)) == 5  # the demo household's three awards, this redemption and its reversal
        for n in range(6):
            receipt = bought(api, shop_id, [(goods["soap"]["id"], 1), (goods["rice"]["id"], 1)] if n < 2
                             else [(goods["soap"]["id"], 1)])
            if n % 2:
                reverse(api, receipt["id"], f"第 {n} 笔拿错了")
        with counted(demo_engine) as many:
            lines = ledger(api)
        assert len(lines) == 14 and sum(1 for line in lines if line["reversal"]) == 4
        assert len(many) == len(few), (len(few), len(many))


class TestRedemptionList:
    def test_a_reversed_redemption_says_who_reversed_it_and_why(self, api, shop_id, goods):
        receipt = bought(api, shop_id, [(goods["soap"]["id"], 1)])
        reverse(api, receipt["id"], "商品受潮退回")
        found = api.get(f"/shops/{shop_id}/redemptions", "official").json()["items"][0]
        assert found["reversed"] is True and found["reversal"]["actor"] == "张书记"
        assert found["reversal"]["reason"] == "商品受潮退回" and found["reversal"]["created_at"]
        assert api.get(f"/redemptions/{receipt['id']}", "villager").json()["reversal"]["reason"] == "商品受潮退回"

    def test_a_page_costs_the_same_queries_however_many_receipts(self, api, shop_id, goods, demo_engine):
        bought(api, shop_id, [(goods["soap"]["id"], 1)])
        api.get(f"/shops/{shop_id}/redemptions", "official")
        with counted(demo_engine) as few:
            api.get(f"/shops/{shop_id}/redemptions", "official")
        for n in range(5):
            receipt = bought(api, shop_id, [(goods["soap"]["id"], 1)])
            if n % 2:
                reverse(api, receipt["id"], "拿错了")
        with counted(demo_engine) as many:
            items = api.get(f"/shops/{shop_id}/redemptions", "official").json()["items"]
        assert len(items) == 6 and len(many) == len(few), (len(few), len(many))


def test_an_official_does_not_reverse_their_own_households_redemption(api, shop_id, goods, demo_engine):
    """Undoing a redemption pays the points back: 回避 holds as for any credit (issue #15), on both engines."""
    receipt = bought(api, shop_id, [(goods["soap"]["id"], 1)])
    join_household(demo_engine, "13800000001", api.get("/me", "villager").json()["household_id"])
    r = api.post(f"/redemptions/{receipt['id']}/reversal", "official", json={"reason": "自家的"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "conflict_of_interest"
    assert r.json()["error"]["message"] == "不能撤销自己家的兑换，请另一位村干部办理"
    assert api.get(f"/redemptions/{receipt['id']}", "villager").json()["reversal"] is None


@pytest.mark.sqlite_only  # the statements a redemption sends: the same on PostgreSQL but for its advisory lock
def test_a_redemption_sends_its_few_statements(api, shop_id, goods, demo_engine):
    """docs/performance.md (issue #19 item 7): the sign-in check in one read, the shop with its staff and the
    village's amount in one, the code with its household and member in one, the accounts in one — 17 for the
    redemption itself, BEGINs counted; then one for the ledger's monthly summary (app/ledger/monthly.py) and four at
    commit for the hash chain (app/ledger/chain.py: the entries, the book's head locked, the links, the head moved):
    22. A change that reads something again per redemption shows here."""
    bought(api, shop_id, [(goods["soap"]["id"], 1)])  # the token's and the shop's first look-ups behind us
    code = pay_code(api)
    with counted(demo_engine) as sent:
        r = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="count-statements")
    assert r.status_code == 201, r.text
    assert len(sent) <= 22, len(sent)
