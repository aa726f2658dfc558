"""What the auditors' pages read: a search over claims, and a claim's access log.

Read-only, for auditors and administrators. Search results carry no personal data: reference,
category, status, dates and the staff who acted on the claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from fund.audit.replay import AUDIT_ROLES
from fund.claims.claim_file import officer_namer
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.claim_cursors import (
    COUNT_LIMIT,
    PAGE_SIZE,
    ClaimsPage,
    decode_claim_cursor,
    encode_claim_cursor,
)
from fund.common.wording import CATEGORY_LABELS, STATUS_LABELS, label
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, User, WorkflowEvent

# A claim's whole reference (fund/claims/submission.py): it names one claim, not a part of others.
WHOLE_REFERENCE = re.compile(r"VCF-\d{4}-\d{6,}")


@dataclass(frozen=True)
class ClaimSearch:
    """The filters of the search form; empty means any. ``after``/``before`` are keyset cursors
    (the page after or before this claim); ``page`` is only the number shown."""

    reference: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    category: str = ""
    officer: str = ""
    status: str = ""
    after: str = ""
    before: str = ""
    page: int = 1


@dataclass(frozen=True)
class ClaimRow:
    reference: str
    submitted_at: datetime
    updated_at: datetime
    category_label: str
    status_label: str


@dataclass(kw_only=True)
class SearchPage(ClaimsPage[ClaimRow]):
    search: ClaimSearch


@dataclass(frozen=True)
class AccessRow:
    username: str
    who: str
    viewed_at: datetime
    what: str


def _start_of(day: date) -> datetime:
    from workflows.scripting import FUND_TIME_ZONE

    return datetime.combine(day, time.min, tzinfo=FUND_TIME_ZONE)


def _conditions(search: ClaimSearch) -> list:
    conditions = []
    if search.reference:
        wanted = search.reference.strip().upper()
        if WHOLE_REFERENCE.fullmatch(wanted):  # one claim, found through the unique index
            conditions.append(Claim.reference == wanted)
        else:  # part of one: every reference is read, from their index (a tenth of the table's size)
            holding = aliased(Claim)
            conditions.append(
                Claim.reference.in_(select(holding.reference).where(holding.reference.contains(wanted)))
            )
    # The calendar's first and last days bound nothing, and their edges in UTC (or the day after
    # the last) fall outside what a datetime can hold: such a bound is left out, not computed.
    if search.submitted_from and search.submitted_from > date.min:
        conditions.append(Claim.submitted_at >= _start_of(search.submitted_from))
    if search.submitted_to and search.submitted_to < date.max:
        conditions.append(Claim.submitted_at < _start_of(search.submitted_to + timedelta(days=1)))
    if search.category:
        conditions.append(Claim.category == search.category)
    if search.status:
        conditions.append(Claim.status == search.status)
    if search.officer:
        # Every command on a claim is an event with its actor, a task's completion included (its
        # ``completed_by`` is that event's actor): the history alone names everyone who acted.
        acted_on = select(WorkflowEvent.claim_id).where(WorkflowEvent.actor == search.officer.strip())
        conditions.append(Claim.id.in_(acted_on))
    return conditions


def _page_statement(conditions: list, cursor: tuple[datetime, int] | None, backwards: bool):
    """A page and one row more, newest first (oldest first going backwards from ``cursor``)."""
    statement = select(
        Claim.id, Claim.reference, Claim.submitted_at, Claim.updated_at, Claim.category, Claim.status
    ).where(*conditions)
    if cursor is not None:
        moment, claim_id = cursor
        if backwards:  # newer than the cursor's claim
            beyond = or_(Claim.submitted_at > moment, and_(Claim.submitted_at == moment, Claim.id > claim_id))
        else:
            beyond = or_(Claim.submitted_at < moment, and_(Claim.submitted_at == moment, Claim.id < claim_id))
        statement = statement.where(beyond)
    if backwards:
        statement = statement.order_by(Claim.submitted_at.asc(), Claim.id.asc())
    else:
        statement = statement.order_by(Claim.submitted_at.desc(), Claim.id.desc())
    return statement.limit(PAGE_SIZE + 1)


def search_claims(user: User, search: ClaimSearch) -> SearchPage:
    """Claims matching every filter, newest first, one page of PAGE_SIZE.

    The period is the submission day in Almaty, both ends included; ``officer`` is a username
    that recorded an event on the claim (completing one of its tasks records one); a whole
    ``reference`` finds that claim, a part of one every claim whose reference holds it.

    Pages are cut by keyset (the claims after or before a cursor), so a later page costs what the
    first does, and the matches are counted up to :data:`COUNT_LIMIT`. Two queries whatever the
    number of claims (one when the first page holds every match), the page read in its order
    from an index (revision 0011), both stopped by a LIMIT; only the columns shown are read (no
    claimant).
    """
    require_role(user, *AUDIT_ROLES)
    conditions = _conditions(search)
    after, before = decode_claim_cursor(search.after), decode_claim_cursor(search.before)
    backwards = after is None and before is not None
    if after is None and before is None:
        search = replace(search, after="", before="", page=1)
    rows = list(db.session.execute(_page_statement(conditions, after or before, backwards)))
    if backwards and len(rows) <= PAGE_SIZE:
        # Went back past the first page (newer claims came meanwhile): show the first page.
        search, backwards = replace(search, after="", before="", page=1), False
        rows = list(db.session.execute(_page_statement(conditions, None, False)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
    first_page = not backwards and after is None
    has_next = more or backwards
    has_previous = bool(rows) and (more if backwards else not first_page)
    if first_page and not more:  # every match is on this page: counted already
        counted = len(rows)
    else:
        counted = db.session.scalar(
            select(func.count()).select_from(
                select(Claim.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()
            )
        )
    return SearchPage(
        page_size=PAGE_SIZE,
        search=replace(search, page=max(1, search.page)),
        rows=[
            ClaimRow(
                row.reference,
                row.submitted_at,
                row.updated_at,
                label(CATEGORY_LABELS, row.category) if row.category else "not decided yet",
                label(STATUS_LABELS, row.status),
            )
            for row in rows
        ],
        total=min(counted or 0, COUNT_LIMIT),
        more_than_counted=(counted or 0) > COUNT_LIMIT,
        next_cursor=encode_claim_cursor(rows[-1]) if has_next and rows else None,
        previous_cursor=encode_claim_cursor(rows[0]) if has_previous else None,
    )


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
