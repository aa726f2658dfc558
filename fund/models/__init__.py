"""The fund's data: people, claims, workflow state and history, reference data."""

from .audit import Seal
from .claims import AccessLogEntry, Claim, Claimant, Document, Letter
from .people import ROLES, ApiToken, User, UserRole
from .reference import MciRate
from .workflow import HumanTask, ProcessFile, ProcessVersion, Timer, WorkflowEvent, WorkflowInstance

__all__ = [
    "AccessLogEntry",
    "Document",
    "ROLES",
    "ApiToken",
    "Claim",
    "Claimant",
    "HumanTask",
    "Letter",
    "MciRate",
    "ProcessFile",
    "ProcessVersion",
    "Seal",
    "Timer",
    "User",
    "UserRole",
    "WorkflowEvent",
    "WorkflowInstance",
]
