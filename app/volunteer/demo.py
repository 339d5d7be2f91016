"""The demo world's 新时代文明实践站 of 示范村: a menu, a volunteer team, orders in each stage of their life."""

from datetime import timedelta

from sqlmodel import Session, select

from app.org.access import load_actor, own_household
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User
from app.timeutil import utcnow
from app.volunteer import catalogue, service
from app.volunteer.models import Level, VolunteerService

MENU = [  # name, category, description, provider, standard hours
    ("理发", "生活服务", "上门为老人、行动不便的村民理发", "示范村巧手志愿队", 1),
    ("代购药品", "医疗健康", "按药方或清单到镇卫生院、药店代买药品送上门", "示范村巧手志愿队", 2),
    ("陪同就医", "医疗健康", "陪老人到镇卫生院或县医院看病、取药", "示范村巧手志愿队", 4),
    ("家电维修", "维修帮忙", "电视、电饭锅、电灯等小家电的检查和维修", "示范村巧手志愿队", 2),
    ("读报聊天", "文化陪伴", "给独居老人读报、聊天、讲讲村里的新鲜事", "示范村巧手志愿队", 1),
    ("打扫卫生", "生活服务", "帮独居老人打扫房间和院子", "示范村巧手志愿队", 2),
    ("代办证件", "政策宣讲", "帮忙准备材料，代办社保、医保、证件等", "示范村巧手志愿队", 2),
]
TOWN_MENU = [("政策宣讲进院坝", "政策宣讲", "镇实践所的宣讲员上门讲解惠农、养老、医保政策",
              "清河镇新时代文明实践所", 1)]
COUNTY_MENU = [("义诊体检", "医疗健康", "县实践中心组织医生下乡量血压、测血糖", "振风县新时代文明实践中心", 2)]


def seed_service_orders(session: Session, *, village: OrgUnit, town: OrgUnit, county: OrgUnit) -> None:
    """The menu at the three levels, 巧手志愿队 (李志愿 and 赵小军), and orders: rated, completed, accepted,
    dispatched and new."""
    official = load_actor(session, _user(session, "13800000001"))
    town_admin = load_actor(session, _user(session, "13800000006"))
    volunteer = _user(session, "13800000003")
    villager = load_actor(session, _user(session, "13800000004"))
    zhao = session.exec(select(Household).where(Household.head_name == "赵德明",
                                                Household.village_id == village.id)).one()
    second = User(name="赵小军", phone="13800000031", password_hash=volunteer.password_hash, household_id=zhao.id)
    session.add(second)
    session.flush()
    for role in (Role.volunteer, Role.villager):
        session.add(RoleAssignment(user_id=second.id, role=role, org_id=village.id))
    session.flush()
    services = {}
    for rows, level, actor in ((MENU, Level.village, official), (TOWN_MENU, Level.township, town_admin)):
        for name, category, description, provider, hours in rows:
            services[name] = catalogue.create_service(
                session, actor=actor, village_id=village.id, name=name, category=category, description=description,
                provider=provider, standard_hours=hours, level=level, idempotency_key=None)
    for name, category, description, provider, hours in COUNTY_MENU:  # the demo world has no county admin
        session.add(VolunteerService(org_id=county.id, level=Level.county, name=name, category=category,
                                     description=description, provider=provider, standard_minutes=hours * 60))
    catalogue.create_team(session, actor=official, unit=village, name="巧手志愿队",
                                 description="理发、维修、陪护，随叫随到", member_ids=[volunteer.id, second.id],
                                 idempotency_key=None)
    li = load_actor(session, volunteer)
    wang = own_household(session, villager)

    def order(actor, name, description, **kw):
        return service.place_order(session, actor=actor, service_id=services[name].id, wish="",
                                   description=description, address=kw.get("address", ""),
                                   preferred_time=kw.get("time", ""), household_id=kw.get("household_id"),
                                   for_name=kw.get("for_name", ""), idempotency_key=None, now=kw.get("now"))

    done = order(villager, "理发", "给家里老母亲理个发，她腿脚不方便", time="周六上午")
    service.dispatch(session, actor=official, order=done, volunteer_user_id=volunteer.id, team_id=None)
    service.accept(session, actor=li, order=done)
    service.complete(session, actor=li, order=done, hours=1, note="理发完成，老人很满意")
    service.rate(session, actor=villager, order=done, stars=5, comment="小李手艺好，又耐心，谢谢！")

    chat = service.place_order(session, actor=villager, service_id=None, wish="教我用手机视频",
                               description="想学会用手机和在外打工的儿子视频", address="", preferred_time="晚饭后",
                               household_id=None, for_name="", idempotency_key=None)
    service.accept(session, actor=li, order=chat)
    service.complete(session, actor=li, order=chat, hours=1, note="教会了打视频电话，写了步骤贴在墙上")

    doctor = order(official, "陪同就医", "王奶奶要去镇卫生院复查血压", household_id=wang.id, for_name="王奶奶",
                   time="下周二上午")
    service.dispatch(session, actor=official, order=doctor, volunteer_user_id=volunteer.id, team_id=None)
    service.accept(session, actor=li, order=doctor)

    order(official, "代购药品", "赵大爷的降压药吃完了，药方在家里", household_id=zhao.id, for_name="赵德明",
          now=utcnow() - timedelta(hours=30))  # not dispatched within 24 hours: flagged on the board
    repair = order(villager, "家电维修", "电饭锅不加热了", time="这两天都行")
    service.dispatch(session, actor=official, order=repair, volunteer_user_id=volunteer.id, team_id=None)
    order(villager, "读报聊天", "王奶奶一个人在家闷，想有人陪她说说话", for_name="王奶奶", time="下午")
    papers = order(villager, "代办证件", "帮王奶奶办医保卡补办", for_name="王奶奶")
    zhao_xiaojun = load_actor(session, second)
    service.accept(session, actor=zhao_xiaojun, order=papers)
    service.complete(session, actor=zhao_xiaojun, order=papers, hours=3.5,
                     note="跑了两趟镇政务中心，材料已交，卡下周寄到")  # above the 2 hours: the station decides


def _user(session: Session, phone: str) -> User:
    return session.exec(select(User).where(User.phone == phone)).one()
