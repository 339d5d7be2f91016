"""Handing a built workbook out over HTTP (an export, the 中期评估 report): one audit line in a short write of its
own, then the file streamed with its Chinese and ASCII names."""

from urllib.parse import quote

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from app.audit.registry import AuditAction
from app.db import write_session
from app.exports import service
from app.exports.workbook import ExportFile
from app.org.access import Actor
from app.org.models import OrgUnit
from app.timeutil import Period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hand_out(made: ExportFile, *, names: tuple[str, str], action: AuditAction, actor: Actor, unit: OrgUnit,
             period: Period, session: Session, engine: Engine) -> StreamingResponse:
    """A built file handed out: recorded in the audit log (a short write of its own, the read session ended first:
    the long read holds no writer), then streamed with its Chinese and ASCII names."""
    try:
        session.rollback()  # the read is over
        with write_session(engine) as writer:
            service.record_export(writer, actor=actor, unit=unit, action=action, period=period, rows=made.rows)
            writer.commit()
    except BaseException:
        made.file.close()
        raise
    name, ascii_name = names
    return StreamingResponse(made.chunks(), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Content-Length": str(made.size), "Cache-Control": "no-store"})
