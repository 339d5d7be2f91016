"""A village's monthly ledger root as a 财务 disclosure (issue #21 item 5), published by the system — no author, shown
as 振风系统（自动公示）, never revised — when app/ledger/chain.py closes the month. Registered with the ledger
(app/ledger/registry.py); app/domains.py imports this module."""

from sqlmodel import Session

from app.audit.service import record_action
from app.disclosure.models import DISCLOSURE_TARGET, Category, Disclosure, DisclosureAction, DisclosureVersion
from app.ledger.registry import PostedRoot, register_root_publisher
from app.timeutil import utcnow


def title_of(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月积分账本校验码"


def body_of(root: PostedRoot) -> str:
    """The disclosure's text, in the safe markup of 村务公开 (paragraphs and a list)."""
    return "\n".join([
        f"本村{int(root.month[:4])}年{int(root.month[5:7])}月的积分账已经封存。"
        f"下面的校验码是系统按本月全部 {root.count} 笔记账自动算出来的：任何一笔被改动，校验码就对不上。",
        "",
        f"- 月份：{int(root.month[:4])}年{int(root.month[5:7])}月",
        f"- 记账笔数：{root.count} 笔（本村账本第 {root.first_seq} 至 {root.last_seq} 笔）",
        f"- 月度校验码：{root.root}",
        f"- 账本链校验码（到第 {root.last_seq} 笔）：{root.chain}",
        "",
        "怎样核对：在手机上打开 积分 → 积分明细，点任何一笔旁边的“核对”，手机会自己把这一笔算进本月的校验码，"
        "和这里公示的比一比：显示“核对一致”，说明这笔账从记下到现在没有被改过。"
        "核对页面不用登录，也不会显示姓名。",
        "",
        "本公示由系统在月末自动发布，任何人都不能修改。",
    ])


def publish_ledger_root(session: Session, root: PostedRoot) -> int:
    """Publish the root as the village's 财务 disclosure (version 1, by the system); its id."""
    now, title = utcnow(), title_of(root.month)
    disclosure = Disclosure(village_id=root.village_id, category=Category.finance, title=title, version=1,
                            author_id=None, published_at=now)
    session.add(disclosure)
    session.flush()
    session.add(DisclosureVersion(disclosure_id=disclosure.id, version=1, title=title, body=body_of(root),
                                  author_id=None, created_at=now))
    record_action(session, actor_id=None, action=DisclosureAction.publish, village_id=root.village_id,
                  target_type=DISCLOSURE_TARGET, target_id=disclosure.id, target_label=title,
                  detail={"category": Category.finance, "ledger_root": root.root, "month": root.month})
    return disclosure.id  # type: ignore[return-value]


register_root_publisher(publish_ledger_root)
