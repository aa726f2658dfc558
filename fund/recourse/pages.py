"""Recourse (Art. 11), what people read: the cases with their outstanding balances (the report and
its CSV), one case with its offenders, debts and recoveries, the convictions, and the recourse
panel of a claim's page.

Offenders' names and IINs are personal data. Finance officers (whose work is to recover the
money) see names, and IINs masked unless they press "Show offenders' personal data", which is
written to the claim's access log first. Auditors see initials and masked IINs only; the claim
pages show initials to everyone. The CSV of outstanding recourse gives finance the names (each
claim it lists gets an access-log entry) and auditors initials; IINs are masked in it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from fund.claims.personal_data import log_access, mask_iin, mask_name
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.common.time import fund_date
from fund.common.wording import CATEGORY_LABELS, label
from fund.extensions import db
from fund.models import Claim, ConvictedOffender, Conviction, RecourseCase, User
from fund.recourse.cases import READING_ROLES, RECORDING_ROLES, recovered_on_case
from fund.recourse.rules import case_outstanding, debt_recoverable

# The CSV of outstanding recourse: one row per open case (columns documented in the README).
OUTSTANDING_COLUMNS = (
    "claim_reference",
    "category",
    "erdr_number",
    "paid_on",
    "opened_on",
    "amount_paid_kzt",
    "recovered_kzt",
    "outstanding_kzt",
    "offenders",
)


@dataclass(frozen=True)
class OffenderShown:
    """An offender as this viewer may see them: full name or initials, IIN masked or not."""

    name: str
    iin: str


@dataclass(frozen=True)
class RecoveryRow:
    received_on: date
    amount_kzt: int
    treasury_reference: str
    offender: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class DebtRow:
    id: int
    offender: OffenderShown
    owed_kzt: int
    recovered_kzt: int
    balance_kzt: int  # the offender's own balance
    recoverable_kzt: int  # capped by what the case still lacks


@dataclass(frozen=True)
class CaseRow:
    reference: str
    category: str
    erdr_number: str
    paid_on: date
    opened_at: datetime
    state: str
    amount_paid_kzt: int
    recovered_kzt: int
    outstanding_kzt: int
    offenders: list[OffenderShown]


@dataclass
class CaseView:
    """One recourse case, ready to render."""

    row: CaseRow
    opened_by: str
    settled_at: datetime | None
    verdicts: list[str]
    debts: list[DebtRow]
    recoveries: list[RecoveryRow]
    unmasked: bool
    may_record: bool


@dataclass
class CaseList:
    rows: list[CaseRow]
    state: str
    total_paid_kzt: int = 0
    total_recovered_kzt: int = 0
    total_outstanding_kzt: int = 0


@dataclass(frozen=True)
class ConvictionRow:
    erdr_number: str
    court: str
    verdict_date: date
    verdict_number: str
    offenders: list[OffenderShown]
    recorded_by: str
    recorded_at: datetime
    claims: int
    cases: int


@dataclass
class ClaimRecourse:
    """The recourse panel of a claim's page: opened, debts, recoveries (initials only)."""

    state: str
    opened_at: datetime
    amount_paid_kzt: int
    recovered_kzt: int
    outstanding_kzt: int
    debts: list[DebtRow] = field(default_factory=list)
    recoveries: list[RecoveryRow] = field(default_factory=list)


def _shown(offender: ConvictedOffender, names: bool, unmasked: bool) -> OffenderShown:
    return OffenderShown(
        name=offender.full_name if names else mask_name(offender.full_name),
        iin=(offender.iin or "") if unmasked else mask_iin(offender.iin),
    )


def _debts_and_recoveries(recourse_case: RecourseCase, names: bool, unmasked: bool):
    outstanding = case_outstanding(recourse_case.amount_paid_kzt, recovered_on_case(recourse_case))
    debts, recoveries = [], []
    for debt in recourse_case.debts:
        shown = _shown(debt.offender, names, unmasked)
        own = sum(p.amount_kzt for p in debt.recoveries)
        debts.append(
            DebtRow(debt.id, shown, debt.amount_owed_kzt, own, debt.amount_owed_kzt - own,
                    debt_recoverable(debt.amount_owed_kzt, own, outstanding))
        )  # fmt: skip
        recoveries += [
            RecoveryRow(
                p.received_on, p.amount_kzt, p.treasury_reference, shown.name, p.recorded_by, p.recorded_at
            )
            for p in debt.recoveries
        ]
    recoveries.sort(key=lambda r: (r.received_on, r.recorded_at))
    return debts, recoveries


def _row(recourse_case: RecourseCase, names: bool) -> CaseRow:
    recovered = recovered_on_case(recourse_case)
    claim = recourse_case.claim
    return CaseRow(
        reference=claim.reference,
        category=label(CATEGORY_LABELS, claim.category) if claim.category else "",
        erdr_number=recourse_case.erdr_number,
        paid_on=recourse_case.paid_on,
        opened_at=recourse_case.opened_at,
        state=recourse_case.state,
        amount_paid_kzt=recourse_case.amount_paid_kzt,
        recovered_kzt=recovered,
        outstanding_kzt=case_outstanding(recourse_case.amount_paid_kzt, recovered),
        offenders=[_shown(debt.offender, names, False) for debt in recourse_case.debts],
    )


def _cases(state: str) -> list[RecourseCase]:
    query = (
        select(RecourseCase)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .order_by(RecourseCase.opened_at, Claim.reference)
    )
    if state != "all":
        query = query.where(RecourseCase.state == state)
    return list(db.session.scalars(query))


def recourse_cases(user: User, state: str = "open") -> CaseList:
    """The recourse cases (``open``, ``settled`` or ``all``) with paid, recovered and outstanding."""
    require_role(user, *READING_ROLES)
    state = state if state in ("open", "settled", "all") else "open"
    names = user.has_role(*RECORDING_ROLES)
    rows = [_row(recourse_case, names) for recourse_case in _cases(state)]
    return CaseList(
        rows=rows,
        state=state,
        total_paid_kzt=sum(r.amount_paid_kzt for r in rows),
        total_recovered_kzt=sum(r.recovered_kzt for r in rows),
        total_outstanding_kzt=sum(r.outstanding_kzt for r in rows),
    )


def _case_of(reference: str) -> RecourseCase:
    recourse_case = db.session.scalar(
        select(RecourseCase)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .where(Claim.reference == reference)
    )
    if recourse_case is None:
        raise NotFound(f"claim {reference} has no recourse case")
    return recourse_case


def _case_view(user: User, recourse_case: RecourseCase, unmasked: bool) -> CaseView:
    names = user.has_role(*RECORDING_ROLES)
    debts, recoveries = _debts_and_recoveries(recourse_case, names, unmasked)
    verdicts = db.session.scalars(
        select(Conviction)
        .where(Conviction.erdr_number == recourse_case.erdr_number)
        .order_by(Conviction.verdict_date)
    )
    return CaseView(
        row=_row(recourse_case, names),
        opened_by=recourse_case.opened_by,
        settled_at=recourse_case.settled_at,
        verdicts=[f"{v.court}, verdict {v.verdict_number} of {v.verdict_date:%d.%m.%Y}" for v in verdicts],
        debts=debts,
        recoveries=recoveries,
        unmasked=unmasked,
        may_record=names and recourse_case.state == "open",
    )


def recourse_case_view(user: User, reference: str) -> CaseView:
    """The claim's recourse case, offenders' IINs masked (finance and auditors)."""
    require_role(user, *READING_ROLES)
    return _case_view(user, _case_of(reference), unmasked=False)


def reveal_offenders(user: User, reference: str, now: datetime) -> CaseView:
    """The case with the offenders' IINs shown, for finance only; the view is logged first."""
    require_role(user, *RECORDING_ROLES)
    recourse_case = _case_of(reference)
    log_access(recourse_case.claim, user, now, "offenders' personal data: recourse case (names, IINs)")
    db.session.commit()
    return _case_view(user, recourse_case, unmasked=True)


def convictions(user: User) -> list[ConvictionRow]:
    """Every recorded conviction, newest first, with how many claims and recourse cases it concerns."""
    require_role(user, *READING_ROLES)
    names = user.has_role(*RECORDING_ROLES)
    rows = []
    for conviction in db.session.scalars(select(Conviction).order_by(Conviction.recorded_at.desc())):
        claims = db.session.scalar(
            select(db.func.count()).select_from(Claim).where(Claim.erdr_number == conviction.erdr_number)
        )
        cases = db.session.scalar(
            select(db.func.count())
            .select_from(RecourseCase)
            .where(RecourseCase.erdr_number == conviction.erdr_number)
        )
        rows.append(
            ConvictionRow(conviction.erdr_number, conviction.court, conviction.verdict_date,
                          conviction.verdict_number, [_shown(o, names, False) for o in conviction.offenders],
                          conviction.recorded_by, conviction.recorded_at, claims, cases)
        )  # fmt: skip
    return rows


def claim_recourse_of(reference: str) -> ClaimRecourse | None:
    """The recourse panel of the claim with this reference, or None while it has no recourse case."""
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    return None if claim is None else claim_recourse(claim)


def claim_recourse(claim: Claim) -> ClaimRecourse | None:
    """The recourse panel of a claim's page (any staff role may open the claim): initials only."""
    recourse_case = db.session.scalar(select(RecourseCase).where(RecourseCase.claim_id == claim.id))
    if recourse_case is None:
        return None
    debts, recoveries = _debts_and_recoveries(recourse_case, names=False, unmasked=False)
    recovered = recovered_on_case(recourse_case)
    return ClaimRecourse(
        state=recourse_case.state,
        opened_at=recourse_case.opened_at,
        amount_paid_kzt=recourse_case.amount_paid_kzt,
        recovered_kzt=recovered,
        outstanding_kzt=case_outstanding(recourse_case.amount_paid_kzt, recovered),
        debts=debts,
        recoveries=recoveries,
    )


def outstanding_csv(user: User, now: datetime) -> str:
    """The open recourse cases as CSV (``OUTSTANDING_COLUMNS``), then a ``total`` row.

    Finance gets offenders' names (each listed claim's access log records the download);
    auditors get initials. IINs are masked in either case.
    """
    require_role(user, *READING_ROLES)
    names = user.has_role(*RECORDING_ROLES)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(OUTSTANDING_COLUMNS)
    totals = [0, 0, 0]
    for recourse_case in _cases("open"):
        row = _row(recourse_case, names)
        offenders = "; ".join(f"{o.name} ({o.iin})" if o.iin else o.name for o in row.offenders)
        writer.writerow(
            [row.reference, recourse_case.claim.category or "", row.erdr_number, row.paid_on.isoformat(),
             fund_date(row.opened_at).isoformat(), row.amount_paid_kzt, row.recovered_kzt,
             row.outstanding_kzt, offenders]
        )  # fmt: skip
        totals = [
            totals[0] + row.amount_paid_kzt,
            totals[1] + row.recovered_kzt,
            totals[2] + row.outstanding_kzt,
        ]
        if names:
            log_access(recourse_case.claim, user, now, "offenders' names: outstanding recourse CSV")
    writer.writerow(["total", "", "", "", "", *totals, ""])
    db.session.commit()
    return buffer.getvalue()
