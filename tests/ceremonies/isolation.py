"""For tests/test_isolation.py: the 婚丧事报备 routes. 王建国's filings are read and handled by 示范村's council only
(officials, committee); another village's official and villager get 403/404. The standards, a household's own list
and the form read the caller's own village or household."""

from app.ceremonies.service import today
from tests.ceremonies.conftest import WITHIN

CEREMONIES_SELF_ONLY = {("GET", "/api/v1/ceremonies"), ("GET", "/ceremonies"), ("GET", "/ceremonies/new"),
                        ("GET", "/ceremonies/standards"), ("POST", "/ceremonies/standards")}
_FILED = {**WITHIN, "event_date": "{today}", "household_id": "{household_id}"}
_OUTCOME = {"tables": 8, "guests": 80, "cost": 12_000}
CEREMONIES_CASES = {
    ("GET", "/api/v1/villages/{village_id}/ceremony-standards"): None,
    ("PUT", "/api/v1/villages/{village_id}/ceremony-standards"): {"points": 12},
    ("POST", "/api/v1/ceremonies"): ("official", _FILED),
    ("GET", "/api/v1/ceremonies/queue"): "list",
    ("GET", "/api/v1/ceremonies/{filing_id}"): None,
    ("POST", "/api/v1/ceremonies/{filing_id}/acknowledge"): ("committee", {"advice": "简办"}),
    ("POST", "/api/v1/ceremonies/{filing_id}/outcome"): ("committee", _OUTCOME, {"filing_id": "filing_ack_id"}),
    ("POST", "/ceremonies"): ("official", {k: str(v) for k, v in _FILED.items()}),
    ("GET", "/ceremonies/queue"): "list",
    ("GET", "/ceremonies/{filing_id}"): None,
    ("POST", "/ceremonies/{filing_id}/acknowledge"): ("committee", {"advice": "简办"}),
    ("POST", "/ceremonies/{filing_id}/outcome"): ("committee", {k: str(v) for k, v in _OUTCOME.items()},
                                                     {"filing_id": "filing_ack_id"}),
}


def ceremonies_world(api) -> dict:
    """王建国's wedding today, filed; and a second one, acknowledged (its outcome may be recorded)."""
    ids = {}
    for name, acknowledged in (("filing_id", False), ("filing_ack_id", True)):
        made = api.post("/ceremonies", "villager", json={**WITHIN, "event_date": today().isoformat()})
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
        if acknowledged:
            assert api.post(f"/ceremonies/{ids[name]}/acknowledge", "official", json={}).status_code == 200
    return ids
