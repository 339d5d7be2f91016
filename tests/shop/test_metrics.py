"""Redemptions and refusals as /metrics counts them (issue #19 item 5), on both databases."""

from tests.conftest import error_code
from tests.shop.conftest import pay_code, redeem
from tests.test_observe import sample


def test_a_redemption_and_a_refusal_are_counted(api, shop_id, goods):
    redeemed = sample("zf_redemptions_total", paid_by="code")
    used = sample("zf_refusals_total", code="pay_code_used")
    code = pay_code(api)
    assert redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="metrics-1").status_code == 201
    assert redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="metrics-1").status_code == 201  # replay
    assert sample("zf_redemptions_total", paid_by="code") == redeemed + 1
    again = redeem(api, shop_id, code, [(goods["soap"]["id"], 1)], key="metrics-2")
    assert again.status_code == 409 and error_code(again) == "pay_code_used"
    assert sample("zf_redemptions_total", paid_by="code") == redeemed + 1
    assert sample("zf_refusals_total", code="pay_code_used") == used + 1

