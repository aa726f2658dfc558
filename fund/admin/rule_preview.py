"""Preview a rule change: the candidate decision tables on the recorded facts of every stored claim.

Before new tables are deployed, an administrator sees which claims they would decide differently:
each claim's facts (recorded in its first event, ``claim_submitted``) are run through the candidate
tables and through the tables of the claim's own process version, and the claims whose category,
amount, reason or required documents differ are listed, counted by change ("trafficking 30 MCI →
trafficking 35 MCI: 12 claims"). Both sides run on SpiffWorkflow's own DMN engine
(:mod:`workflows.rule_preview`), so the preview gives what a deployed version would give.

Nothing changes for the claims themselves: a claim keeps the version it started on. For
administrators only (checked here); read-only. Claims are named by reference and status only.
Claims are read in batches of :data:`BATCH_SIZE` (only their facts, never the whole history), and
each version's tables are parsed once per preview.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fund.admin.accounts import ADMIN
from fund.claims.history import CLAIM_SUBMITTED, facts_from_json, rates_from_json
from fund.claims.instances import mci_rates
from fund.claims.process_versions import (
    ProcessVersionUnusable,
    candidate_process_files,
    check_deployable,
    stored_process_files,
)
from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.extensions import db
from fund.models import Claim, ProcessVersion, User, WorkflowEvent, WorkflowInstance
from workflows.rule_preview import DecisionRules
from workflows.specs import ProcessFiles, SpecValidationError

log = logging.getLogger(__name__)
BATCH_SIZE = 1000
# The decisions a claim's process takes on its facts, in the order it takes them.
DECISIONS = ("eligibility", "required_documents")
CSV_COLUMNS = (
    "reference",
    "status",
    "process_version",
    "change",
    "category_before",
    "amount_mci_before",
    "eligibility_reason_before",
    "required_documents_before",
    "category_after",
    "amount_mci_after",
    "eligibility_reason_after",
    "required_documents_after",
)


@dataclass(frozen=True)
class RuleOutcome:
    """What the tables decide for a claim, or why they cannot."""

    category: str | None = None
    amount_mci: int | None = None
    eligibility_reason: str | None = None
    required_documents: tuple[str, ...] = ()
    error: str | None = None

    @classmethod
    def of(cls, outputs: dict[str, Any]) -> RuleOutcome:
        return cls(
            outputs.get("category"),
            outputs.get("amount_mci"),
            outputs.get("eligibility_reason"),
            tuple(outputs.get("required_documents") or ()),
        )

    @property
    def award(self) -> str:
        """Category and amount, as a person reads them: "torture 30 MCI"."""
        if self.error is not None:
            return f"cannot be decided ({self.error})"
        if self.category is None and self.amount_mci is None:
            return "no rule matches"
        return f"{self.category or 'no category'} {'-' if self.amount_mci is None else self.amount_mci} MCI"

    def same_as(self, other: RuleOutcome) -> bool:
        return (self.category, self.amount_mci, self.eligibility_reason, self.error) == (
            other.category,
            other.amount_mci,
            other.eligibility_reason,
            other.error,
        ) and set(self.required_documents) == set(other.required_documents)


def describe_change(before: RuleOutcome, after: RuleOutcome) -> str:
    """The change in a few words: "trafficking 30 MCI → trafficking 35 MCI", then reason and documents."""
    if before.error is not None or after.error is not None:
        return f"{before.award} → {after.award}"
    parts = [f"{before.award} → {after.award}" if before.award != after.award else before.award]
    if before.eligibility_reason != after.eligibility_reason:
        parts.append(f"reason {before.eligibility_reason or '-'} → {after.eligibility_reason or '-'}")
    added = sorted(set(after.required_documents) - set(before.required_documents))
    removed = sorted(set(before.required_documents) - set(after.required_documents))
    if added or removed:
        parts.append(
            "documents " + ", ".join([f"+ {code}" for code in added] + [f"− {code}" for code in removed])
        )
    return ", ".join(parts)


@dataclass(frozen=True)
class ChangedClaim:
    """A claim the candidate tables would decide differently from its own version's tables."""

    reference: str
    status: str
    process_version: str
    before: RuleOutcome
    after: RuleOutcome

    @property
    def change(self) -> str:
        return describe_change(self.before, self.after)


@dataclass
class RulePreview:
    """What deploying the candidate tables would change, claim by claim."""

    candidate_version: str
    directory: str
    deployed_already: bool
    claims_checked: int = 0
    changed: list[ChangedClaim] = field(default_factory=list)
    not_compared: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)

    @property
    def changes(self) -> list[tuple[str, int]]:
        """How many claims each change affects, the most frequent first."""
        counts = Counter(claim.change for claim in self.changed)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def preview_rule_change(actor: User, directory: Path | None = None) -> RulePreview:
    """Run the decision tables under ``directory`` (default: the configured bpmn/) on every claim.

    Invalid (under ``bpmn``) when the candidate tables cannot be parsed.
    """
    require_role(actor, ADMIN)
    files = candidate_process_files(directory)
    return _preview(files, str(directory or "bpmn/"))


def preview_deploy(actor: User, directory: Path | None = None) -> RulePreview:
    """What ``fund deploy`` shows before it asks: the files are checked as a deploy checks them
    (Invalid listing every problem), and the claims are compared unless they are deployed already."""
    require_role(actor, ADMIN)
    files = candidate_process_files(directory)
    if db.session.get(ProcessVersion, files.version) is not None:
        return RulePreview(files.version, str(directory or "bpmn/"), deployed_already=True)
    check_deployable(files)
    return _preview(files, str(directory or "bpmn/"))


def _rules_of(files: ProcessFiles) -> DecisionRules:
    try:
        return DecisionRules.of_version(files, DECISIONS)
    except SpecValidationError as error:
        raise Invalid("the decision tables cannot be read", {"bpmn": error.problems}) from error


def _preview(files: ProcessFiles, directory: str) -> RulePreview:
    candidate = _rules_of(files)
    deployed = db.session.get(ProcessVersion, files.version) is not None
    preview = RulePreview(files.version, directory, deployed_already=deployed)
    # A version whose tables are the candidate's, byte for byte, decides every claim alike: skipped.
    versions: dict[str, DecisionRules | str | None] = {files.version: None}
    rates_now = mci_rates()
    for reference, status, version, at, event_input in _claims_with_facts():
        preview.claims_checked += 1
        if version not in versions:
            versions[version] = _version_rules(version, files.matching(".dmn"))
        own = versions[version]
        if own is None:
            continue
        if isinstance(own, str):
            preview.not_compared.append((reference, own))
            continue
        facts = facts_from_json(event_input.get("facts") or {})
        rates = rates_from_json(event_input.get("mci_rates")) or rates_now
        before = _decide(own, facts, at, rates, reference)
        after = _decide(candidate, facts, at, rates, reference)
        if not before.same_as(after):
            preview.changed.append(ChangedClaim(reference, status, version, before, after))
    return preview


def _version_rules(version: str, candidate_tables: dict[str, bytes]) -> DecisionRules | str | None:
    """The tables of a stored version; None when they are the candidate's tables; or why they
    cannot be run (its claims are not compared)."""
    try:
        files = stored_process_files(version)
        if files.matching(".dmn") == candidate_tables:
            return None
        return DecisionRules.of_version(files, DECISIONS)
    except ProcessVersionUnusable as error:
        return error.on_claim
    except SpecValidationError as error:
        return f"the decision tables of its process version {version[:12]} cannot be read: {error}"


def _decide(rules: DecisionRules, facts: dict, at: datetime, rates: tuple, reference: str) -> RuleOutcome:
    try:
        return RuleOutcome.of(rules.decide(facts, at, rates))
    except Exception as error:  # a cell that fails on these facts: the preview shows it on the claim
        log.info("rule preview: the tables fail on claim %s: %s", reference, error)
        return RuleOutcome(error=f"{type(error).__name__}: {error}".splitlines()[0][:200])


def _claims_with_facts() -> Iterator[tuple[str, str, str, datetime, dict[str, Any]]]:
    """(reference, status, process version, submitted at, first event's input) of every claim, by id,
    read in batches (only these columns: nothing stays in the session)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(
                Claim.id,
                Claim.reference,
                Claim.status,
                WorkflowInstance.process_version,
                WorkflowEvent.occurred_at,
                WorkflowEvent.input,
            )
            .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
            .join(WorkflowEvent, (WorkflowEvent.claim_id == Claim.id) & (WorkflowEvent.sequence == 1))
            .where(Claim.id > last_id, WorkflowEvent.type == CLAIM_SUBMITTED)
            .order_by(Claim.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return
        for _, reference, status, version, at, event_input in rows:
            yield reference, status, version, at, event_input or {}
        last_id = rows[-1][0]


def preview_csv(preview: RulePreview) -> bytes:
    """Every changed claim, one line each, before and after (UTF-8 with a BOM, for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for claim in preview.changed:
        row = [claim.reference, claim.status, claim.process_version, claim.change]
        for outcome in (claim.before, claim.after):
            row += [
                outcome.category if outcome.error is None else f"error: {outcome.error}",
                "" if outcome.amount_mci is None else outcome.amount_mci,
                outcome.eligibility_reason or "",
                " ".join(outcome.required_documents),
            ]
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
