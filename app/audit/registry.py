"""The audit log's vocabulary: every action a domain may record, and every kind of thing it acts on, each with the
words an official reads on 操作日志. A domain declares its own in one enum; the log refuses anything undeclared.

    @declare_actions
    class ShopAction(AuditAction):
        goods_create = "goods.create", "上架商品"

    declare_target("goods", "商品")
"""

from enum import StrEnum

ACTIONS: dict[str, "AuditAction"] = {}
TARGETS: dict[str, str] = {}
CATEGORY_WORDS: dict[str, dict[str, str]] = {}  # target kind → its `detail.category` codes in words


class AuditAction(StrEnum):
    """Base of each domain's declared actions: `member = "domain.verb", "中文标签"`."""

    label: str

    def __new__(cls, value: str, label: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def declare_actions(actions: type[AuditAction]) -> type[AuditAction]:
    """Register a domain's actions (a class decorator); one code names one action across all domains."""
    for action in actions:
        other = ACTIONS.get(action.value)
        if other is not None and other is not action:
            raise ValueError(f"audit action {action.value} is declared twice ({type(other).__name__})")
        ACTIONS[action.value] = action
    return actions


def declare_target(kind: str, noun: str) -> str:
    """Register a kind of thing actions are recorded against (household → 农户)."""
    if TARGETS.get(kind, noun) != noun:
        raise ValueError(f"audit target {kind} is declared twice")
    TARGETS[kind] = noun
    return kind


def declare_categories(kind: str, words: dict[str, str]) -> None:
    """How a `category` in the detail of lines about `kind` reads (a disclosure's finance → 财务); lines about any
    other kind read it as a points category (热心公益 …)."""
    CATEGORY_WORDS[kind] = {str(code): label for code, label in words.items()}


def declared(action: str) -> AuditAction:
    """The declared action for a code; an undeclared one is a programming error, refused before it is written."""
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"undeclared audit action {action!r}: declare it with @declare_actions") from None


def label_of(action: str) -> str:
    found = ACTIONS.get(action)
    return found.label if found is not None and found.label else "其他操作"
