"""What a verification run finds and reports: findings, and the report written as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

AUDIT_ROLES = ("auditor", "admin")


@dataclass(frozen=True)
class Finding:
    """One thing wrong: ``subject`` is a claim reference (or ``seal #n``), ``what`` says what."""

    subject: str
    what: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.what}"


@dataclass
class AuditReport:
    """The result of a verification run, as written to the JSON report."""

    started_at: str
    claims_checked: int = 0
    events_checked: int = 0
    letters_checked: int = 0
    seals_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    # What is worth saying but is not a finding (e.g. seals made while no signing key was configured).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ok"] = self.ok
        return body
