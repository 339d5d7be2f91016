"""Every domain's tables: the one registry Alembic and create_all read."""

from app.activities.models import Activity, ActivityPhoto, ActivitySignup
from app.assist.models import HouseholdHelper
from app.audit.models import AuditEntry
from app.auth.models import HouseholdSignIn, RevokedToken
from app.ceremonies.models import Ceremony, CeremonyStandards
from app.claims.models import Claim
from app.compact.models import Amendment, Checkup, CheckupItem, Compact
from app.councils.models import Council, CouncilAttendance, CouncilMeeting, CouncilMember, CouncilResolution
from app.disclosure.models import (
    Decision,
    DecisionStep,
    Disclosure,
    DisclosureFile,
    DisclosureQuestion,
    DisclosureRead,
    DisclosureVersion,
    SmallPower,
    SmallPowerVersion,
)
from app.evaluation.models import (
    Criterion,
    EvaluationRound,
    EvidencePhoto,
    FollowUp,
    Objection,
    ResultLine,
    Score,
)
from app.idempotency import IdempotencyRecord
from app.inbox.models import Message, PushSubscription
from app.ledger.chain_models import LedgerChain, LedgerLink, LedgerRoot
from app.ledger.fund_models import FundRecord, FundSettings
from app.ledger.models import Account, AwardLimit, AwardRequest, LedgerEntry, LedgerMonth, LedgerTransaction
from app.org.models import Household, OrgUnit, PasswordResetNotice, RoleAssignment, User
from app.ratelimit_db import LimiterHit, LimiterMark
from app.shop.catalogue.models import Goods, GoodsImage, StockMovement
from app.shop.models import Shop, ShopStaff
from app.shop.redemption.models import (
    HouseholdCard,
    PayCode,
    Redemption,
    RedemptionConfirmation,
    RedemptionItem,
    VillageSettings,
)
from app.shop.requests.models import ShopRequest, ShopRequestItem, ShopRequestSetting
from app.volunteer.models import (
    ServiceOrder,
    ServiceOrderEvent,
    ServiceOrderPhoto,
    ServiceSettings,
    VolunteerApplication,
    VolunteerService,
    VolunteerTeam,
    VolunteerTeamMember,
)

__all__ = [
    "Ceremony",
    "CeremonyStandards",
    "Claim",
    "Council",
    "CouncilAttendance",
    "CouncilMeeting",
    "CouncilMember",
    "CouncilResolution",
    "Amendment",
    "Checkup",
    "CheckupItem",
    "Compact",
    "Activity",
    "ActivityPhoto",
    "ActivitySignup",
    "Account",
    "LimiterHit",
    "LimiterMark",
    "FundRecord",
    "LedgerChain",
    "LedgerLink",
    "LedgerRoot",
    "FundSettings",
    "VolunteerApplication",
    "Goods",
    "GoodsImage",
    "HouseholdCard",
    "PayCode",
    "Redemption",
    "RedemptionConfirmation",
    "RedemptionItem",
    "Shop",
    "ShopStaff",
    "StockMovement",
    "VillageSettings",
    "ShopRequest",
    "ShopRequestItem",
    "ShopRequestSetting",
    "AuditEntry",
    "HouseholdHelper",
    "AwardLimit",
    "AwardRequest",
    "Criterion",
    "EvaluationRound",
    "EvidencePhoto",
    "FollowUp",
    "Objection",
    "ResultLine",
    "Score",
    "Decision",
    "DecisionStep",
    "Disclosure",
    "DisclosureFile",
    "DisclosureQuestion",
    "DisclosureRead",
    "DisclosureVersion",
    "SmallPower",
    "SmallPowerVersion",
    "Household",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerMonth",
    "LedgerTransaction",
    "OrgUnit",
    "PasswordResetNotice",
    "RevokedToken",
    "HouseholdSignIn",
    "RoleAssignment",
    "User",
    "ServiceOrder",
    "ServiceOrderEvent",
    "ServiceOrderPhoto",
    "ServiceSettings",
    "VolunteerService",
    "VolunteerTeam",
    "VolunteerTeamMember",
    "Message",
    "PushSubscription",
]
