"""A small county for the dashboards: the demo world (振风县 → 清河镇 → 示范村, 邻村, with its awards, evaluation round,
service orders and disclosures) and a second township, 东山镇, with 东村 and 西村; then activity of every kind:
awards of several categories (one reversed), a redemption (and one reversed), a held shop request, an evaluation
round with red and black lines, service orders (overdue, completed, rated), disclosures with reads, sign-ins."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from app.ceremonies.models import Ceremony
from app.ceremonies.service import today
from app.db import session_for
from app.disclosure.models import Disclosure, DisclosureRead
from app.evaluation.models import Criterion, EvaluationRound, ResultLine
from app.ledger import funds
from app.ledger.accounts import open_household_account
from app.ledger.models import TxnKind
from app.ledger.service import Source, credit_household
from app.org.models import Household, OrgKind, OrgUnit, User
from app.shop.models import Shop
from app.timeutil import this_month, utcnow
from app.volunteer.models import ServiceOrder
from tests.conftest import BuiltWorld, add_person


@dataclass
class County:
    county: int
    town: int  # 清河镇
    east_town: int  # 东山镇
    demo: int  # 示范村
    neighbour: int  # 邻村
    east: int  # 东村
    west: int  # 西村
    month: str


PHONES = {"county_admin": "13900000001", "east_admin": "13900000002", "east_official": "13900000003",
          "east_villager": "13900000004"}


def _unit(s, kind: str, name: str, parent: int) -> int:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent)
    s.add(unit)
    s.flush()
    return unit.id


def _home(s, village: int, name: str) -> Household:
    home = Household(village_id=village, head_name=name)
    s.add(home)
    s.flush()
    open_household_account(s, household=home)
    return home


COUNTY = BuiltWorld("county", lambda api, engine: build_county(api, engine))


@pytest.fixture
def demo_engine(engine, request, tmp_path):
    """On SQLite a copy of the run's county; on PostgreSQL the demo world, and `county` builds on it."""
    return COUNTY.engine(request, engine, tmp_path)


@pytest.fixture
def county(api, demo_engine) -> County:
    return COUNTY.ids(api, demo_engine)


def build_county(api, engine) -> County:
    now = utcnow()
    with session_for(engine, write=True) as s:
        names = {u.name: u for u in s.exec(select(OrgUnit))}
        top, town = names["振风县"], names["清河镇"]
        east_town = _unit(s, OrgKind.township, "东山镇", top.id)
        east, west = _unit(s, OrgKind.village, "东村", east_town), _unit(s, OrgKind.village, "西村", east_town)
        homes = {n: _home(s, east if n.startswith("东") else west, n) for n in ("东一", "东二", "东三", "西一", "西二")}
        funds.post_entry(s, entry=funds.check_budget(org=top, year=now.year, points=20_000, yuan=20_000, note="测试"),
                         actor_id=None, idempotency_key=None)
        for village in (east, west):
            funds.post_entry(s, entry=funds.check_allocation(source=top, target=s.get(OrgUnit, village),
                                                             points=10_000, yuan=10_000, note="测试拨付"),
                             actor_id=None, idempotency_key=None)
        for name, points, category, source in (("东一", 40, "filial", TxnKind.award),
                                               ("东二", 25, "hygiene", TxnKind.award),
                                               ("西一", 30, "law", TxnKind.award),
                                               ("东三", 12, "public_good", TxnKind.service)):
            credit_household(s, household=homes[name], points=points, reason="测试", category=category,
                             source=Source(source), actor_id=None, once=None)
        # An evaluation round of 东村, final, with red and black lines (one taken off by a correction).
        red = Criterion(village_id=east, category="filial", name="孝老", points=5, list_kind="red")
        black = Criterion(village_id=east, category="hygiene", name="脏乱", points=-5, list_kind="black")
        s.add_all([red, black])
        s.flush()
        round_ = EvaluationRound(village_id=east, month=this_month(), status="final")
        s.add(round_)
        s.flush()
        for home, criterion, kind, kept in (("东一", red, "red", True), ("东二", black, "black", True),
                                            ("东一", black, "black", True), ("东三", red, "red", False)):
            s.add(ResultLine(round_id=round_.id, village_id=east, household_id=homes[home].id,
                             criterion_id=criterion.id, points=5, list_kind=kind, reason="测试",
                             corrected_list=kept))
        # Service orders of 东村: overdue (open 2 days), completed and rated, completed and waiting.
        requester = User(name="东一户主", household_id=homes["东一"].id)
        s.add(requester)
        s.flush()
        for status, created, completed, minutes, stars in (
                ("open", now - timedelta(days=2), None, None, None),
                ("rated", now - timedelta(hours=5), now - timedelta(hours=3), 90, 4),
                ("rated", now - timedelta(hours=6), now - timedelta(hours=2), 30, 2),
                ("completed", now - timedelta(hours=4), now - timedelta(hours=1), 60, None)):
            s.add(ServiceOrder(village_id=east, station_id=east, title="理发", household_id=homes["东一"].id,
                               requester_id=requester.id, status=status, created_at=created,
                               completed_at=completed, credited_minutes=minutes, claimed_minutes=minutes,
                               stars=stars))
        # Disclosures of 西村: two published, one read by both households, one by one.
        author = s.exec(select(User).where(User.phone == "13800000001")).one()
        for title, readers in (("西村财务", ("西一", "西二")), ("西村党务", ("西一",))):
            d = Disclosure(village_id=west, category="finance", title=title, author_id=author.id)
            s.add(d)
            s.flush()
            s.add_all([DisclosureRead(disclosure_id=d.id, household_id=homes[r].id, version=1) for r in readers])
        # 婚丧事 filings: of 东村 this month one held within the standards, one not, one waiting; of 西村 one filed
        # forty days ago (last month or the one before: the two-month period counts it or not, the long way too).
        for village, home, status, within, created in (
                (east, "东一", "done", True, now), (east, "东二", "done", False, now),
                (east, "东三", "filed", None, now), (west, "西一", "acknowledged", None, now - timedelta(days=40))):
            s.add(Ceremony(village_id=village, household_id=homes[home].id, filed_by_id=requester.id, kind="wedding",
                           event_date=now.date(), place="礼堂", tables=8, guests=80, cost=10_000, gift_limit=100,
                           status=status, within=within, created_at=created))
        shop = s.exec(select(Shop.id).where(Shop.name == "振风超市")).one()
        world = County(top.id, town.id, east_town, names["示范村"].id, names["邻村"].id, east, west, this_month())
        s.commit()
    add_person(engine, phone=PHONES["county_admin"], name="县管理员", role="county_admin", unit="振风县")
    add_person(engine, phone=PHONES["east_admin"], name="东山镇长", role="town_admin", unit="东山镇")
    add_person(engine, phone=PHONES["east_official"], name="东村书记", role="official", unit="东村")
    _activity(api, shop)
    return world


def _activity(api, shop_id: int) -> None:
    """Through the API: a redemption and one reversed, a held shop request, an award and its reversal, sign-ins."""
    goods = api.get(f"/shops/{shop_id}/goods", "attendant").json()["items"]
    cheap = min(goods, key=lambda g: g["points_price"])
    for reverse in (False, True):
        code = api.get("/me/pay-code", "villager").json()["code"]
        r = api.post(f"/shops/{shop_id}/redemptions", "attendant",
                     json={"pay_code": code, "items": [{"goods_id": cheap["id"], "quantity": 2}]})
        assert r.status_code == 201, r.text
        if reverse:
            back = api.post(f"/redemptions/{r.json()['id']}/reversal", "official", json={"reason": "拿错了"})
            assert back.status_code in (200, 201), back.text
    held = api.post(f"/shops/{shop_id}/requests", "villager",
                    json={"items": [{"goods_id": cheap["id"], "quantity": 1}]}, key="dash-hold")
    assert held.status_code == 201, held.text
    li = api.get("/me", "volunteer").json()["household_id"]
    award = api.post("/points/awards", "official", json={"household_id": li, "points": 20, "reason": "测试奖励",
                                                          "category": "customs"}, key="dash-award")
    assert award.status_code == 201, award.text
    back = api.post(f"/points/awards/{award.json()['id']}/reversal", "official", json={"reason": "发错了"})
    assert back.status_code == 201, back.text
    filed = api.post("/ceremonies", "villager", json={"kind": "funeral", "event_date": today().isoformat(),
                                                     "place": "自家院子", "tables": 6, "guests": 50, "cost": 8000,
                                                     "gift_limit": 50})
    assert filed.status_code == 201, filed.text
    for step, body in (("acknowledge", {"advice": "丧事简办"}), ("outcome", {"tables": 6, "guests": 50, "cost": 7000})):
        done = api.post(f"/ceremonies/{filed.json()['id']}/{step}", "official", json=body)
        assert done.status_code == 200, done.text
    for phone in ("13800000004", "13800000003", "13800000007"):  # two households of 示范村, one of 邻村
        assert api.client.post("/api/v1/auth/login", json={"phone": phone, "password": "demo1234"}).status_code == 200
