"""A period's volunteer hours as rows a spreadsheet streams (app/exports): per volunteer and village, the confirmed
orders whose service was done in the period, their hours, the points credited for them and the villagers' ratings —
counted as the volunteer's own record counts them (app.volunteer.views volunteer_record): hours still waiting for
the station's approval are not yet counted, and points whose credit waits for a second person or was refused are
not points received."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import case, func
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.ledger.models import AwardRequest, TxnKind
from app.ledger.policy import PENDING, REFUSED
from app.org.models import OrgUnit, User
from app.volunteer.models import FINISHED, Approval, ServiceOrder

STREAM_ROWS = 2000


def volunteer_hours(session: Session, *, village_ids: list[int], start: datetime, end: datetime) -> Iterator[Row]:
    """One row per volunteer and village, by village and volunteer: (volunteer, village, orders, minutes, points,
    average_stars, ratings) for the orders completed in [start, end) and confirmed (rated, or confirmed by the
    station)."""
    village = aliased(OrgUnit)
    not_received = (select(AwardRequest.id)
                    .where(AwardRequest.source_kind == TxnKind.service, AwardRequest.source_id == ServiceOrder.id,
                           col(AwardRequest.status).in_([PENDING, REFUSED])).exists())
    stmt = (select(User.name, village.name, func.count(ServiceOrder.id),
                   func.sum(func.coalesce(ServiceOrder.credited_minutes, 0)),
                   func.sum(case((not_received, 0), else_=func.coalesce(ServiceOrder.points, 0))),
                   func.avg(ServiceOrder.stars), func.count(ServiceOrder.stars))
            .select_from(ServiceOrder)
            .join(User, User.id == ServiceOrder.volunteer_id)
            .join(village, village.id == ServiceOrder.village_id)
            .where(col(ServiceOrder.village_id).in_(village_ids), col(ServiceOrder.status).in_(FINISHED),
                   ServiceOrder.approval != Approval.pending, ServiceOrder.completed_at >= start,
                   ServiceOrder.completed_at < end)
            .group_by(ServiceOrder.village_id, village.name, ServiceOrder.volunteer_id, User.name)
            .order_by(ServiceOrder.village_id, ServiceOrder.volunteer_id))
    yield from session.execute(stmt.execution_options(yield_per=STREAM_ROWS))
