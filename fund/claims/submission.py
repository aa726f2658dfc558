"""Claims: public submission, status for the claimant, and the staff view."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Row, select, update

from fund.claims.history import CLAIM_SUBMITTED, facts_to_json
from fund.claims.instances import run_engine_command
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.prior_claims import prior_claims, same_victim_and_case
from fund.claims.process_versions import current_process_version
from fund.claims.search_terms import phone_digits, search_names
from fund.claims.submission_schema import ClaimSubmissionSchema, validation_errors_to_fields
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.keyed_codes import ACCESS_CODE, code_matches, hash_code, hashed_with_current_key
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, Claimant, HumanTask, Letter, User
from workflows import engine

PORTAL_ACTOR = "portal"
# Through which channel a claim came, recorded in its first event: the portal and the public API,
# or the fund's office (intake registered a paper or walk-in application).
PORTAL_CHANNEL = "portal"
OFFICE_CHANNEL = "office"
ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
ACCESS_CODE_LENGTH = 12  # printed in three groups of four: ABCD-EFGH-JKLM
_CODE_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013_")
# An access code is 12 random characters of 32 (60 bits), not a chosen password: only its keyed
# hash is stored (fund.common.keyed_codes). Online guessing is limited by the rate limits per
# address and the lockout per reference (fund.portal.sign_in).


@dataclass(frozen=True)
class SubmittedClaim:
    reference: str
    access_code: str
    status: str


def new_access_code() -> str:
    """A new random access code, printed as ``ABCD-EFGH-JKLM`` (60 bits; see ACCESS_CODE_ALPHABET)."""
    raw = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))
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
    """Register a claim from the portal or the public API and start its process.

    Returns the reference and the access code; the code is shown once and only its hash is kept.
    (Intake registers paper and walk-in claims with :mod:`fund.claims.paper_claims`.)
    """
    data = load_submission(body, now)
    claim, access_code = start_claim(data, now, actor, PORTAL_CHANNEL)
    submitted = SubmittedClaim(claim.reference, access_code, claim.status)  # read before the commit
    db.session.commit()
    issue_letters_made_due(now)
    return submitted


def load_submission(body: Any, now: datetime) -> dict[str, Any]:
    """The submission checked by the schema (as of the fund's date of ``now``); Invalid naming
    every failing field by its dotted path (``claimant.iin``)."""
    try:
        return ClaimSubmissionSchema(today=fund_date(now)).load(body)
    except ValidationError as error:
        raise Invalid("the claim has errors", validation_errors_to_fields(error)) from error


def start_claim(
    data: dict[str, Any],
    now: datetime,
    actor: str,
    channel: str,
    recorded: dict[str, Any] | None = None,
) -> tuple[Claim, str]:
    """Store a checked submission (:func:`load_submission`) and start its process: the claim and
    its access code. Not committed: the caller commits, with whatever else belongs to it.

    The first event of the claim's history records who registered it (``actor``), through which
    ``channel`` (``portal`` or ``office``), and ``recorded``: further facts of the registration
    (for a paper claim, its documents' codes and sha256), all under the history's hash chain.
    """
    version = current_process_version()
    if version is None:
        raise Conflict("no process is deployed; run 'fund init' first")
    person = data["claimant"]
    claimant = Claimant(
        full_name=person["full_name"],
        iin=person["iin"],
        birth_date=person["birth_date"],
        phone=person["phone"],
        phone_digits=phone_digits(person["phone"]),
        email=person.get("email"),
        language=person["language"],
        iban=person["iban"],
    )
    victim = data.get("victim") or {}
    crime = data["crime"]
    access_code = new_access_code()
    claim = Claim(
        reference=f"TMP-{secrets.token_hex(6)}",
        access_code_hash=hash_code(access_code, ACCESS_CODE),
        claimant=claimant,
        claimant_role=data["role"],
        victim_full_name=victim.get("full_name") or person["full_name"],
        search_names=search_names(person["full_name"], victim.get("full_name")),
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
    # What the rules are given of other claims of the same victim and case (one indexed query).
    facts["prior_claims"] = prior_claims(claim)
    run_engine_command(
        claim,
        CLAIM_SUBMITTED,
        actor,
        now,
        {"facts": facts_to_json(facts), "channel": channel, **(recorded or {})},
        lambda process, _state, ctx: engine.start(process, claim.reference, facts, ctx),
        process_version=version.version,
    )
    return claim, access_code


def submission_channel(event_input: dict[str, Any] | None) -> str:
    """Through which channel a claim came, from its first event's input: ``portal`` or ``office``.

    Claims registered before the channel was recorded came through the portal or the public API.
    """
    return str((event_input or {}).get("channel") or PORTAL_CHANNEL)


def _claim_by_reference(reference: str) -> Claim | None:
    # No reference holds U+0000, and PostgreSQL refuses to compare text that does.
    if "\x00" in reference:
        return None
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def typed_access_code(access_code: str | None) -> str:
    """An access code as typed, in the form it is printed and hashed: ``ABCD-EFGH-JKLM``.

    People type it in lower case, without the dashes, with spaces between the groups or around
    it (``abcd efgh jklm``, ``ABCDEFGHJKLM``): twelve letters and digits in any such form are
    the same code, so a code that differs only so is right, not a failure counted toward the
    lockout. Anything else is returned trimmed and in capitals, and does not match.
    """
    typed = (access_code or "").strip().upper()
    compact = "".join(typed.split()).translate(_CODE_SEPARATORS)
    if len(compact) == ACCESS_CODE_LENGTH and all(char in ACCESS_CODE_ALPHABET for char in compact):
        return "-".join(compact[start : start + 4] for start in range(0, ACCESS_CODE_LENGTH, 4))
    return typed


def access_code_matches(stored: str | None, access_code: str) -> bool:
    """Whether ``access_code`` (as typed) is the one whose hash is ``stored``.

    ``stored`` None (no claim with the reference) costs the same check and is False, so timing
    does not tell which was wrong. The comparison is constant-time.
    """
    return code_matches(stored, typed_access_code(access_code), ACCESS_CODE)


def rehash_access_code(claim_id: int, stored: str, access_code: str) -> None:
    """After a right code: store its hash the current way if it was made otherwise (scrypt before
    keyed hashes, or an old key), so that the claim's next checks are quick. Does not commit."""
    code = typed_access_code(access_code)
    if not hashed_with_current_key(stored, code, ACCESS_CODE):
        db.session.execute(
            update(Claim)
            .where(Claim.id == claim_id)
            .values(access_code_hash=hash_code(code, ACCESS_CODE))
            .execution_options(synchronize_session=False)
        )


def public_status(claim: Claim | Row[Any]) -> dict[str, Any]:
    """What the claimant may see: status, last change, issued letters. No personal data.

    ``claim`` is the claim or a row with its ``id``, ``reference``, ``status`` and ``updated_at``.
    Reads the letters' numbers and dates only (one statement), never their PDFs.
    """
    letters = db.session.execute(
        select(Letter.kind, Letter.number, Letter.issued_at)
        .where(Letter.claim_id == claim.id, Letter.status == "issued")
        .order_by(Letter.id)
    )
    return {
        "reference": claim.reference,
        "status": claim.status,
        "updated_at": claim.updated_at.isoformat(),
        "letters": [
            {"kind": letter.kind, "number": letter.number, "issued_at": letter.issued_at.isoformat()}
            for letter in letters
        ],
    }


def get_claim(user: User, reference: str) -> Claim:
    """A claim for staff; raises NotFound."""
    require_role(user, "intake", "reviewer", "approver", "finance", "auditor", "admin", "supervisor")
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
