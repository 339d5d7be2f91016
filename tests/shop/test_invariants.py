"""The shop's share of shared/reliability.md: stock never below zero (I4) and history that cannot be edited (I5),
enforced by the database itself, on both databases."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.db import session_for
from tests.shop.conftest import pay_code, redeem


def test_database_refuses_negative_stock(api, shop_id, goods, demo_engine):  # I4, the last line of defence
    with session_for(demo_engine, write=True) as s, pytest.raises(IntegrityError):
        s.execute(text("UPDATE goods SET stock = -1 WHERE id = :id"), {"id": goods["soap"]["id"]})
        s.flush()


@pytest.mark.parametrize("statement", [
    "UPDATE stock_movements SET delta = delta + 1", "DELETE FROM stock_movements",
    "UPDATE redemptions SET total_points = 0", "DELETE FROM redemptions",
    "UPDATE redemption_items SET quantity = 0", "DELETE FROM redemption_items",
])
def test_shop_history_cannot_be_edited(api, shop_id, goods, demo_engine, statement):  # I5
    assert redeem(api, shop_id, pay_code(api), [(goods["soap"]["id"], 1)]).status_code == 201
    with session_for(demo_engine, write=True) as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text(statement))
