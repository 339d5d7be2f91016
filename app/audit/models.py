"""The append-only audit log of officials' and admins' writes."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.timeutil import ts_column, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    action: str = Field(sa_type=String(50))
    target_type: str = Field(sa_type=String(30))
    target_id: int | None = None
    # The target's name when the action was taken (王建国, 鸡蛋 30枚, #12): the log keeps what it said then.
    target_label: str = Field(default="", sa_type=String(100), sa_column_kwargs={"server_default": ""})
    reason: str = Field(default="", sa_type=String(500))
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
make_append_only(AuditEntry.__table__)
