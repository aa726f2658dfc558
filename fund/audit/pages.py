"""What the auditors' pages read: a search over claims, and a claim's access log.

Read-only, for auditors and administrators. Search results carry no personal data: reference,
category, status, dates and the staff who acted on the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, or_, select

from fund.audit.replay import AUDIT_ROLES
from fund.claims.claim_file import officer_namer
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.wording import CATEGORY_LABELS, STATUS_LABELS, label
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, HumanTask, User, WorkflowEvent

PAGE_SIZE = 25


@dataclass(frozen=True)
class ClaimSearch:
    """The filters of the search form; empty means any."""

    reference: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    category: str = ""
    officer: str = ""
    status: str = ""
    page: int = 1


@dataclass(frozen=True)
class ClaimRow:
    reference: str
    submitted_at: datetime
    updated_at: datetime
    category_label: str
    status_label: str


@dataclass
class SearchPage:
    search: ClaimSearch
    rows: list[ClaimRow] = field(default_factory=list)
    total: int = 0
    pages: int = 1


@dataclass(frozen=True)
class AccessRow:
    username: str
    who: str
    viewed_at: datetime
    what: str


def _start_of(day: date) -> datetime:
    from workflows.scripting import FUND_TIME_ZONE

    return datetime.combine(day, time.min, tzinfo=FUND_TIME_ZONE)


def search_claims(user: User, search: ClaimSearch) -> SearchPage:
    """Claims matching every filter, newest first, one page of PAGE_SIZE.

    The period is the submission day in Almaty, both ends included; ``officer`` is a username
    that recorded an event on the claim or completed one of its tasks.
    """
    require_role(user, *AUDIT_ROLES)
    query = select(Claim)
    if search.reference:
        query = query.where(Claim.reference.contains(search.reference.strip().upper()))
    # The calendar's first and last days bound nothing, and their edges in UTC (or the day after
    # the last) fall outside what a datetime can hold: such a bound is left out, not computed.
    if search.submitted_from and search.submitted_from > date.min:
        query = query.where(Claim.submitted_at >= _start_of(search.submitted_from))
    if search.submitted_to and search.submitted_to < date.max:
        query = query.where(Claim.submitted_at < _start_of(search.submitted_to + timedelta(days=1)))
    if search.category:
        query = query.where(Claim.category == search.category)
    if search.status:
        query = query.where(Claim.status == search.status)
    if search.officer:
        name = search.officer.strip()
        query = query.where(
            or_(
                exists().where(WorkflowEvent.claim_id == Claim.id, WorkflowEvent.actor == name),
                exists().where(HumanTask.claim_id == Claim.id, HumanTask.completed_by == name),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, search.page), pages)
    claims = db.session.scalars(
        query.order_by(Claim.submitted_at.desc(), Claim.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [
        ClaimRow(
            c.reference,
            c.submitted_at,
            c.updated_at,
            label(CATEGORY_LABELS, c.category) if c.category else "not decided yet",
            label(STATUS_LABELS, c.status),
        )
        for c in claims
    ]
    return SearchPage(replace(search, page=page), rows, total, pages)


def access_log(user: User, reference: str) -> list[AccessRow]:
    """Who opened the claim's personal data (or downloaded its files), and when; oldest first."""
    require_role(user, *AUDIT_ROLES)
    claim = get_claim(user, reference)
    entries = list(
        db.session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.claim_id == claim.id)
            .order_by(AccessLogEntry.viewed_at, AccessLogEntry.id)
        )
    )
    who = officer_namer({e.username for e in entries})
    return [AccessRow(e.username, who(e.username), e.viewed_at, e.what) for e in entries]
