"""小微权力清单: the village's published list of small powers (who approves what, in which steps, within what
time), kept in versions like disclosures: a change publishes a whole new version (第 N 版); earlier versions stay
readable with who published them and when. A new village starts with the plan's list (DEFAULT_POWERS)."""

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit.service import record_action
from app.disclosure.models import POWERS_TARGET, DisclosureAction, SmallPower, SmallPowerItem, SmallPowerVersion
from app.errors import Conflict, NotFound, ValidationFailed
from app.org.access import LIST_KEEPERS, Actor
from app.org.models import OrgUnit
from app.org.starters import register_village_starter
from app.text import clean_text

MAX_ITEMS = 100
FIELDS = ("kind", "name", "who", "steps", "time_limit", "basis", "oversight")
# (field, label, max length, required, multiline)
RULES = [("kind", "类别", 30, False, False), ("name", "事项名称", 60, True, False),
         ("who", "谁来批准", 200, True, False), ("steps", "办理步骤", 2000, True, True),
         ("time_limit", "办理时限", 60, False, False), ("basis", "依据", 200, False, False),
         ("oversight", "监督", 200, False, False)]

_OVERSIGHT = "村务监督委员会 · 乡镇纪委"
# The plan's list (county plan §三: 小微权力清单), as a new village starts: kind, name, who, steps, limit, basis.
DEFAULT_POWERS = [
    ("便民服务", "低保申请", "村民代表评议，乡镇政府审批",
     ("农户申请", "村委会入户调查", "村民代表会议评议", "评议结果村内公示 7 天", "报乡镇民政办审核、审批"),
     "30 个工作日", "《社会救助暂行办法》"),
    ("便民服务", "宅基地审批", "村委会初审，乡镇政府审批",
     ("农户提出书面申请", "村民小组会议讨论", "村委会审查并公示 5 天", "报乡镇自然资源所审核", "乡镇政府批准并发证"),
     "20 个工作日", "《土地管理法》第六十二条"),
    ("集体“三资”管理", "集体资产出租", "村民代表会议决定",
     ("村两委提出出租方案", "村民代表会议表决", "公共资源交易平台公开招租", "签订合同并公开"),
     "45 天", "村集体经济组织财务管理办法"),
    ("工程项目", "小额工程项目", "村两委会议决定",
     ("村两委提出方案", "三家以上询价比价", "村务监督委员会全程监督", "验收后公开结算"),
     "工程完工后 15 天内公开", "县小微权力清单"),
    ("工程项目", "重大工程项目", "村民代表会议决议（四议两公开）",
     ("党组织提议", "两委会商议", "党员大会审议", "村民代表会议决议", "决议公开", "实施结果公开"),
     "按项目", "四议两公开工作法"),
    ("集体“三资”管理", "村级财务报账", "村务监督委员会审核，乡镇农经站审核",
     ("经办人取得票据并签字", "村务监督委员会审核", "村书记审批", "乡镇农经站审核入账", "每月公开"),
     "每月 10 日前", "村级财务管理制度"),
    ("便民服务", "困难群众临时救助", "村委会受理，乡镇政府审批",
     ("农户申请", "村委会核实", "村内公示 3 天", "报乡镇审批发放"),
     "10 个工作日（急难情况先行救助）", "《临时救助制度》"),
    ("村务管理", "文明积分奖励", "村两委评议，村内公示",
     ("农户申报或村民推荐", "评比委员会评议", "村内公示 3 天", "录入积分"),
     "每月一次", "本县文明积分管理办法"),
    ("党务管理", "发展党员", "党支部大会讨论，乡镇党委审批",
     ("入党申请", "确定积极分子并培养一年以上", "确定发展对象并公示", "支部大会讨论", "乡镇党委审批"),
     "按党章规定", "《中国共产党发展党员工作细则》"),
    ("便民服务", "证明类事项出具", "村委会主任",
     ("村民提出申请", "村委会核实情况", "主任签字盖章", "登记备查"),
     "当场办结（需核实的 3 个工作日）", "村务管理制度"),
]


def default_items(rows=DEFAULT_POWERS, *, oversight: str = _OVERSIGHT) -> list[SmallPowerItem]:
    return [SmallPowerItem(kind=kind, name=name, who=who, steps="\n".join(steps), time_limit=limit, basis=basis,
                           oversight=oversight) for kind, name, who, steps, limit, basis in rows]


# --- reading ----------------------------------------------------------------------------------------------------

def current_version(session: Session, *, village_id: int) -> int:
    """The number of the village's list in force (0: none published yet)."""
    return session.exec(select(func.max(SmallPowerVersion.version))
                        .where(SmallPowerVersion.village_id == village_id)).one() or 0


def small_powers(session: Session, *, village_id: int, version: int | None = None) -> list[SmallPower]:
    """The entries of one version of the village's list (the one in force when `version` is None)."""
    version = current_version(session, village_id=village_id) if version is None else version
    return list(session.exec(select(SmallPower).where(SmallPower.village_id == village_id,
                                                      SmallPower.version == version)
                             .order_by(SmallPower.position, SmallPower.id)))


def versions(session: Session, *, village_id: int) -> list[SmallPowerVersion]:
    """Every version of the village's list, the newest first."""
    return list(session.exec(select(SmallPowerVersion).where(SmallPowerVersion.village_id == village_id)
                             .order_by(SmallPowerVersion.version.desc())))


def version_of(session: Session, *, village_id: int, version: int) -> SmallPowerVersion:
    row = session.exec(select(SmallPowerVersion).where(SmallPowerVersion.village_id == village_id,
                                                       SmallPowerVersion.version == version)).first()
    if row is None:
        raise NotFound("找不到该版本的小微权力清单")
    return row


def as_items(rows: list[SmallPower]) -> list[SmallPowerItem]:
    return [SmallPowerItem(**{f: getattr(row, f) for f in FIELDS}) for row in rows]


# --- publishing a new version -----------------------------------------------------------------------------------

def _clean(items: list[SmallPowerItem]) -> list[SmallPowerItem]:
    if not items:
        raise ValidationFailed("清单至少要有一项", field="items")
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"清单最多 {MAX_ITEMS} 项", field="items")
    cleaned = []
    for number, item in enumerate(items, start=1):
        values = {}
        for name, label, length, required, multiline in RULES:
            values[name] = clean_text(getattr(item, name), label=f"第 {number} 项的{label}", max_length=length,
                                      required=required, multiline=multiline, field=name)
        cleaned.append(SmallPowerItem(**values))
    return cleaned


def publish_powers(session: Session, *, actor: Actor | None, village_id: int, items: list[SmallPowerItem],
                   note: str = "", base_version: int | None = None) -> SmallPowerVersion:
    """Publish the village's list as a new version (an official; `actor` None is the system starting a village).
    `base_version` is the version the editor started from: another one in force meanwhile is refused (409), so
    nobody overwrites a change they did not see. A list the same as the one in force publishes nothing (a double
    tap, even from the version before) and answers with the version in force."""
    if actor is not None:
        actor.require(village_id, LIST_KEEPERS, "只有本村村干部可以修改小微权力清单")
    items = _clean(items)
    note = clean_text(note, label="修改说明", max_length=200, required=False, field="note")
    current = current_version(session, village_id=village_id)
    if current and as_items(small_powers(session, village_id=village_id, version=current)) == items:
        return version_of(session, village_id=village_id, version=current)  # a double tap: what it made
    if base_version is not None and base_version != current:
        raise Conflict(f"清单已有新的第 {current} 版，请刷新后在新版本上修改")
    row = SmallPowerVersion(village_id=village_id, version=current + 1, note=note,
                            created_by_id=actor.id if actor else None)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # another official's version with the same number, committed a moment ago
        raise Conflict("清单刚刚被别人修改，请刷新后再改") from exc
    session.add_all([SmallPower(village_id=village_id, version=row.version, position=position, **item.model_dump())
                     for position, item in enumerate(items, start=1)])
    record_action(session, actor_id=actor.id if actor else None, action=DisclosureAction.powers_publish,
                  village_id=village_id, target_type=POWERS_TARGET, target_id=row.id,
                  target_label=f"第 {row.version} 版", reason=note,
                  detail={"version": row.version, "items": len(items)})
    session.flush()
    return row


def edit_one(session: Session, *, actor: Actor, village_id: int, base_version: int, position: int | None,
             item: SmallPowerItem | None) -> SmallPowerVersion:
    """A page's change of one entry, as a new version: `position` (1-based) replaced by `item`, removed (`item`
    None), or `item` added at the end (`position` None)."""
    items = as_items(small_powers(session, village_id=village_id, version=base_version))
    if position is not None and not 1 <= position <= len(items):
        raise NotFound("找不到该事项，请刷新后再改")
    if position is None and item is not None:
        items.append(item)
        note = f"新增：{item.name.strip()[:60]}"
    elif item is None:
        note = f"删除：{items.pop(position - 1).name}"
    else:
        note = f"修改：{items[position - 1].name}"
        items[position - 1] = item
    return publish_powers(session, actor=actor, village_id=village_id, items=items, note=note,
                          base_version=base_version)


def start_small_powers(session: Session, *, village_id: int, actor_id: int | None = None,
                       items: list[SmallPowerItem] | None = None) -> None:
    """A new village's 第 1 版: the plan's list (or `items`), once (a village with a list keeps its own)."""
    if current_version(session, village_id=village_id):
        return
    row = SmallPowerVersion(village_id=village_id, version=1, note="按县方案的默认清单，可按本村实际修改",
                            created_by_id=actor_id)
    session.add(row)
    session.flush()
    session.add_all([SmallPower(village_id=village_id, version=1, position=position, **item.model_dump())
                     for position, item in enumerate(items or default_items(), start=1)])
    session.flush()


@register_village_starter
def _start(session: Session, *, village: OrgUnit, actor_id: int | None) -> None:
    start_small_powers(session, village_id=village.id, actor_id=actor_id)
