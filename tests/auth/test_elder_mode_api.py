"""长辈模式 through the API: PUT /api/v1/me/elder-mode, remembered per user (issue #21 item 1)."""

import pytest

from tests.conftest import error_code

pytestmark = pytest.mark.sqlite_only  # one boolean column of the user's own row: nothing the engine decides


class TestElderModeApi:
    def test_on_off_and_remembered_in_me(self, api):
        assert api.get("/me", "villager").json()["elder_mode"] is False
        r = api.client.put("/api/v1/me/elder-mode", headers=api.headers("villager"), json={"on": True})
        assert r.status_code == 200 and r.json()["elder_mode"] is True
        assert api.get("/me", "villager").json()["elder_mode"] is True
        assert api.get("/me", "official").json()["elder_mode"] is False  # one user's choice, not the household's
        again = api.client.put("/api/v1/me/elder-mode", headers=api.headers("villager"), json={"on": True})
        assert again.status_code == 200 and again.json()["elder_mode"] is True
        r = api.client.put("/api/v1/me/elder-mode", headers=api.headers("villager"), json={"on": False})
        assert r.status_code == 200 and api.get("/me", "villager").json()["elder_mode"] is False

    @pytest.mark.parametrize("body", [{}, {"on": "yes"}, {"on": 1}, {"on": None}, []])
    def test_anything_but_true_or_false_is_refused(self, api, body):
        r = api.client.put("/api/v1/me/elder-mode", headers=api.headers("villager"), json=body)
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_signed_out_is_refused(self, api):
        r = api.client.put("/api/v1/me/elder-mode", json={"on": True})
        assert r.status_code == 401
