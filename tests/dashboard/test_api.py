"""GET /api/v1/org-units/{id}/dashboard (issue #20): every figure equals what the ledger and the domain tables say,
counted the long way (tests/dashboard/long_way.py); a parent's figures are its children's sums; who may read which
unit; periods that are not periods. On SQLite and PostgreSQL: the figures are SQL."""

import pytest
from sqlmodel import select

from app.auth.models import HouseholdSignIn
from app.db import session_for
from app.timeutil import parse_period, shift_month
from tests.conftest import error_code
from tests.dashboard.conftest import PHONES
from tests.dashboard.long_way import expected

CONTRACT = {"org_id", "name", "households", "active_households", "points", "coverage", "service", "disclosures",
            "children"}
SUMMED = ("households", "active_households")


def _same(answer: dict, wanted: dict) -> None:
    """The answer holds every figure the long way counted, with the same value."""
    for key, value in wanted.items():
        if isinstance(value, dict):
            _same(answer[key], value)
        else:
            assert answer[key] == value, (key, answer[key], value)


def _dashboard(api, unit: int, who: str, query: str = ""):
    return api.get(f"/org-units/{unit}/dashboard{query}", who)


class TestFigures:
    def test_every_unit_equals_the_long_way_this_month_and_over_two_months(self, api, county, demo_engine):
        last_month = shift_month(county.month, -1)
        for query, period in (("", parse_period(None, None)),
                              (f"?from={last_month}&to={county.month}", parse_period(last_month, county.month)),
                              ("?from=2021-01&to=2021-12", parse_period("2021-01", "2021-12"))):
            answer = _dashboard(api, county.county, PHONES["county_admin"], query)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert set(body) >= CONTRACT
            with session_for(demo_engine, write=False) as s:
                _same(body, expected(s, county.county, period))
                for child in body["children"]:
                    _same(child, expected(s, child["org_id"], period))
                for village in (county.demo, county.east, county.west, county.neighbour):
                    one = _dashboard(api, village, PHONES["county_admin"], query).json()
                    _same(one, expected(s, village, period))

    def test_the_month_shows_each_kind_of_activity(self, api, county):
        body = _dashboard(api, county.county, PHONES["county_admin"]).json()
        points, service = body["points"], body["service"]
        assert all(points["by_source"][s] > 0 for s in ("award", "evaluation", "service"))
        assert points["redeemed"] > 0 and points["held"] > 0
        assert body["coverage"]["red"] >= 1 and body["coverage"]["black"] >= 2
        assert service["overdue"] >= 1 and service["rating"] is not None and service["hours"] > 0
        assert body["disclosures"]["published"] >= 2 and 0 < body["disclosures"]["read_rate"] < 1
        assert body["settlements"]["points"] > 0 and body["active_households"] >= 3
        east = _dashboard(api, county.east, PHONES["county_admin"]).json()
        # 东一 on both lists counts once; 东三's line was taken off by a correction.
        assert (east["coverage"]["red"], east["coverage"]["black"], east["coverage"]["households"]) == (1, 2, 2)
        assert east["service"] == {"orders": 4, "completed": 3, "overdue": 1, "hours": 3.0, "rating": 3.0,
                                   "rated": 2}
        assert east["points"]["by_category"] == {"filial": 40, "hygiene": 25, "public_good": 12}
        # 婚丧事: 东村's three filed this month, one held within the standards and one not; 示范村's funeral within
        # the standards credited its 10 points through the ledger's door.
        assert {k: east["ceremonies"][k] for k in ("filed", "within", "over")} == {"filed": 3, "within": 1, "over": 1}
        assert body["ceremonies"]["filed"] >= 4 and points["by_source"]["ceremony"] == 10

    def test_a_parent_is_the_sum_of_its_children_and_its_rates_come_from_the_sums(self, api, county):
        body = _dashboard(api, county.county, PHONES["county_admin"]).json()
        assert {c["org_id"] for c in body["children"]} == {county.town, county.east_town}
        for parent in (body, _dashboard(api, county.east_town, PHONES["county_admin"]).json()):
            kids = parent["children"]
            for key in SUMMED:
                assert parent[key] == sum(k[key] for k in kids)
            for family, keys in (("points", ("issued", "redeemed", "held", "outstanding")),
                                 ("coverage", ("red", "black", "households")),
                                 ("service", ("orders", "completed", "overdue", "rated")),
                                 ("disclosures", ("published", "reads")),
                                 ("settlements", ("redemptions", "points", "yuan_fen"))):
                for key in keys:
                    assert parent[family][key] == sum(k[family][key] for k in kids), (family, key)
            listed, homes = parent["coverage"]["households"], parent["households"]
            assert parent["coverage"]["rate"] == (round(listed / homes, 4) if homes else 0.0)
        west = _dashboard(api, county.west, PHONES["county_admin"]).json()
        assert west["disclosures"]["read_rate"] == 0.75  # 3 reads of 2 disclosures × 2 households

    def test_sign_ins_count_each_household_once_a_month(self, api, county, demo_engine):
        for _ in range(2):
            api.client.post("/api/v1/auth/login", json={"phone": "13800000004", "password": "demo1234"})
        with session_for(demo_engine, write=False) as s:
            rows = s.exec(select(HouseholdSignIn).where(HouseholdSignIn.month == county.month)).all()
        assert len(rows) == len({r.household_id for r in rows})
        demo = _dashboard(api, county.demo, "official").json()
        assert demo["active_households"] == 2  # 王建国's and 李秀英's (李志愿); the official has no household


@pytest.mark.sqlite_only  # who may read which unit is decided in Python (app/org/access.py); TestFigures runs the SQL
class TestAccess:
    def test_the_county_admin_reads_every_unit(self, api, county):
        for unit in (county.county, county.town, county.east_town, county.demo, county.west):
            assert _dashboard(api, unit, PHONES["county_admin"]).status_code == 200

    def test_a_town_admin_reads_its_township_and_villages_and_nothing_else(self, api, county):
        assert _dashboard(api, county.town, "town_admin").status_code == 200
        assert _dashboard(api, county.demo, "town_admin").status_code == 200
        for other in (county.east_town, county.east, county.county):
            r = _dashboard(api, other, "town_admin")
            assert (r.status_code, error_code(r)) == (404, "not_found")
        assert _dashboard(api, county.east_town, PHONES["east_admin"]).status_code == 200
        assert _dashboard(api, county.town, PHONES["east_admin"]).status_code == 404

    def test_an_official_or_committee_member_reads_their_village_alone(self, api, county):
        assert _dashboard(api, county.demo, "official").json()["children"] == []
        assert _dashboard(api, county.demo, "committee").status_code == 200
        for other in (county.neighbour, county.town, county.east):
            assert _dashboard(api, other, "official").status_code == 404
        assert _dashboard(api, county.east, PHONES["east_official"]).status_code == 200

    @pytest.mark.parametrize("who", ["villager", "attendant", "volunteer"])
    def test_a_villager_or_attendant_of_the_village_is_refused(self, api, county, who):
        r = _dashboard(api, county.demo, who)
        assert (r.status_code, error_code(r)) == (403, "forbidden")

    def test_signed_out_is_401_and_a_unit_that_is_not_there_404(self, api, county):
        assert _dashboard(api, county.demo, None).status_code == 401
        for unit in ("987654321", "99999999999999999999999", "-1"):
            assert api.get(f"/org-units/{unit}/dashboard", PHONES["county_admin"]).status_code in (404, 422)


class TestPeriod:
    @pytest.mark.parametrize("query", ["?from=2026-13", "?from=2026-1", "?to=abc", "?from=2027-02&to=2027-01",
                                       "?from=1999-12", "?from=9999-01", "?from=2000-01&to=2099-12",
                                       "?from=%E2%80%AE2026-01", "?from=" + "9" * 50])
    @pytest.mark.sqlite_only  # the period is checked in Python (app/timeutil.py), before any SQL
    def test_a_bad_reversed_or_absurd_period_is_a_validation_error(self, api, county, query):
        r = _dashboard(api, county.demo, "official", query)
        assert (r.status_code, error_code(r)) == (422, "validation_error")

    def test_one_month_alone_or_a_year_is_a_period(self, api, county):
        one = _dashboard(api, county.demo, "official", "?to=2026-03").json()
        assert (one["period"]["from"], one["period"]["to"]) == ("2026-03", "2026-03")
        year = _dashboard(api, county.demo, "official", "?from=2026-01&to=2026-12").json()
        assert len(year["points"]["monthly"]) == 12 and year["period"]["label"] == "2026年1月—2026年12月"
