"""The demo world of shared/api-v1.md, created on an empty database (password demo1234 for all)."""

import json
from pathlib import Path

from sqlmodel import Session, select

from app.compact.demo import seed_compact
from app.councils.demo import seed_councils
from app.disclosure.demo import seed_disclosures
from app.evaluation.demo import seed_evaluation_demo
from app.images import process_photo
from app.ledger import funds
from app.ledger.accounts import open_household_account
from app.ledger.models import Category, TxnKind
from app.ledger.service import Source, post_credit
from app.org.access import load_actor
from app.org.models import Household, OrgKind, OrgUnit, Role, RoleAssignment, User
from app.security import hash_password
from app.shop.catalogue.service import create_goods, create_shop, set_goods_photo
from app.shop.requests.models import ShopRequestSetting
from app.timeutil import local, utcnow
from app.volunteer.demo import seed_service_orders

DEMO_PASSWORD = "demo1234"
VILLAGE_BUDGET = 1_000_000
ASSETS = Path(__file__).resolve().parent / "demo_assets"


def seed_demo_world(session: Session, *, password_hash: str | None = None) -> bool:
    """Create the demo county, township, villages, households and accounts; False if data already exists."""
    if session.exec(select(OrgUnit.id)).first() is not None:
        return False
    county = _unit(session, OrgKind.county, "振风县", None)
    town = _unit(session, OrgKind.township, "清河镇", county.id)
    village = _unit(session, OrgKind.village, "示范村", town.id)
    neighbour = _unit(session, OrgKind.village, "邻村", town.id)
    password = password_hash or hash_password(DEMO_PASSWORD)

    def person(phone: str, name: str, roles: list[tuple[str, OrgUnit]], household: Household | None = None) -> User:
        user = User(name=name, phone=phone, password_hash=password, household_id=household.id if household else None)
        session.add(user)
        session.flush()
        for role, org in roles:
            session.add(RoleAssignment(user_id=user.id, role=role, org_id=org.id))
        return user

    wang = _household(session, village, "王建国", "示范村一组 12 号")
    li = _household(session, village, "李秀英", "示范村二组 3 号")
    zhao = _household(session, village, "赵德明", "示范村三组 8 号")
    chen = _household(session, neighbour, "陈志强", "邻村一组 5 号")
    official = person("13800000001", "张书记", [(Role.official, village)])
    attendant = person("13800000002", "刘店长", [(Role.attendant, village)])
    person("13800000003", "李志愿", [(Role.volunteer, village), (Role.villager, village)], li)
    person("13800000004", "王建国", [(Role.villager, village)], wang)
    committee = person("13800000005", "孙老师", [(Role.committee, village)])
    town_admin = person("13800000006", "周镇长", [(Role.town_admin, town)])
    person("13800000007", "陈志强", [(Role.villager, neighbour)], chen)
    session.add(User(name="王奶奶", household_id=wang.id))  # a member without a phone

    # 三级配套: the county puts its year's points in (1 分 = 1 元), then allocates each village's budget from them.
    year = local(utcnow()).year
    funds.post_entry(session, entry=funds.check_budget(org=county, year=year, points=2 * VILLAGE_BUDGET,
                                                       yuan=2 * VILLAGE_BUDGET, note="县级年度配套"),
                     actor_id=None, idempotency_key=None)
    for v in (village, neighbour):
        funds.post_entry(session, entry=funds.check_allocation(source=county, target=v, points=VILLAGE_BUDGET,
                                                               yuan=VILLAGE_BUDGET, note="年度积分预算拨付"),
                         actor_id=None, idempotency_key=None)
    awards = [
        (wang, 300, Category.filial, "照顾瘫痪老母亲多年，孝老爱亲"),
        (wang, 200, Category.hygiene, "庭院整洁，环境卫生评比第一"),
        (wang, 100, Category.public_good, "参加村道清雪志愿服务"),
        (li, 150, Category.public_good, "组织老年人义务理发"),
        (zhao, 80, Category.hard_work, "发展大棚种植带动邻里增收"),
        (chen, 120, Category.customs, "丧事简办，移风易俗"),
    ]
    for household, points, category, reason in awards:
        awarder = official.id if household.village_id == village.id else None
        # The demo world's history, written as it stands (a real county's credits go through credit_household).
        post_credit(session, household=household, points=points, reason=reason, category=category,
                    source=Source(TxnKind.award), actor_id=awarder)
    _demo_shop(session, village=village, attendant=attendant, official=official)
    seed_evaluation_demo(session, village=village, official=official, committee=committee)
    # 扫码兑换: 示范村's 核销码 live 15 minutes (its officials change it under 扫码兑换单). No request is made here:
    # a held request would change the balances every test of the demo world starts from.
    session.add(ShopRequestSetting(village_id=village.id, request_minutes=15, updated_by_id=official.id))
    seed_councils(session, village=village, neighbour=neighbour, official=official, town_admin=town_admin)
    seed_compact(session, village=village, official=official)  # before the disclosures: the road stays the newest
    seed_compact(session, village=neighbour, official=None)
    seed_disclosures(session, village=village, official=official, reader=li)
    seed_service_orders(session, village=village, town=town, county=county)
    session.flush()
    return True


def _demo_shop(session: Session, *, village: OrgUnit, attendant: User, official: User) -> None:
    """振风超市 of 示范村 with a dozen everyday goods and their photos."""
    shop = create_shop(session, village_id=village.id, name="振风超市", partner_name="示范村便民超市",
                       staff_user_ids=(attendant.id,))
    actor = load_actor(session, official)
    for item in json.loads((ASSETS / "goods.json").read_text()):
        goods = create_goods(session, actor=actor, shop=shop, name=item["name"], points_price=item["points_price"],
                             stock=item["stock"])
        photo = ASSETS / "goods" / f"{item['slug']}.jpg"
        if photo.exists():
            set_goods_photo(session, actor=actor, shop=shop, goods=goods,
                            photo=process_photo(photo.read_bytes()))


def _unit(session: Session, kind: str, name: str, parent_id: int | None) -> OrgUnit:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent_id)
    session.add(unit)
    session.flush()
    return unit


def _household(session: Session, village: OrgUnit, head: str, address: str) -> Household:
    household = Household(village_id=village.id, head_name=head, address=address)
    session.add(household)
    session.flush()
    open_household_account(session, household=household)
    return household
