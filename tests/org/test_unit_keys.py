"""POST /org-units with an Idempotency-Key makes one unit however often it is sent (issue #17), on both engines."""

from sqlmodel import select

from app.db import session_for
from app.org.models import OrgUnit
from tests.conftest import error_code
from tests.org.test_county_api import COUNTY_ADMIN, county_admin, unit_id


def test_the_same_key_makes_one_township_and_another_body_is_refused(api, demo_engine):
    county_admin(demo_engine)
    body = {"kind": "township", "name": "重试镇", "parent_id": unit_id(demo_engine, "振风县")}
    first = api.post("/org-units", COUNTY_ADMIN, json=body, key="town-1")
    again = api.post("/org-units", COUNTY_ADMIN, json=body, key="town-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = api.post("/org-units", COUNTY_ADMIN, json={**body, "name": "别的镇"}, key="town-1")
    assert other.status_code == 409 and error_code(other) == "idempotency_conflict"
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(OrgUnit).where(OrgUnit.name == "重试镇")).all()) == 1
