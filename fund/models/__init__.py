"""The fund's data: people, claims, workflow state and history, reference data."""

from .audit import Seal
from .claims import (
    AWARDED_STATUSES,
    ENDED_WITHOUT_COMPENSATION_STATUSES,
    SQLITE_SEARCH_INDEX_TABLES,
    AccessLogEntry,
    Claim,
    Claimant,
    Compensation,
    Document,
    Letter,
    PersonalDataSearch,
    in_declared_schema,
)
from .contacts import ContactPoint
from .crisis import HELP_KINDS, CrisisCentre, CrisisReferral
from .idempotency import IdempotencyKey
from .messages import FROM_CLAIMANT, FROM_FUND, ClaimMessage, MessageAttachment
from .notes import ClaimNote, TaskAssignment
from .notifications import NOTIFICATION_STATES, Notification, ServiceLevelDigest
from .operations import WorkerHeartbeat
from .payouts import Payment, PayoutBatch
from .people import ROLES, ApiToken, StaffSignInFailure, User, UserRole
from .portal import AccessCodeRequest, PortalSignInFailure
from .recourse import ConvictedOffender, Conviction, OffenderDebt, RecourseCase, RecoveredPayment
from .reference import MciRate
from .reports import DashboardCount
from .requests import BANK_ACCOUNT, CONTACT_DETAILS, ClaimantRequest
from .signing import SigningCertificate
from .workflow import HumanTask, ProcessFile, ProcessVersion, Timer, WorkflowEvent, WorkflowInstance

__all__ = [
    "AccessCodeRequest",
    "AccessLogEntry",
    "AWARDED_STATUSES",
    "Compensation",
    "ENDED_WITHOUT_COMPENSATION_STATUSES",
    "FROM_CLAIMANT",
    "FROM_FUND",
    "Document",
    "ROLES",
    "ApiToken",
    "Claim",
    "Claimant",
    "ClaimMessage",
    "ClaimantRequest",
    "BANK_ACCOUNT",
    "CONTACT_DETAILS",
    "MessageAttachment",
    "ClaimNote",
    "ContactPoint",
    "CrisisCentre",
    "CrisisReferral",
    "HELP_KINDS",
    "ConvictedOffender",
    "Conviction",
    "DashboardCount",
    "IdempotencyKey",
    "HumanTask",
    "Letter",
    "PersonalDataSearch",
    "SQLITE_SEARCH_INDEX_TABLES",
    "in_declared_schema",
    "MciRate",
    "NOTIFICATION_STATES",
    "Notification",
    "OffenderDebt",
    "Payment",
    "PayoutBatch",
    "PortalSignInFailure",
    "ProcessFile",
    "ProcessVersion",
    "RecourseCase",
    "RecoveredPayment",
    "Seal",
    "ServiceLevelDigest",
    "SigningCertificate",
    "StaffSignInFailure",
    "TaskAssignment",
    "Timer",
    "User",
    "UserRole",
    "WorkerHeartbeat",
    "WorkflowEvent",
    "WorkflowInstance",
]
