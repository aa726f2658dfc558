"""One payment per victim and criminal case (Art. 6: compensation is a one-time payment).

The same victim is the same IIN: the victim's, or the claimant's when the claimant is the victim
(submission writes it to ``victim_iin`` in both cases). The same case is the same ERDR number.
Other claims of the same victim and case that are open, approved or paid are found with one
indexed query; officers see them as a flag with links (on the task page, the claim page and the
API's claim), and the rules may read :func:`prior_claims`.

Approving a claim while another of the same victim and case is approved or paid is refused
(:func:`compensation_rows`, in the approval's transaction). The database has the last word:
the compensations' unique constraint over (victim IIN, ERDR number) lets only one of two
approvals at the same moment commit, and the other is refused in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, Table, and_, bindparam, select
from sqlalchemy.orm import aliased

from fund.common.errors import Conflict
from fund.common.wording import STATUS_LABELS, label
from fund.extensions import db
from fund.models import AWARDED_STATUSES, ENDED_WITHOUT_COMPENSATION_STATUSES, Claim, Compensation

# The flags, in the words of the rejection reasons (bpmn/forms/codes.json).
DUPLICATE_CLAIM = "duplicate_claim"  # another claim of the same victim and case is open or approved
ALREADY_COMPENSATED = "already_compensated"  # another one was paid


@dataclass(frozen=True)
class OtherClaim:
    """Another claim of the same victim and criminal case."""

    reference: str
    status: str

    @property
    def status_label(self) -> str:
        return label(STATUS_LABELS, self.status)

    @property
    def awarded(self) -> bool:
        return self.status in AWARDED_STATUSES


@dataclass(frozen=True)
class SameVictimAndCase:
    """The other claims of a claim's victim and criminal case that are open, approved or paid,
    oldest first (claims rejected or closed without compensation are left out)."""

    claims: tuple[OtherClaim, ...] = ()

    @property
    def prior_claims(self) -> str:
        """``"none"``, ``"open"`` (open or approved, not paid) or ``"compensated"`` (one was paid)."""
        if any(other.status == "paid" for other in self.claims):
            return "compensated"
        return "open" if self.claims else "none"

    @property
    def flag(self) -> str | None:
        """:data:`ALREADY_COMPENSATED`, :data:`DUPLICATE_CLAIM`, or None when there is no other claim."""
        return {"compensated": ALREADY_COMPENSATED, "open": DUPLICATE_CLAIM}.get(self.prior_claims)

    @property
    def awarded(self) -> OtherClaim | None:
        """The claim that holds the compensation of this victim and case, if one was approved."""
        return next((other for other in self.claims if other.awarded), None)


def same_victim_and_case(claim: Claim) -> SameVictimAndCase:
    """The other claims of the claim's victim and case that are open, approved or paid (one query)."""
    if claim.victim_iin is None:  # a claim from before the victim's IIN was kept: nothing to match
        return SameVictimAndCase()
    values = {"victim_iin": claim.victim_iin, "erdr_number": claim.erdr_number, "claim_id": claim.id}
    rows = db.session.execute(_same_victim_and_case(), values)
    return SameVictimAndCase(tuple(OtherClaim(row.reference, row.status) for row in rows))


@cache
def _same_victim_and_case() -> Select:
    """The other claims' statement, built once (every intake check and approval asks it)."""
    return (
        select(Claim.reference, Claim.status)
        .where(
            Claim.victim_iin == bindparam("victim_iin"),
            Claim.erdr_number == bindparam("erdr_number"),
            Claim.id != bindparam("claim_id"),
            Claim.status.not_in(ENDED_WITHOUT_COMPENSATION_STATUSES),
        )
        .order_by(Claim.id)
    )


def flags_of_claims(claim_ids: Iterable[int]) -> dict[int, str]:
    """The flag of each of these claims that has one (:data:`DUPLICATE_CLAIM` or
    :data:`ALREADY_COMPENSATED`), for a list of claims such as a worklist page: one query, through
    the index on (victim IIN, ERDR number)."""
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    other = aliased(Claim)
    rows = db.session.execute(
        select(Claim.id, other.status)
        .join(
            other,
            and_(
                other.victim_iin == Claim.victim_iin,
                other.erdr_number == Claim.erdr_number,
                other.id != Claim.id,
            ),
        )
        .where(Claim.id.in_(ids), other.status.not_in(ENDED_WITHOUT_COMPENSATION_STATUSES))
    )
    flags: dict[int, str] = {}
    for claim_id, status in rows:
        if status == "paid" or flags.get(claim_id) == ALREADY_COMPENSATED:
            flags[claim_id] = ALREADY_COMPENSATED
        else:
            flags[claim_id] = DUPLICATE_CLAIM
    return flags


def prior_claims(claim: Claim) -> str:
    """What the fund knows of other claims of the same victim and case, as the rules may read it:
    ``"none"``, ``"open"`` (another is open or approved) or ``"compensated"`` (another was paid)."""
    return same_victim_and_case(claim).prior_claims


class CompensationRefused(Conflict):
    """A second compensation for the same victim and criminal case (HTTP 409)."""

    def __init__(self, claim: Claim, other_reference: str, other_status: str):
        done = "paid" if other_status == "paid" else "approved"
        super().__init__(
            f"claim {other_reference} of the same victim and criminal case (ERDR {claim.erdr_number}) is "
            f"already {done}: compensation is paid once per victim and case, so claim {claim.reference} "
            "cannot be approved. Reject it with the reason 'already compensated'."
        )
        self.other_reference = other_reference


def compensation_rows(claim: Claim, now: datetime, look_first: bool = True) -> list[tuple[Table, dict]]:
    """The row that records the compensation of the claim being approved (its table and values),
    for the approval's own writes (:func:`fund.claims.instances.apply_command`'s ``also``).

    Raises :class:`CompensationRefused` naming the other claim when the victim and case already
    have one. Without ``look_first`` (the caller found no other claim of the victim and case in
    this same transaction) only the database is asked: when two approvals race, its unique
    constraint makes the second wait for the first and fail when it commits, and the caller turns
    that into the same refusal with :func:`refusal_after_conflict`.
    """
    if claim.victim_iin is None:
        return []
    awarded = same_victim_and_case(claim).awarded if look_first else None
    if awarded is not None:
        raise CompensationRefused(claim, awarded.reference, awarded.status)
    row = {"claim_id": claim.id, "victim_iin": claim.victim_iin, "erdr_number": claim.erdr_number}
    return [(Compensation.__table__, {**row, "awarded_at": now})]


def refusal_after_conflict(
    claim_id: int, victim_iin: str | None, erdr_number: str
) -> CompensationRefused | None:
    """After the database refused a write of an approval (the session rolled back): the refusal
    naming the claim that holds the compensation, or None when the refusal was about something else."""
    winner = db.session.execute(
        select(Claim.reference, Claim.status)
        .join(Compensation, Compensation.claim_id == Claim.id)
        .where(Compensation.victim_iin == victim_iin, Compensation.erdr_number == erdr_number)
    ).first()
    if winner is None or victim_iin is None:
        return None
    refused = db.session.get(Claim, claim_id)
    return CompensationRefused(refused, winner.reference, winner.status)
