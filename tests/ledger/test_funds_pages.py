"""The 积分资金 page (issue #17 item 5): figures and records, the forms each role gets, a check-then-confirm step that
posts once, refusals in plain Chinese on the page, and the 元 a settlement is worth."""

import re

from sqlmodel import select

from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.fund_models import FundRecord
from app.org.models import OrgUnit
from tests.pages.conftest import sign_in


def unit_id(engine, name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def records(engine, kind: str) -> list[FundRecord]:
    with session_for(engine, write=False) as s:
        return list(s.exec(select(FundRecord).where(FundRecord.kind == kind)))


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


class TestThePage:
    def test_the_link_leads_an_official_to_the_villages_fund(self, web, web_engine):
        sign_in(web, "official")
        assert 'href="/funds"' in web.get("/").text and 'href="/funds"' in web.get("/me").text
        r = web.get("/funds")
        village = unit_id(web_engine, "示范村")
        assert r.status_code == 303 and r.headers["location"] == f"/funds/{village}"
        page = web.get(f"/funds/{village}").text
        assert "示范村积分资金" in page and "来自 振风县" in page and "年度积分预算拨付" in page
        assert "本级配套" in page and "社会捐赠" in page and f'action="/funds/{village}/allocations"' not in page
        assert "1 积分 = 1.00 元" in page

    def test_a_town_admin_allocates_to_the_townships_villages(self, web, web_engine):
        sign_in(web, "town_admin")
        assert web.get("/funds").headers["location"] == f"/funds/{unit_id(web_engine, '清河镇')}"
        page = web.get(f"/funds/{unit_id(web_engine, '清河镇')}").text
        assert "拨付给" in page and ">示范村</option>" in page and ">邻村</option>" in page
        below = page.split('id="fund-below"')[1].split("</ul>")[0]  # each village's fund, one tap away
        assert f'href="/funds/{unit_id(web_engine, "示范村")}"' in below and "999,145" in below
        village = web.get(f"/funds/{unit_id(web_engine, '示范村')}").text  # reads it, books nothing there
        assert "资金记录" in village and "/budgets" not in village

    def test_a_villager_is_refused(self, web, web_engine):
        sign_in(web, "villager")
        assert web.get(f"/funds/{unit_id(web_engine, '示范村')}").status_code == 403
        assert web.get("/funds").status_code == 403
        assert 'href="/funds"' not in web.get("/").text


class TestConfirmThenPostOnce:
    def test_budget(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        form = {"csrf_token": csrf, "form_key": "fk-budget-1", "year": "2026", "points": "800", "yuan": "800.5",
                "note": "村集体配套"}
        review = web.post(f"/funds/{village}/budgets", data=form)
        assert review.status_code == 200 and "请核对后确认" in review.text and "800.50 元" in review.text
        assert records(web_engine, "budget") != [] and all(r.org_id != village for r in records(web_engine, "budget"))
        carried = hidden(review.text.split('id="fund-review"')[1].split("</form>")[0])
        assert carried["form_key"] == "fk-budget-1" and carried["points"] == "800"
        again = web.post(f"/funds/{village}/budgets", data={**carried, "csrf_token": csrf, "confirmed": "edit"})
        assert again.status_code == 200 and 'value="800.5"' in again.text and "请核对后确认" not in again.text
        confirm = {**carried, "csrf_token": csrf, "confirmed": "1"}
        for _ in range(2):  # a double tap on 确认登记
            done = web.post(f"/funds/{village}/budgets", data=confirm)
            assert done.status_code == 303 and done.headers["location"] == f"/funds/{village}?done=budget"
        mine = [r for r in records(web_engine, "budget") if r.org_id == village]
        assert [(r.points, r.yuan_fen, r.note) for r in mine] == [(800, 80050, "村集体配套")]
        page = web.get(done.headers["location"]).text
        assert "本级配套已登记" in page and "800.50" in page
        with session_for(web_engine, write=False) as s:
            assert check_ledger(s) == []

    def test_refusals_are_plain_chinese_on_the_page(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        r = web.post(f"/funds/{village}/budgets", data={"csrf_token": csrf, "year": "2026", "points": "10",
                                                        "yuan": "", "confirmed": "1", "form_key": "fk-2"})
        assert r.status_code == 422 and "请填写金额（元）" in r.text and "<details open>" in r.text
        r = web.post(f"/funds/{village}/donations", data={"csrf_token": csrf, "donor": "<b>张三</b>",
                                                          "points": "10", "yuan": ""})
        assert r.status_code == 200 and "&lt;b&gt;张三&lt;/b&gt;" in r.text and "<b>张三</b>" not in r.text

    def test_a_fund_short_of_points_says_what_is_left(self, web, web_engine):
        csrf = sign_in(web, "town_admin")
        town, village = unit_id(web_engine, "清河镇"), unit_id(web_engine, "示范村")
        r = web.post(f"/funds/{town}/allocations", data={"csrf_token": csrf, "to_org_id": str(village),
                                                          "points": "5", "confirmed": "1", "form_key": "fk-3"})
        assert r.status_code == 409 and "清河镇积分资金余额不足：还剩 0 分，需要 5 分" in r.text
        assert records(web_engine, "allocation") and all(r.from_org_id != town for r in records(web_engine,
                                                                                               "allocation"))


class TestRate:
    def test_the_official_sets_it_and_the_settlement_shows_the_yuan(self, web, web_engine):
        csrf = sign_in(web, "official")
        village = unit_id(web_engine, "示范村")
        bad = web.post(f"/funds/{village}/rate", data={"csrf_token": csrf, "yuan_per_point": "abc"})
        assert bad.status_code == 422 and "金额应为" in bad.text
        r = web.post(f"/funds/{village}/rate", data={"csrf_token": csrf, "yuan_per_point": "0.5"})
        assert r.status_code == 303
        assert "1 积分 = 0.50 元" in web.get(f"/funds/{village}").text
        settlement = web.get("/shop/settlement").text
        assert "折合金额（元）" in settlement and "1 积分 = 0.50 元" in settlement
