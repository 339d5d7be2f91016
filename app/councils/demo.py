"""The demo world's 一约四会: each village's four councils; 示范村's with members appointed by 张书记 and one
published meeting of its 村民议事会 (a resolution passed); 邻村's 村民议事会 with 陈志强 (邻村 has no official in the
demo world: the seat is written as its history, appointed by the town admin)."""

from datetime import date, timedelta

from sqlmodel import Session, select

from app.councils import service
from app.councils.models import Council, CouncilKind, CouncilMember
from app.org.access import load_actor
from app.org.models import OrgUnit, User

# (council, phone or name, title): 示范村's people — the villagers 王建国 and 李志愿, 王奶奶 (no phone), the
# committee member 孙老师 and the attendant 刘店长 (both of the village by their roles).
SEATS = [
    (CouncilKind.assembly, "13800000004", "会长"), (CouncilKind.assembly, "13800000003", "成员"),
    (CouncilKind.assembly, "13800000005", "成员"), (CouncilKind.assembly, "王奶奶", "成员"),
    (CouncilKind.ceremonies, "13800000005", "会长"), (CouncilKind.ceremonies, "王奶奶", "成员"),
    (CouncilKind.morals, "13800000005", "会长"), (CouncilKind.morals, "13800000004", "成员"),
    (CouncilKind.drugs, "13800000003", "会长"), (CouncilKind.drugs, "13800000002", "成员"),
]


def seed_councils(session: Session, *, village: OrgUnit, neighbour: OrgUnit, official: User, town_admin: User
                  ) -> None:
    for v in (village, neighbour):
        service.start_councils(session, village=v)
    actor = load_actor(session, official)
    today = service.today()
    start = date(today.year, 1, 1) if today.month > 1 else date(today.year - 1, 1, 1)
    end = date(start.year + 3, 1, 1) - timedelta(days=1)
    councils = {c.kind: c for c in service.councils_of(session, village_id=village.id)}
    people = {u.phone or u.name: u for u in service.people_of(session, village_id=village.id)}
    for kind, who, title in SEATS:
        service.appoint(session, actor=actor, council=councils[kind], user_id=people[who].id, title=title,
                        start_on=start, end_on=end)
    assembly = councils[CouncilKind.assembly]
    present = [people[p].id for p in ("13800000004", "13800000003", "13800000005")]
    meeting = service.record_meeting(
        session, actor=actor, council=assembly, held_on=max(start, today - timedelta(days=12)), place="村委会议室",
        topics="1. 村道两侧柴草堆放整治\n2. 春节前环境卫生大扫除安排", attendee_ids=present,
        minutes="会长王建国主持。大家认为柴草堆放占道、有火灾隐患，同意限期清理，由各组组长督促；"
                "大扫除定在腊月二十，每户出一人。")
    service.add_resolution(session, actor=actor, meeting=meeting, text="村道两侧柴草一个月内清理完毕，今后不得占道堆放",
                           votes_for=3, votes_against=0, votes_abstain=0)
    service.publish_meeting(session, actor=actor, meeting=meeting)
    chen = session.exec(select(User).where(User.phone == "13800000007")).one()
    other = session.exec(select(Council).where(Council.village_id == neighbour.id,
                                               Council.kind == CouncilKind.assembly)).one()
    session.add(CouncilMember(council_id=other.id, village_id=neighbour.id, user_id=chen.id, title="会长",
                              start_on=start, end_on=end, appointed_by=town_admin.id))
    session.flush()
