"""Printed household cards: long-lived code, usable only with the household's PIN."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import error_code
from tests.shop.conftest import balance, redeem

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def card(api):
    hid = api.get("/me", "villager").json()["household_id"]
    r = api.post(f"/households/{hid}/cards", "official", json={"pin": "2468"})
    assert r.status_code == 201
    return {**r.json(), "household_id": hid}


def unlock(api, shop_id, card_code, pin):
    return api.post(f"/shops/{shop_id}/card-unlock", "attendant", json={"card_code": card_code, "pin": pin})


def test_card_with_pin_pays(api, shop_id, goods, card):
    assert len(card["card_code"]) == 20 and card["card_code"].isdigit()
    r = unlock(api, shop_id, card["card_code"], "2468")
    assert r.status_code == 200 and r.json()["household_name"] == "王*国"
    before = balance(api)
    done = redeem(api, shop_id, r.json()["pay_code"], [(goods["soap"]["id"], 1)])
    assert done.status_code == 201 and balance(api) == before - 5


def test_card_code_alone_does_not_pay(api, shop_id, goods, card):
    r = redeem(api, shop_id, card["card_code"], [(goods["soap"]["id"], 1)])
    assert r.status_code == 400 and error_code(r) == "invalid_pay_code" and "密码" in r.json()["error"]["message"]


def test_wrong_pin_is_counted_then_locks(api, shop_id, card):
    for left in (4, 3, 2, 1):
        r = unlock(api, shop_id, card["card_code"], "0000")
        assert r.status_code == 400 and f"还可尝试 {left} 次" in r.json()["error"]["message"]
    r = unlock(api, shop_id, card["card_code"], "0000")
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    assert unlock(api, shop_id, card["card_code"], "2468").status_code == 429  # locked even with the right PIN


def test_a_locked_card_says_when_it_unlocks_and_whom_to_ask(api, shop_id, card):
    """The attendant can tell the villager the clock time (Asia/Shanghai) and that a 村干部 can issue a new card."""
    for _ in range(4):
        unlock(api, shop_id, card["card_code"], "0000")
    at = [datetime.now(SHANGHAI)]
    locked = unlock(api, shop_id, card["card_code"], "0000")
    at.append(datetime.now(SHANGHAI))
    unlocks = {f"{t + timedelta(minutes=15):%H:%M} 自动解锁" for t in at}
    message = locked.json()["error"]["message"]
    assert locked.status_code == 429 and any(u in message for u in unlocks), message
    assert message.startswith("卡密码连续输错 5 次，此卡已锁定") and "请找村干部补办新卡" in message
    assert 880 <= int(locked.headers["retry-after"]) <= 900
    again = unlock(api, shop_id, card["card_code"], "2468").json()["error"]["message"]
    assert again == message  # asked again, the same time: it does not move


def test_revoking_needs_a_reason(api, card):
    r = api.post(f"/households/{card['household_id']}/cards/{card['id']}/revoke", "official", json={"reason": " "})
    assert r.status_code == 422


def test_revoked_card_and_reissue(api, shop_id, card):
    r = api.post(f"/households/{card['household_id']}/cards/{card['id']}/revoke", "official", json={"reason": "丢失"})
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = unlock(api, shop_id, card["card_code"], "2468")
    assert r.status_code == 400 and "作废" in r.json()["error"]["message"]
    new = api.post(f"/households/{card['household_id']}/cards", "official", json={"pin": "1357"}).json()
    assert unlock(api, shop_id, new["card_code"], "1357").status_code == 200


def test_reissue_revokes_the_old_card(api, shop_id, card):
    api.post(f"/households/{card['household_id']}/cards", "official", json={"pin": "1357"})
    assert unlock(api, shop_id, card["card_code"], "2468").status_code == 400


@pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
@pytest.mark.parametrize("pin", ["12", "1234567", "abcd", ""])
def test_pin_must_be_4_to_6_digits(api, card, pin):
    r = api.post(f"/households/{card['household_id']}/cards", "official", json={"pin": pin})
    assert r.status_code == 422


def test_only_officials_issue_cards(api, card):
    assert api.post(f"/households/{card['household_id']}/cards", "villager", json={"pin": "1234"}).status_code == 403
    assert api.post(f"/households/{card['household_id']}/cards", "attendant", json={"pin": "1234"}).status_code in (
        403, 404)
