"""Every domain's tables: the one registry Alembic and create_all read."""

from app.audit.models import AuditEntry
from app.ledger.models import Account, IdempotencyRecord, LedgerEntry, LedgerTransaction
from app.org.models import Household, OrgUnit, RoleAssignment, User

__all__ = [
    "Account",
    "AuditEntry",
    "Household",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerTransaction",
    "OrgUnit",
    "RoleAssignment",
    "User",
]
