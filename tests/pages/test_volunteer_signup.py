"""志愿者注册 pages (issue #17 item 2): the villager's form on 服务, the station's list of applications."""

from sqlmodel import select

from app.db import session_for
from app.org.models import Role
from tests.conftest import DEMO
from tests.pages.conftest import csrf_token, sign_in
from tests.volunteer.test_applications import SKILLS, roles, village


class TestVolunteerSignup:
    def test_a_villager_applies_on_the_service_tab_and_the_station_approves(self, web, web_engine):
        csrf = sign_in(web, "villager")
        hub = web.get("/service").text
        assert "申请当志愿者" in hub and 'href="/service/volunteer"' in hub
        r = web.post("/service/volunteer", data={"skills": " ", "csrf_token": csrf})
        assert r.status_code == 422 and "请填写能做的服务" in r.text and 'id="volunteer-apply-error"' in r.text
        r = web.post("/service/volunteer", data={**SKILLS, "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/service/volunteer?done=apply"
        assert "申请正在审核" in web.get(r.headers["location"]).text
        r = web.post("/service/volunteer", data={**SKILLS, "csrf_token": csrf})  # the double tap
        assert r.headers["location"] == "/service/volunteer?done=waiting"
        assert "正在等村实践站审核" in web.get("/service").text
        csrf = sign_in(web, "official")
        assert 'id="service-applications-link"' in web.get("/service").text
        page = web.get("/service/applications").text
        assert "理发、修电器" in page and "同意，成为志愿者" in page
        with session_for(web_engine, write=False) as s:
            from app.volunteer.models import VolunteerApplication
            application = s.exec(select(VolunteerApplication.id)).one()
        r = web.post(f"/service/applications/{application}/approve", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("&done=approve")
        assert "已同意" in web.get(r.headers["location"]).text
        again = web.post(f"/service/applications/{application}/approve", data={"csrf_token": csrf})
        assert again.status_code == 409 and "该申请已经处理过了" in again.text
        assert roles(web_engine, DEMO["villager"]) == {Role.villager, Role.volunteer}
        sign_in(web, "villager")
        assert "申请当志愿者" not in web.get("/service").text and "接单" in web.get("/me").text

    def test_a_town_admin_or_a_stranger_is_refused(self, web, web_engine):
        sign_in(web, "town_admin")
        assert web.get("/service/volunteer").status_code == 403
        assert web.get("/service/applications").status_code == 403
        sign_in(web, "neighbour")
        assert web.get(f"/service/applications?village_id={village(web_engine)}").status_code == 404
        page = web.get("/service/volunteer").text
        assert "申请当邻村的志愿者" in page and csrf_token(page)
