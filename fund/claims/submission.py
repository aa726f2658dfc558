"""Claims: public submission, status for the claimant, and the staff view."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from fund.claims.history import CLAIM_SUBMITTED, facts_to_json
from fund.claims.instances import run_engine_command
from fund.claims.prior_claims import same_victim_and_case
from fund.claims.process_versions import current_process_version
from fund.claims.submission_schema import ClaimSubmissionSchema, validation_errors_to_fields
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, Claimant, HumanTask, User
from workflows import engine

PORTAL_ACTOR = "portal"
ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
# An access code is 12 random characters of 32 (60 bits), not a chosen password: a light scrypt
# (a few milliseconds) resists offline guessing as well as a slow one resists a weak password,
# and keeps submission fast. Online guessing is limited by the status endpoint's rate limits.
ACCESS_CODE_HASH_METHOD = "scrypt:4096:8:1"
_DUMMY_ACCESS_HASH = generate_password_hash("not-a-code", method=ACCESS_CODE_HASH_METHOD)


@dataclass(frozen=True)
class SubmittedClaim:
    reference: str
    access_code: str
    status: str


def _new_access_code() -> str:
    raw = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _facts(claim: Claim, submitted_on: date) -> dict[str, Any]:
    """What the rules decide on, recorded in the claim's first event and replayed from it.

    The crime is named as the law names it: ``article_part`` as text ("3", "3-1"),
    ``article_paragraph`` a whole number or None, ``by_criminal_group`` True, False or None (not
    stated). Claims submitted before these facts existed keep the facts they recorded (a whole
    number part, no paragraph): their process version's tables read those.
    """
    return {
        "article": claim.article,
        "article_part": claim.article_part,
        "article_paragraph": claim.article_paragraph,
        "by_criminal_group": claim.by_criminal_group,
        "harm": claim.harm,
        "claimant_role": claim.claimant_role,
        "victim_birth_date": claim.victim_birth_date,
        "committed_on": claim.committed_on,
        "recognized_on": claim.recognized_on,
        "submitted_on": submitted_on,
        "deadline_restored_by_court": claim.deadline_restored_by_court,
    }


def submit_claim(body: Any, now: datetime, actor: str = PORTAL_ACTOR) -> SubmittedClaim:
    """Register a claim from the public API or an intake officer and start its process.

    Returns the reference and the access code; the code is shown once and only its hash is kept.
    """
    try:
        data = ClaimSubmissionSchema(today=fund_date(now)).load(body)
    except ValidationError as error:
        raise Invalid("the claim has errors", validation_errors_to_fields(error)) from error
    version = current_process_version()
    if version is None:
        raise Conflict("no process is deployed; run 'fund init' first")
    person = data["claimant"]
    claimant = Claimant(
        full_name=person["full_name"],
        iin=person["iin"],
        birth_date=person["birth_date"],
        phone=person["phone"],
        email=person.get("email"),
        language=person["language"],
        iban=person["iban"],
    )
    victim = data.get("victim") or {}
    crime = data["crime"]
    access_code = _new_access_code()
    claim = Claim(
        reference=f"TMP-{secrets.token_hex(6)}",
        access_code_hash=generate_password_hash(access_code, method=ACCESS_CODE_HASH_METHOD),
        claimant=claimant,
        claimant_role=data["role"],
        victim_full_name=victim.get("full_name") or person["full_name"],
        victim_iin=victim.get("iin") or person["iin"],
        victim_birth_date=victim.get("birth_date") or person["birth_date"],
        erdr_number=crime["erdr_number"],
        article=crime["article"],
        article_part=crime["part"],
        article_paragraph=crime["paragraph"],
        by_criminal_group=crime["by_criminal_group"],
        committed_on=crime["committed_on"],
        recognized_on=crime["recognized_on"],
        harm=crime["harm"],
        deadline_restored_by_court=crime["deadline_restored_by_court"],
        submitted_at=now,
        status="submitted",
        updated_at=now,
    )
    db.session.add(claim)
    db.session.flush()
    claim.reference = f"VCF-{fund_date(now).year}-{claim.id:06d}"
    facts = _facts(claim, fund_date(now))
    run_engine_command(
        claim,
        CLAIM_SUBMITTED,
        actor,
        now,
        {"facts": facts_to_json(facts)},
        lambda process, _state, ctx: engine.start(process, claim.reference, facts, ctx),
        process_version=version.version,
    )
    db.session.commit()
    return SubmittedClaim(claim.reference, access_code, claim.status)


def _claim_by_reference(reference: str) -> Claim | None:
    # No reference holds U+0000, and PostgreSQL refuses to compare text that does.
    if "\x00" in reference:
        return None
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def claim_for_claimant(reference: str, access_code: str) -> Claim:
    """The claim, if the access code is right; the same NotFound for a wrong reference or code."""
    claim = _claim_by_reference(reference.strip().upper())
    # Check a hash even for an unknown reference, so timing does not tell which one was wrong.
    stored = claim.access_code_hash if claim is not None else _DUMMY_ACCESS_HASH
    code_ok = check_password_hash(stored, (access_code or "").strip().upper())  # constant-time compare
    if claim is None or not code_ok:
        raise NotFound("no claim with this reference and access code")
    return claim


def public_status(claim: Claim) -> dict[str, Any]:
    """What the claimant may see: status, last change, issued letters. No personal data."""
    return {
        "reference": claim.reference,
        "status": claim.status,
        "updated_at": claim.updated_at.isoformat(),
        "letters": [
            {"kind": letter.kind, "number": letter.number, "issued_at": letter.issued_at.isoformat()}
            for letter in claim.letters
            if letter.status == "issued"
        ],
    }


def get_claim(user: User, reference: str) -> Claim:
    """A claim for staff; raises NotFound."""
    require_role(user, "intake", "reviewer", "approver", "finance", "auditor", "admin")
    claim = _claim_by_reference(reference)
    if claim is None:
        raise NotFound(f"no claim {reference}")
    return claim


def claim_summary(user: User, reference: str) -> dict[str, Any]:
    """The staff view of a claim: status, category, amounts, open tasks, and the other claims of the
    same victim and criminal case (``flags``: ``duplicate_claim`` or ``already_compensated``)."""
    claim = get_claim(user, reference)
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.claim_id == claim.id, HumanTask.state == "open")
    )
    same_case = same_victim_and_case(claim)
    return {
        "reference": claim.reference,
        "status": claim.status,
        "category": claim.category,
        "eligibility_reason": claim.eligibility_reason,
        "amount_mci": claim.amount_mci,
        "amount_kzt": claim.amount_kzt,
        "decision_date": claim.decision_date.isoformat() if claim.decision_date else None,
        "submitted_at": claim.submitted_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
        "open_tasks": [{"id": t.id, "name": t.name, "title": t.title, "role": t.role} for t in tasks],
        "flags": [same_case.flag] if same_case.flag else [],
        "prior_claims": same_case.prior_claims,
        "same_victim_and_case": [
            {"reference": other.reference, "status": other.status} for other in same_case.claims
        ],
    }
