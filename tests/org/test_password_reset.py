"""Powers bounded: password resets (issue #7, item 8). An official resets only plain villagers of their village; a
member holding a staff role needs the town (or county) admin. A reset gives a one-time password the member must
replace at the next sign-in, and the household is told who reset it."""

from sqlmodel import select

from app.audit.models import AuditEntry
from app.audit.service import in_words
from app.db import session_for
from app.org.models import PasswordResetNotice, User
from tests.conftest import DEMO, error_code

ONE_TIME = "reset-pass-2468"


def member(api, who: str) -> dict:
    return api.get("/me", who).json()


def reset(api, by: str, of: str, password: str = ONE_TIME):
    target = member(api, of)
    return api.post(f"/households/{target['household_id']}/members/{target['id']}/password", by,
                    json={"password": password})


def login(api, who: str, password: str):
    return api.post("/auth/login", json={"phone": DEMO.get(who, who), "password": password})


def bearer(response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class TestWhoMayReset:
    def test_an_official_cannot_reset_a_volunteers_password(self, api):
        """The report: an official reset 李志愿's password (a volunteer with a household) and signed in as him."""
        r = reset(api, "official", "volunteer")
        assert r.status_code == 403 and error_code(r) == "forbidden"
        assert "乡镇" in r.json()["error"]["message"]
        assert login(api, "volunteer", ONE_TIME).status_code == 401
        assert login(api, "volunteer", "demo1234").status_code == 200

    def test_the_town_admin_resets_a_volunteers_password(self, api):
        assert reset(api, "town_admin", "volunteer").status_code == 200
        assert login(api, "volunteer", ONE_TIME).status_code == 200

    def test_an_official_resets_a_plain_villagers_password(self, api):
        r = reset(api, "official", "villager")
        assert r.status_code == 200 and r.json()["must_change_password"] is True

    def test_a_member_cannot_reset_another_members_password(self, api):
        assert reset(api, "volunteer", "volunteer").status_code == 403  # not even their own, this way
        assert reset(api, "villager", "villager").status_code == 403

    def test_the_town_admin_of_another_township_does_not_see_the_household(self, api, demo_engine):
        from app.org.models import OrgKind, OrgUnit, Role, RoleAssignment
        from tests.conftest import DEMO_HASH

        with session_for(demo_engine, write=True) as s:
            county = s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.county)).one()
            other_town = OrgUnit(kind=OrgKind.township, name="东山乡", parent_id=county.id)
            admin = User(name="东山乡长", phone="13800000098", password_hash=DEMO_HASH)
            s.add_all([other_town, admin])
            s.flush()
            s.add(RoleAssignment(user_id=admin.id, role=Role.town_admin, org_id=other_town.id))
            s.commit()
        assert reset(api, "13800000098", "volunteer").status_code == 404

    def test_the_reset_is_in_the_audit_log_with_who_did_it(self, api, demo_engine):
        reset(api, "town_admin", "volunteer")
        with session_for(demo_engine, write=False) as s:
            entry = s.exec(select(AuditEntry).where(AuditEntry.action == "member.reset_password")).one()
            town_admin = s.exec(select(User).where(User.phone == DEMO["town_admin"])).one()
            assert entry.actor_id == town_admin.id and entry.target_label == "李志愿"
            assert in_words(entry).detail == "由乡镇管理员重置，一次性密码"


class TestOneTimePassword:
    def test_the_member_must_set_a_new_password_before_anything_else(self, api):
        reset(api, "official", "villager")
        signed = login(api, "villager", ONE_TIME)
        assert signed.status_code == 200 and signed.json()["user"]["must_change_password"] is True
        headers = bearer(signed)
        for path in ("/me/pay-code", "/shops", f"/households/{signed.json()['user']['household_id']}"):
            r = api.client.get(f"/api/v1{path}", headers=headers)
            assert r.status_code == 403 and error_code(r) == "password_change_required", path
        assert api.client.get("/api/v1/me", headers=headers).status_code == 200
        changed = api.client.post("/api/v1/me/password", headers=headers, json={"password": "my-own-pass-97"})
        assert changed.status_code == 200 and changed.json()["user"]["must_change_password"] is False
        assert api.client.get("/api/v1/me/pay-code", headers=bearer(changed)).status_code == 200
        assert api.client.get("/api/v1/me", headers=headers).status_code == 401  # the one-time session ended
        assert login(api, "villager", ONE_TIME).status_code == 401
        assert login(api, "villager", "my-own-pass-97").status_code == 200

    def test_the_new_password_must_differ_from_the_one_time_one(self, api):
        reset(api, "official", "villager")
        headers = bearer(login(api, "villager", ONE_TIME))
        r = api.client.post("/api/v1/me/password", headers=headers, json={"password": ONE_TIME})
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_a_reset_signs_out_the_members_sessions(self, api):
        old = bearer(login(api, "villager", "demo1234"))
        reset(api, "official", "villager")
        assert api.client.get("/api/v1/me", headers=old).status_code == 401

    def test_the_household_is_told_who_reset_it(self, api, demo_engine):
        reset(api, "town_admin", "volunteer")
        with session_for(demo_engine, write=False) as s:
            li = s.exec(select(User).where(User.phone == DEMO["volunteer"])).one()
            notices = s.exec(select(PasswordResetNotice).where(PasswordResetNotice.user_id == li.id)).all()
        assert [(n.member_name, n.reset_by_name, n.reset_by_role, n.seen_at) for n in notices] == [
            ("李志愿", "周镇长", "town_admin", None)]


class TestChangeOwnPassword:
    def test_needs_the_current_password(self, api):
        headers = bearer(login(api, "villager", "demo1234"))
        r = api.client.post("/api/v1/me/password", headers=headers, json={"password": "my-own-pass-97"})
        assert r.status_code == 422
        r = api.client.post("/api/v1/me/password", headers=headers,
                            json={"password": "my-own-pass-97", "current_password": "wrong-pass-1"})
        assert r.status_code == 422 and "当前密码" in r.json()["error"]["message"]
        r = api.client.post("/api/v1/me/password", headers=headers,
                            json={"password": "my-own-pass-97", "current_password": "demo1234"})
        assert r.status_code == 200
        assert login(api, "villager", "my-own-pass-97").status_code == 200
