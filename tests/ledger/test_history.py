"""The history as a villager reads it (app.ledger.history): a reversal right above what it undid folds into one story;
further away it stays its own line, so that every balance still follows from the line below it."""

from datetime import UTC, datetime

from app.ledger.history import as_stories
from app.ledger.models import LedgerLine
from app.shop.catalogue.basket import goods_words

WHEN = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)


def line(txn: int, amount: int, balance: int, *, reverses: int | None = None, kind: str = "award") -> LedgerLine:
    return LedgerLine(id=txn, transaction_id=txn, amount=amount, balance_after=balance, kind=kind, category=None,
                      reason="", ref="", actor=None, reverses_id=reverses, reversed_by_id=None, created_at=WHEN)


def test_a_reversal_right_above_what_it_undid_is_one_story_with_the_balance_it_left():
    newest_first = [line(3, 67, 600, reverses=2, kind="reversal"), line(2, -67, 533, kind="redemption"),
                    line(1, 600, 600)]
    stories = as_stories(newest_first)
    assert [(s.line.transaction_id, s.undone and s.undone.transaction_id) for s in stories] == [(2, 3), (1, None)]
    assert stories[0].balance_after == 600 and stories[1].balance_after == 600


def test_a_reversal_further_away_stays_a_line_of_its_own():
    newest_first = [line(4, 67, 590, reverses=2, kind="reversal"), line(3, -10, 523, kind="redemption"),
                    line(2, -67, 533, kind="redemption"), line(1, 600, 600)]
    assert [(s.line.transaction_id, s.undone) for s in as_stories(newest_first)] == [(4, None), (3, None), (2, None),
                                                                                    (1, None)]


def test_a_page_ending_between_the_two_halves_folds_nothing():
    assert [s.line.transaction_id for s in as_stories([line(3, 67, 600, reverses=2, kind="reversal")])] == [3]
    assert as_stories([]) == []


def test_goods_are_named_up_to_five_then_counted():
    assert goods_words([("大米 5kg", 1), ("鸡蛋 30枚", 2)]) == "大米 5kg ×1、鸡蛋 30枚 ×2"
    many = [(f"商品{i}", 1) for i in range(7)]
    assert goods_words(many) == "商品0 ×1、商品1 ×1、商品2 ×1、商品3 ×1、商品4 ×1 等 7 种"
