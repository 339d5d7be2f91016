"""For tests/test_isolation.py: the 村规民约 routes. 示范村's compact, an amendment under way and a 大体检 are read by
its people and the township only; another village's official and villager get 403/404. The pages that act on the
caller's own village (the text, the forms) are listed as such."""

from app.compact.models import CHECK_ITEMS

COMPACT_SELF_ONLY = {
    # the caller's own village's text (another is chosen with ?village_id=: a village_query case) and its forms;
    # a POST there lands in the caller's own village (tests/compact/test_pages.py).
    ("POST", "/compact"), ("GET", "/compact/amendments/new"), ("POST", "/compact/amendments"),
    # the township's own year: only the villages it checks (the API's list is a "list" case)
    ("GET", "/compact/checkups"),
}
ITEMS = [{"item": k.value, "passed": True, "note": ""} for k in CHECK_ITEMS]
COMPACT_CASES = {
    ("GET", "/api/v1/villages/{village_id}/compact"): None,
    # The village has its compact (and an amendment under way): the official passes the gate and meets the rule.
    ("POST", "/api/v1/villages/{village_id}/compact"): ("official", {"body": "第一条 越界"}, {}, (409,)),
    ("GET", "/api/v1/villages/{village_id}/compact/versions"): None,
    ("GET", "/api/v1/villages/{village_id}/compact/amendments"): None,
    ("POST", "/api/v1/villages/{village_id}/compact/amendments"): (
        "official", {"reason": "越界", "articles": [{"number": 1, "text": "越界"}]}, {}, (409,)),
    ("GET", "/api/v1/compact-amendments/{amendment_id}"): None,
    ("PUT", "/api/v1/compact-amendments/{amendment_id}/discussion"): {"discussed_on": "{today}", "discussion": "讨论"},
    ("GET", "/api/v1/villages/{village_id}/compact/checkups"): None,
    ("POST", "/api/v1/villages/{village_id}/compact/checkups"): ("town_admin", {"items": ITEMS}),
    ("GET", "/api/v1/compact-checkups"): ("town_admin", None),
    ("GET", "/api/v1/compact-checkups/{checkup_id}"): None,
    ("GET", "/compact"): "village_query",
    ("GET", "/compact/history"): "village_query",
    ("GET", "/compact/amendments/{amendment_id}"): None,
    ("POST", "/compact/amendments/{amendment_id}/discussion"): {"discussed_on": "{today}", "discussion": "讨论"},
    ("GET", "/compact/checkups/new"): ("town_admin", "village_query"),
    ("POST", "/compact/checkups"): ("town_admin", {"village_id": "{village_id}", "checked_on": "{today}",
                                                   **{f"pass-{k.value}": "yes" for k in CHECK_ITEMS}}),
    ("GET", "/compact/checkups/{checkup_id}"): None,
}


def compact_world(api, ids) -> dict:
    """An amendment of 示范村's compact under way and a 大体检 of it."""
    made = api.post(f"/villages/{ids['village_id']}/compact/amendments", "official",
                    json={"reason": "修订", "articles": [{"number": 1, "text": "学法守法，人人有责。"}]})
    assert made.status_code == 201, made.text
    checked = api.post(f"/villages/{ids['village_id']}/compact/checkups", "town_admin", json={"items": ITEMS})
    assert checked.status_code == 201, checked.text
    return {"amendment_id": made.json()["id"], "checkup_id": checked.json()["id"]}
