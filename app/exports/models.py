"""What the audit log says of an export: one line for each file handed out, detail {"from", "to", "rows",
"unit"} (the unit is the line's target; a township's or county's export belongs to no one village)."""

from app.audit.registry import AuditAction, declare_actions


@declare_actions
class ExportAction(AuditAction):
    households = "export.households", "导出农户积分表"
    ledger = "export.ledger", "导出积分明细"
    evaluations = "export.evaluations", "导出评比结果"
    volunteer_hours = "export.volunteer_hours", "导出志愿服务时长"
    report = "export.report", "导出中期评估报告"  # app/dashboard: the report.xlsx of a unit and period
