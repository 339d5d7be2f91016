"""Each village's rules, one shape and one door (issue #16 item 4).

Every table of village rules has the same shape — `id`, `village_id` (unique, org_units), the rules themselves,
`updated_by_id` (users, empty until someone sets them) and `updated_at` — and is read and written here:
- a domain declares its kind once (`declare_kind`): the table, the rules one may set with their bounds and labels,
  who may set them, the defaults of a village that has not;
- `read_settings(session, kind, village_id)`: the village's row, or the defaults (not added to the session);
- `write_settings(session, actor=…, kind=…, village_id=…, values=…)`: checks the role and every value (whole numbers
  within the rule's bounds, then the domain's own check), records who and when, and writes one audit line,
  `OrgAction.village_settings`, with {"kind", "changed": {rule: [before, after]}}.
This module imports no domain (the domains import it), so the ledger may use it too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import ValidationFailed
from app.ids import int_within
from app.org.access import Actor, RoleSet
from app.org.models import VILLAGE_TARGET, OrgAction, OrgUnit
from app.timeutil import utcnow


@dataclass(frozen=True)
class Rule:
    """One rule a village may set: a whole number in `low`..`high`. `message` overrides the words of a refusal
    ({low}, {high}, {label} filled in); `field` names it in a refusal when the form or body calls it otherwise."""

    low: int
    high: int
    label: str
    message: str = "{label}应为 {low} 到 {high} 之间的整数"
    field: str | None = None

    def refuse(self, key: str) -> ValidationFailed:
        return ValidationFailed(self.message.format(label=self.label, low=self.low, high=self.high),
                                field=self.field or key)


# A domain's own check of the values about to be set (e.g. within the town's bound): raises ValidationFailed.
Check = Callable[[Session, int, dict[str, int]], None]


@dataclass(frozen=True)
class SettingsKind:
    name: str  # written in the audit line's detail ("kind")
    model: Any  # the table (SQLModel class) of the one shape
    rules: Mapping[str, Rule]
    writers: RoleSet  # who may set them (a role set of app/org/access.py)
    forbidden: str  # the words of a refusal to anyone else
    label: str  # what these rules are, in words (修改服务规则 …)
    defaults: Mapping[str, int] = field(default_factory=dict)  # defaults the model does not carry itself
    describe: Callable[[dict], str] | None = None  # the words of one change, from its `changed` (else `label`)

    def words(self, changed: dict) -> str:
        return self.describe(changed) if self.describe else self.label


KINDS: dict[str, SettingsKind] = {}


def declare_kind(kind: SettingsKind) -> SettingsKind:
    if KINDS.get(kind.name, kind) is not kind:
        raise ValueError(f"village settings kind {kind.name} is declared twice")
    KINDS[kind.name] = kind
    return kind


def kind_of(kind: SettingsKind | str) -> SettingsKind:
    return kind if isinstance(kind, SettingsKind) else KINDS[kind]


def read_settings(session: Session, kind: SettingsKind | str, village_id: int) -> Any:
    """The village's rules: its row, or the defaults until someone sets them (then not added to the session)."""
    kind = kind_of(kind)
    row = session.exec(select(kind.model).where(kind.model.village_id == village_id)).first()
    return row if row is not None else kind.model(village_id=village_id, **kind.defaults)


def read_many(session: Session, kind: SettingsKind | str, village_ids: list[int]) -> dict[int, Any]:
    """`read_settings` for several villages in one query (a township's or county's page of its villages)."""
    kind = kind_of(kind)
    rows = {row.village_id: row for row in session.exec(
        select(kind.model).where(kind.model.village_id.in_(village_ids)))} if village_ids else {}
    return {v: rows.get(v) or kind.model(village_id=v, **kind.defaults) for v in village_ids}


def write_settings(session: Session, *, actor: Actor, kind: SettingsKind | str, village_id: int,
                   values: Mapping[str, object], check: Check | None = None, partial: bool = True) -> Any:
    """Set some of the village's rules (a None value leaves that rule as it is, unless not `partial`: then it is
    refused like any value out of bounds). Nothing is written when nothing changes on a row that exists; otherwise
    the row records who and when, and one audit line what changed."""
    kind = kind_of(kind)
    actor.require(village_id, kind.writers, kind.forbidden)
    wanted: dict[str, int] = {}
    for key, value in values.items():
        if value is None and partial:
            continue
        rule = kind.rules.get(key)
        if rule is None:
            raise ValidationFailed(f"不能修改 {key}", field=key)
        if not int_within(value, rule.low, rule.high):
            raise rule.refuse(key)
        wanted[key] = value  # type: ignore[assignment]  (int_within: an int)
    if check is not None:
        check(session, village_id, wanted)
    row = read_settings(session, kind, village_id)
    before = {key: getattr(row, key) for key in kind.rules}
    for key, value in wanted.items():
        setattr(row, key, value)
    changed = {key: [before[key], getattr(row, key)] for key in kind.rules if before[key] != getattr(row, key)}
    if row.id is not None and not changed:
        return row
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    session.add(row)
    session.flush()
    unit = session.get(OrgUnit, village_id)
    record_action(session, actor_id=actor.id, action=OrgAction.village_settings, village_id=village_id,
                  target_type=VILLAGE_TARGET, target_id=village_id, target_label=unit.name if unit else "",
                  detail={"kind": kind.name, "changed": changed,
                          "changes": [f"{kind.rules[key].label}：{a} → {b}" for key, (a, b) in changed.items()]})
    return row
