"""大额兑换确认: an official sets above how many points a redemption by pay code waits for the villager's phone."""

import pytest

from tests.shop.pages.conftest import Browser

pytestmark = pytest.mark.sqlite_only


def test_official_sees_and_changes_it(api, shop_id):
    web = Browser(api.client).sign_in("official")
    assert "大额兑换确认" in web.get(f"/shop/manage?shop_id={shop_id}").text
    r = web.get(f"/shop/settings?shop_id={shop_id}")
    assert r.status_code == 200 and 'data-testid="confirm-above">100<' in r.text and "卡密码" in r.text
    r = web.post("/shop/settings", {"shop_id": shop_id, "confirm_above": "300"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=saved")
    r = web.get(r.headers["location"])
    assert "已保存" in r.text and 'data-testid="confirm-above">300<' in r.text
    assert api.get(f"/shops/{shop_id}/goods", "villager").status_code == 200


@pytest.mark.parametrize("typed", ["", "abc", "-5", "100001", "<script>1</script>"])
def test_refused_beside_the_field_as_typed(api, shop_id, typed):
    web = Browser(api.client).sign_in("official")
    r = web.post("/shop/settings", {"shop_id": shop_id, "confirm_above": typed})
    assert r.status_code == 422 and 'class="field-error"' in r.text and "确认额度应为 0 到 100000 积分" in r.text
    assert "<script>1" not in r.text
    assert 'data-testid="confirm-above">100<' in r.text


@pytest.mark.parametrize("who", ["attendant", "villager"])
def test_only_officials(api, shop_id, who):
    web = Browser(api.client).sign_in(who)
    assert web.get(f"/shop/settings?shop_id={shop_id}").status_code == 403
    assert web.post("/shop/settings", {"shop_id": shop_id, "confirm_above": "1"}).status_code == 403
    assert "/shop/settings" not in web.get(f"/shop/manage?shop_id={shop_id}").text


def test_official_sets_the_offline_cap(api, shop_id):
    web = Browser(api.client).sign_in("official")
    r = web.get(f"/shop/settings?shop_id={shop_id}")
    assert 'data-testid="offline-cap">100<' in r.text and "离线码限额" in r.text
    r = web.post("/shop/settings/offline-cap", {"shop_id": shop_id, "offline_cap": "40"})
    assert r.status_code == 303
    assert 'data-testid="offline-cap">40<' in web.get(r.headers["location"]).text
    assert api.post("/me/offline-codes", "villager").json()["items"][0]["cap"] == 40
    r = web.post("/shop/settings/offline-cap", {"shop_id": shop_id, "offline_cap": "abc"})
    assert r.status_code == 422 and "离线码限额应为 0 到 10000 积分" in r.text
    assert Browser(api.client).sign_in("attendant").post(
        "/shop/settings/offline-cap", {"shop_id": shop_id, "offline_cap": "1"}).status_code == 403
