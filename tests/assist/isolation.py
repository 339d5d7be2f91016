"""For tests/test_isolation.py: the 帮办员 routes. 示范村's official appoints the demo volunteer to help 王建国's
household; another village's official and villager get 403/404 on the village's helpers, on ending one and on the
helped household; the helper reads the household (`volunteer`). A helper's own list reads the caller's own."""

ASSIST_SELF_ONLY = {("GET", "/api/v1/me/helped-households"), ("GET", "/helping"), ("GET", "/helping/mine")}
_APPOINT = {"household_id": "{household_id}", "helper_id": "{assist_other_helper_id}", "consent": "paper",
            "consent_note": "户主签字的同意书已存档"}
ASSIST_CASES = {
    ("GET", "/api/v1/villages/{village_id}/helpers"): None,
    ("POST", "/api/v1/villages/{village_id}/helpers"): _APPOINT,
    ("POST", "/api/v1/helpers/{appointment_id}/end"): None,
    ("GET", "/api/v1/helped-households/{household_id}"): ("volunteer", None),
    ("GET", "/helpers"): "list",
    ("POST", "/helpers"): {"village_id": "{village_id}", **_APPOINT},
    ("POST", "/helpers/{appointment_id}/end"): {},
    ("GET", "/helping/{household_id}"): ("volunteer", None),
}


def assist_world(api, ids: dict) -> dict:
    """The volunteer appointed to help 王建国's household (paper consent); the committee member as a second helper
    the appoint cases name."""
    made = api.post(f"/villages/{ids['village_id']}/helpers", "official",
                    json={"household_id": ids["household_id"], "helper_id": ids["volunteer_id"], "consent": "paper",
                          "consent_note": "户主签字的同意书已存档"})
    assert made.status_code == 201, made.text
    committee = api.get("/me", "committee").json()["id"]
    return {"appointment_id": made.json()["id"], "assist_other_helper_id": committee}
