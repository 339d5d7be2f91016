"""Making an export: the unit's villages, the file streamed from the domain's rows with its 说明 (who, when, which
period), and the audit line that records who took which file."""

from datetime import datetime

from sqlmodel import Session

from app.audit.registry import AuditAction
from app.audit.service import record_action
from app.exports.catalogue import Export
from app.exports.workbook import Cover, ExportFile, stream_workbook
from app.org.access import Actor, export_role, villages_under
from app.org.models import ORG_KIND_LABELS, ORG_UNIT_TARGET, ROLE_LABELS, OrgKind, OrgUnit
from app.timeutil import Period, local, utcnow


def build_export(session: Session, *, actor: Actor, unit: OrgUnit, export: Export, period: Period, tz: str,
                 now: datetime | None = None) -> ExportFile:
    """The unit's file of this kind for the period (from `access.export_unit`), streamed into a spooled file."""
    villages = sorted(villages_under(session, unit.id))  # type: ignore[arg-type]
    role = export_role(session, actor, unit)
    cover = Cover(title=f"{unit.name}{export.title}", unit=f"{unit.name}（{ORG_KIND_LABELS[OrgKind(unit.kind)]}）",
                  period=period.label, produced_by=f"{actor.user.name}（{ROLE_LABELS[role]}）",
                  produced_at=local(now or utcnow(), tz), notes=export.notes)
    return stream_workbook(cover=cover, sheet=export.sheet, columns=export.columns,
                           rows=export.rows(session, villages, period, tz))


def record_export(session: Session, *, actor: Actor, unit: OrgUnit, action: AuditAction, period: Period,
                  rows: int) -> None:
    """One line of the audit log for a file handed out (an export, the report): a village's in its own log, a
    township's or the county's in none (they belong to no one village)."""
    record_action(session, actor_id=actor.id, action=action,
                  village_id=unit.id if unit.kind == OrgKind.village else None, target_type=ORG_UNIT_TARGET,
                  target_id=unit.id, target_label=unit.name,
                  detail={"from": period.first, "to": period.last, "rows": rows})


def file_names(unit: OrgUnit, export: Export, period: Period) -> tuple[str, str]:
    """The file's name in Chinese (清河镇积分明细2026-01至2026-12.xlsx) and in ASCII for old browsers."""
    span = period.first if period.first == period.last else f"{period.first}至{period.last}"
    ascii_span = period.first if period.first == period.last else f"{period.first}_{period.last}"
    return f"{unit.name}{export.title}{span}.xlsx", f"{export.slug}-{unit.id}-{ascii_span}.xlsx"
