"""The demo world's 村规民约: each village's text (adopted by its 村民会议 in 2023) and one past amendment, passed
through 四议两公开 and published as 第 2 版. 邻村 has no official among the demo accounts: its history is written by
its 村委会主任 (a person without an account), as the demo world's history stands."""

from datetime import date, timedelta

from sqlmodel import Session

from app.compact import service
from app.disclosure import decisions as dec
from app.disclosure.models import Step
from app.org.access import load_actor
from app.org.models import OrgUnit, Role, User
from app.timeutil import TIMEZONE, local, utcnow

PREAMBLE = ("为了建设文明和谐的美丽乡村，根据《中华人民共和国村民委员会组织法》等法律法规，经村民会议讨论通过，"
            "制定本村规民约，全体村民共同遵守。")
ARTICLES = [
    "学法守法。自觉遵守国家法律法规，不参与赌博、吸毒、封建迷信等活动。",
    "孝老爱亲。子女按时给老人赡养费，不得虐待、遗弃老人；村里每年评选好儿女、好媳妇。",
    "环境卫生实行门前三包（包卫生、包绿化、包秩序）。垃圾倒进指定垃圾桶，不乱堆柴草、不乱倒污水。",
    "婚事新办、丧事简办。红白事由红白理事会帮办，彩礼不超过 5 万元，宴席不超过 15 桌。",
    "邻里和睦、互帮互助。有矛盾先找村调解委员会调解，不打架斗殴。",
    "爱护村道、路灯、健身器材等公共设施，损坏的照价赔偿。",
    "遵守本村规民约的农户，在文明新风评比中加分；违反的，由村委会批评教育，在评比中扣分，情节严重的列入黑榜。"
    "由村委会主任负责执行，村务监督委员会监督。",
]
AMENDMENT = ("按县里移风易俗的新要求降低彩礼和宴席标准，并写明秸秆禁烧",
             [(4, "婚事新办、丧事简办。红白事由红白理事会帮办，彩礼不超过 3 万元，宴席不超过 10 桌，"
                  "丧事办理不超过 3 天。"),
              (8, "严禁焚烧秸秆和垃圾。秸秆交村里统一收储还田；发现焚烧的，由网格员劝阻，村委会通报，"
                  "在文明新风评比中扣分。")])
STEPS = [  # step, days after the start, attendance, expected, votes, minutes
    (Step.propose, 0, 5, 5, None, "村党支部提议按县移风易俗新要求修订村规民约第四条，新增秸秆禁烧条款。"),
    (Step.discuss, 5, 7, 7, None, "村两委联席会议商议，形成修订草案。"),
    (Step.review, 12, 28, 36, (26, 1, 1), "党员大会审议修订草案，赞成 26 票，通过。"),
    (Step.resolve, 20, 38, 45, (35, 2, 1), "村民代表会议表决，赞成 35 票，反对 2 票，弃权 1 票，决议通过。"),
    (Step.publish, 22, 3, None, None, "修订后的村规民约在村务公开栏和振风公开，第 2 版生效。"),
]


def seed_compact(session: Session, *, village: OrgUnit, official: User | None) -> None:
    """The village's 村规民约 (第 1 版) and its amendment, walked through to 第 2 版."""
    if official is None:  # 邻村: its 村委会主任, without an account, acting as its official
        official = User(name=f"{village.name}主任")
        session.add(official)
        session.flush()
    actor = load_actor(session, official)
    actor.covered.setdefault(Role.official, set()).add(village.id)  # type: ignore[arg-type]
    body = "\n\n".join([PREAMBLE, *(f"第{n}条 {t}" for n, t in zip("一二三四五六七", ARTICLES, strict=True))])
    service.create_compact(session, actor=actor, village_id=village.id, body=body, adopted_on=date(2023, 3, 15))
    today = local(utcnow(), TIMEZONE).date()
    start = today - timedelta(days=90)
    reason, changes = AMENDMENT
    amendment = service.propose_amendment(session, actor=actor, village_id=village.id, reason=reason,
                                          changes=changes, discussed_on=start + timedelta(days=3),
                                          discussion="村民议事会 9 人到会，同意修订；建议丧事天数写清楚。")
    decision = session.get(dec.Decision, amendment.decision_id)
    for step, day, attendance, expected, votes, minutes in STEPS:
        votes = votes or (None, None, None)
        dec.record_step(session, actor=actor, decision=decision, step=step, held_on=start + timedelta(days=day),
                        attendance=attendance, expected=expected, votes_for=votes[0], votes_against=votes[1],
                        votes_abstain=votes[2], minutes=minutes)
