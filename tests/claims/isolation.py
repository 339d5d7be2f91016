"""For tests/test_isolation.py: the 申报 routes. 王建国's claim (with a photo) is read and decided by 示范村's
committee and officials only; another village's official and villager get 403/404. A household's own list and form
read the caller's own household."""

from tests.shop.test_goods_api import jpeg_bytes

CLAIMS_SELF_ONLY = {("GET", "/api/v1/claims"), ("GET", "/claims"), ("GET", "/claims/new")}
CLAIMS_CASES = {
    ("POST", "/api/v1/claims"): ("villager", {"criterion_id": "{claim_criterion_id}", "note": "好事"}),
    ("GET", "/api/v1/claims/pending"): "list",
    ("GET", "/api/v1/claims/{claim_id}"): None,
    ("PUT", "/api/v1/claims/{claim_id}/photo"): ("villager", "photo"),
    ("POST", "/api/v1/claims/{claim_id}/approve"): ("committee", None),
    ("POST", "/api/v1/claims/{claim_id}/refuse"): ("committee", {"reason": "不属实"}),
    ("POST", "/claims"): ("villager", {"criterion_id": "{claim_criterion_id}", "note": "好事"}),
    ("GET", "/claims/queue"): "list",
    ("GET", "/claims/{claim_id}"): None,
    ("POST", "/claims/{claim_id}/approve"): ("committee", {}),
    ("POST", "/claims/{claim_id}/refuse"): ("committee", {"reason": "不属实"}),
    ("GET", "/claims/{claim_id}/photo.jpg"): None,
}


def claims_world(api) -> dict:
    """王建国's claim of 门前三包落实 with a photo, and another criterion he has not claimed today."""
    criteria = {c["name"]: c["id"] for c in api.get("/criteria", "villager").json()["items"]}
    made = api.post("/claims", "villager", json={"criterion_id": criteria["门前三包落实"], "note": "门前三包做到了"})
    assert made.status_code == 201, made.text
    claim_id = made.json()["id"]
    photo = api.client.put(f"/api/v1/claims/{claim_id}/photo", headers=api.headers("villager"),
                           files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")})
    assert photo.status_code == 200, photo.text
    return {"claim_id": claim_id, "claim_criterion_id": criteria["赡养老人尽心"]}
