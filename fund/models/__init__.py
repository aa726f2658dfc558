"""The fund's data: people, claims, workflow state and history, reference data."""

from .audit import Seal
from .claims import (
    AWARDED_STATUSES,
    ENDED_WITHOUT_COMPENSATION_STATUSES,
    AccessLogEntry,
    Claim,
    Claimant,
    Compensation,
    Document,
    Letter,
)
from .notifications import NOTIFICATION_STATES, Notification
from .payouts import Payment, PayoutBatch
from .people import ROLES, ApiToken, StaffSignInFailure, User, UserRole
from .portal import PortalSignInFailure
from .recourse import ConvictedOffender, Conviction, OffenderDebt, RecourseCase, RecoveredPayment
from .reference import MciRate
from .reports import DashboardCount
from .workflow import HumanTask, ProcessFile, ProcessVersion, Timer, WorkflowEvent, WorkflowInstance

__all__ = [
    "AccessLogEntry",
    "AWARDED_STATUSES",
    "Compensation",
    "ENDED_WITHOUT_COMPENSATION_STATUSES",
    "Document",
    "ROLES",
    "ApiToken",
    "Claim",
    "Claimant",
    "ConvictedOffender",
    "Conviction",
    "DashboardCount",
    "HumanTask",
    "Letter",
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
    "StaffSignInFailure",
    "Timer",
    "User",
    "UserRole",
    "WorkflowEvent",
    "WorkflowInstance",
]
