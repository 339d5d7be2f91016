"""示范村's 村务公开 for the demo world: disclosures in all four categories (one revised, a finance one with a table),
a 四议两公开 decision part-way through its steps, and the village's 小微权力清单."""

from datetime import date, timedelta

from sqlmodel import Session, select

from app.disclosure import decisions as dec
from app.disclosure import powers, service
from app.disclosure.models import Step
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, User

DISCLOSURES = [
    ("party", "2026年第三季度党费收缴情况公示",
     "根据《中国共产党章程》和党费收缴有关规定，现将本村党支部第三季度党费收缴情况公示如下：\n\n"
     "| 项目 | 人数 | 金额（元） |\n|---|---:|---:|\n| 应缴党员 | 36 | 1,296.00 |\n"
     "| 实缴党员 | 36 | 1,296.00 |\n| 上缴镇党委 | — | 1,296.00 |\n\n"
     "公示期 7 天。如有疑问，请向村党支部书记张书记反映。"),
    ("affairs", "关于2026年度低保户评议结果的公示",
     "经农户申请、村民代表评议，以下农户拟纳入 2026 年度农村最低生活保障：\n\n"
     "1. 三组 赵某某：因病致贫，家庭人均收入低于当地低保标准；\n"
     "2. 五组 钱某某：独居老人，无劳动能力；\n\n"
     "公示期 7 天（11 月 20 日至 11 月 27 日）。对评议结果有异议的，可向村委会或清河镇民政办反映。"),
    ("finance", "2026年10月村级财务收支公开",
     "本月村集体收支情况如下（单位：元）：\n\n"
     "| 科目 | 收入 | 支出 |\n|---|---:|---:|\n"
     "| 集体土地租金 | 48,000.00 | |\n| 光伏电站收益 | 12,360.00 | |\n"
     "| 村道路灯维修 | | 6,800.00 |\n| 垃圾清运服务费 | | 4,500.00 |\n"
     "| 村委会办公费 | | 1,236.50 |\n| **合计** | **60,360.00** | **12,536.50** |\n\n"
     "月末结余 47,823.50 元，存于村集体账户。原始凭证在村委会财务室，村民可随时查阅。"),
    ("service", "冬季城乡居民医保缴费开始啦",
     "2027 年度城乡居民基本医疗保险开始缴费：\n\n"
     "- 个人缴费标准：每人 400 元；\n- 缴费时间：即日起至 12 月 31 日；\n"
     "- 缴费方式：微信“国家医保服务平台”、村委会代缴窗口（每周一、三、五上午）。\n\n"
     "年满 60 岁的低保户、特困人员由财政代缴，无需本人缴费。"),
    ("affairs", "村道硬化工程招标结果公告",
     "经村民代表会议决议，三组至五组村道硬化工程（长 1.2 公里）已于 11 月 10 日在镇公共资源交易中心公开招标。\n\n"
     "中标单位：清河镇某某建筑有限公司\n\n中标价：386,000 元\n\n工期：60 天。欢迎村民监督施工质量。"),
    ("service", "村卫生室冬季义诊通知",
     "12 月 6 日（周六）上午 8:30，县人民医院专家到村卫生室义诊：\n\n"
     "- 免费测血压、血糖；\n- 老年人慢性病随访；\n\n请行动不便的老人提前告诉村医，可上门服务。"),
]

REVISION = ("2026年10月村级财务收支公开",
            "本月村集体收支情况如下（单位：元）：\n\n"
            "| 科目 | 收入 | 支出 |\n|---|---:|---:|\n"
            "| 集体土地租金 | 48,000.00 | |\n| 光伏电站收益 | 12,360.00 | |\n"
            "| 村道路灯维修 | | 6,800.00 |\n| 垃圾清运服务费 | | 4,500.00 |\n"
            "| 村委会办公费 | | 1,236.50 |\n| **合计** | **60,360.00** | **12,536.50** |\n\n"
            "月末结余 47,823.50 元，存于村集体账户。原始凭证在村委会财务室，村民可随时查阅。\n\n"
            "附：路灯维修发票号 No.00231876，由三组组长王某某验收。",
            "补充路灯维修发票号和验收人")

# The demo village's 小微权力清单: the plan's list every new village starts with, and two of its own after its
# 便民服务 entries.
POWERS = [
    *powers.DEFAULT_POWERS[:7],
    ("便民服务", "计划生育奖励扶助", "村委会初审，县卫健局审批",
     ("本人申请", "村委会初审公示", "镇卫健办复核", "县卫健局审批"),
     "每年 3 月集中办理", "农村部分计划生育家庭奖励扶助制度"),
    ("村务管理", "村民建房占道审批", "村委会审批",
     ("村民申请", "村委会现场查看", "签订安全承诺书", "期满恢复原状"),
     "3 个工作日", "村规民约第八条"),
    *powers.DEFAULT_POWERS[7:],
]
OVERSIGHT = "村务监督委员会 · 清河镇纪委监督电话 0000-1234567"


def seed_disclosures(session: Session, *, village: OrgUnit, official: User, reader: Household | None = None) -> None:
    actor = load_actor(session, official)
    made = []
    for category, title, body in DISCLOSURES:
        made.append(service.publish(session, actor=actor, village_id=village.id, category=category, title=title,
                                    body=body))
    finance = made[2]
    title, body, reason = REVISION
    service.revise(session, actor=actor, disclosure=finance, title=title, body=body, reason=reason)
    if reader is not None:
        reader_user = session.exec(select(User).where(User.household_id == reader.id, User.phone.is_not(None))).first()
        if reader_user is not None:
            reader_actor = load_actor(session, reader_user)
            for disclosure in made[:2]:
                service.record_read(session, actor=reader_actor, disclosure=disclosure)
    decision = dec.create_decision(session, actor=actor, village_id=village.id, title="三组至五组村道硬化工程",
                                   summary="硬化村道 1.2 公里，预算 40 万元，资金来源：县“一事一议”奖补 25 万元，"
                                           "村集体自筹 15 万元。")
    start = date.today() - timedelta(days=40)
    steps = [
        (Step.propose, 0, 7, 7, None, "村党支部提议硬化三组至五组村道，解决雨天出行难。"),
        (Step.discuss, 6, 9, 9, None, "村两委联席会议商议，形成初步方案和预算。"),
        (Step.review, 12, 31, 36, (30, 0, 1), "党员大会审议方案，赞成 30 票，弃权 1 票，通过。"),
        (Step.resolve, 18, 42, 45, (40, 1, 1), "村民代表会议表决，赞成 40 票，反对 1 票，弃权 1 票，决议通过。"),
    ]
    for step, day, attendance, expected, votes, minutes in steps:
        votes = votes or (None, None, None)
        dec.record_step(session, actor=actor, decision=decision, step=step, held_on=start + timedelta(days=day),
                        attendance=attendance, expected=expected, votes_for=votes[0], votes_against=votes[1],
                        votes_abstain=votes[2], minutes=minutes)
    powers.start_small_powers(session, village_id=village.id, actor_id=official.id,
                              items=powers.default_items(POWERS, oversight=OVERSIGHT))
