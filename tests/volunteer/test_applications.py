"""志愿者注册 (issue #17 item 2) through the API, on both engines: a villager applies, the station approves or declines
(the pages: tests/pages/test_volunteer_signup.py)."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.org.models import OrgAction, OrgUnit, Role, RoleAssignment, User
from tests.conftest import DEMO, add_person, error_code
from tests.pages.conftest import household_id

SKILLS = {"skills": "理发、修电器", "availability": "周末下午"}


def village(engine, name: str = "示范村") -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def roles(engine, phone: str) -> set[str]:
    with session_for(engine, write=False) as s:
        return set(s.exec(select(RoleAssignment.role).join(User, User.id == RoleAssignment.user_id)
                          .where(User.phone == phone)))


class TestApply:
    def test_a_villager_applies_once_however_often_they_tap(self, api, demo_engine):
        first = api.post("/volunteer-applications", "villager", json=SKILLS)
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["status"] == "pending" and body["village_id"] == village(demo_engine)
        assert body["skills"] == "理发、修电器" and body["availability"] == "周末下午"
        again = api.post("/volunteer-applications", "villager", json={"skills": "别的"})
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        assert again.json()["skills"] == "理发、修电器"  # the one that waits, unchanged
        listed = api.get(f"/villages/{village(demo_engine)}/volunteer-applications", "official").json()["items"]
        assert [a["id"] for a in listed] == [body["id"]]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "body", "status", "code"), [
        ("volunteer", SKILLS, 409, "conflict"),  # already one
        ("town_admin", SKILLS, 403, "forbidden"),  # no household in a village
        ("villager", {"skills": "\u200b \u200b"}, 422, "validation_error"),
        ("villager", {"skills": "x" * 201}, 422, "validation_error"),
        ("villager", {}, 422, "validation_error"),
    ])
    def test_refusals(self, api, who, body, status, code):
        r = api.post("/volunteer-applications", who, json=body)
        assert r.status_code == status and error_code(r) == code, r.text

    def test_the_neighbours_application_goes_to_their_own_village(self, api, demo_engine):
        r = api.post("/volunteer-applications", "neighbour", json=SKILLS)
        assert r.status_code == 201 and r.json()["village_id"] == village(demo_engine, "邻村")
        assert api.get(f"/villages/{village(demo_engine)}/volunteer-applications", "official").json()["items"] == []


class TestWhoReviews:
    @pytest.fixture
    def application(self, api) -> int:
        return api.post("/volunteer-applications", "villager", json=SKILLS).json()["id"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "status"), [("official", 200), ("villager", 403), ("committee", 403),
                                                 ("volunteer", 403), ("town_admin", 403), ("neighbour", 404)])
    def test_the_list(self, api, demo_engine, application, who, status):
        assert api.get(f"/villages/{village(demo_engine)}/volunteer-applications", who).status_code == status
        assert api.get("/villages/99999999999999999999999/volunteer-applications", who).status_code in (404, 422)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize(("who", "status"), [("villager", 403), ("committee", 403), ("attendant", 403),
                                                 ("town_admin", 403), ("neighbour", 404)])
    def test_only_the_station_decides(self, api, demo_engine, application, who, status):
        for step in ("approve", "decline"):
            assert api.post(f"/volunteer-applications/{application}/{step}", who, json={}).status_code == status
        assert roles(demo_engine, DEMO["villager"]) == {Role.villager}

    def test_approval_makes_a_volunteer_who_stays_a_villager(self, api, demo_engine, application):
        r = api.post(f"/volunteer-applications/{application}/approve", "official")
        assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["decided_at"]
        assert roles(demo_engine, DEMO["villager"]) == {Role.villager, Role.volunteer}
        with session_for(demo_engine, write=False) as s:
            line = s.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert line.action == OrgAction.staff_appoint.value and f'"application_id": {application}' in line.detail
        twice = api.post(f"/volunteer-applications/{application}/decline", "official", json={})
        assert twice.status_code == 409 and error_code(twice) == "invalid_state"
        staff = api.get(f"/org-units/{village(demo_engine)}/staff", "official").json()["items"]
        assert any(s["phone"] == DEMO["villager"] and s["role"] == "volunteer" for s in staff)
        again = api.post("/volunteer-applications", "villager", json=SKILLS)
        assert again.status_code == 409 and "已经是本村的志愿者" in again.json()["error"]["message"]

    def test_a_declined_villager_reads_why_and_may_apply_again(self, api, application):
        r = api.post(f"/volunteer-applications/{application}/decline", "official", json={"reason": "本月人够了"})
        assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["reason"] == "本月人够了"
        again = api.post("/volunteer-applications", "villager", json=SKILLS)
        assert again.status_code == 201 and again.json()["id"] != application

    def test_nobody_approves_their_own(self, api, demo_engine):
        wang = household_id(demo_engine, "王建国")
        second = add_person(demo_engine, phone="13800000091", name="王二干部", role=Role.official, unit="示范村",
                            household_id=wang)
        mine = api.post("/volunteer-applications", second, json=SKILLS)
        assert mine.status_code == 201
        for step in ("approve", "decline"):
            r = api.post(f"/volunteer-applications/{mine.json()['id']}/{step}", second, json={})
            assert r.status_code == 403 and "不能审核自己的申请" in r.json()["error"]["message"]
        assert api.post(f"/volunteer-applications/{mine.json()['id']}/approve", "official").status_code == 200

    def test_an_unknown_or_huge_id_is_not_found(self, api):
        assert api.post("/volunteer-applications/424242/approve", "official").status_code == 404
        assert api.post("/volunteer-applications/99999999999999999999999/approve", "official").status_code in (
            404, 422)


class TestAtOnce:
    def test_eight_taps_at_once_make_one_application(self, demo_engine):
        from app.db import write_session
        from app.org.access import load_actor
        from app.volunteer import applications
        from app.volunteer.models import VolunteerApplication
        from tests.ledger.test_races import run_all

        def tap(_i):
            with write_session(demo_engine) as s:
                actor = load_actor(s, s.exec(select(User).where(User.phone == DEMO["villager"])).one())
                application, _created = applications.apply(s, actor=actor, skills="理发", availability="")
                s.commit()
                return application.id

        ids = run_all(8, tap)
        assert all(isinstance(i, int) for i in ids), ids
        assert len(set(ids)) == 1
        with session_for(demo_engine, write=False) as s:
            assert len(s.exec(select(VolunteerApplication)).all()) == 1

    def test_two_officials_deciding_at_once_decide_once(self, api, demo_engine):
        from app.db import write_session
        from app.org.access import load_actor
        from app.volunteer import applications
        from tests.ledger.test_races import run_all

        second = add_person(demo_engine, phone="13800000092", name="二号干部", role=Role.official, unit="示范村")
        application = api.post("/volunteer-applications", "villager", json=SKILLS).json()["id"]

        def decide(i):
            with write_session(demo_engine) as s:
                phone = (DEMO["official"], second)[i % 2]
                actor = load_actor(s, s.exec(select(User).where(User.phone == phone)).one())
                if i % 2:
                    applications.decline(s, actor=actor, application_id=application, reason="")
                else:
                    applications.approve(s, actor=actor, application_id=application)
                s.commit()
                return "ok"

        results = run_all(4, decide)
        assert results.count("ok") == 1, results
        with session_for(demo_engine, write=False) as s:
            volunteers = s.exec(select(RoleAssignment).join(User, User.id == RoleAssignment.user_id)
                                .where(User.phone == DEMO["villager"], RoleAssignment.role == Role.volunteer)).all()
            from app.volunteer.models import VolunteerApplication
            status = s.get(VolunteerApplication, application).status
            assert len(volunteers) == (1 if status == "approved" else 0) and status != "pending"
