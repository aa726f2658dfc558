"""Find a claim: one box for a reference, an IIN, a name, an ERDR number or a phone, and filters.

What the box holds decides what is looked for (:func:`read_query`): ``VCF-2026-000123`` a
reference; 12 digits an IIN (the claimant's or the victim's); 15 digits an ERDR number; 10 digits,
or 11 beginning with 7 or 8, a phone number (``+7 701 234-56-78`` and ``8 701 2345678`` are one);
letters any part of the claimant's or the victim's name, in any case, in Cyrillic (with or without
the Kazakh letters) or in Latin letters (fund/claims/search_terms.py). Filters: status, category,
an open task, an officer who recorded an event on the claim, the submission period.

Each kind is an index lookup, not a scan: references, IINs, ERDR numbers and phones through btree
indexes, names through a trigram index (PostgreSQL) or a trigram full-text table (SQLite; revision
0014). Pages are cut by keyset, newest first, like the auditors' search (fund/audit/pages.py), and
matches are counted up to :data:`COUNT_LIMIT`.

A search by personal data (IIN, name, phone) tells whether a person is a claimant: it is logged
(``personal_data_searches``: who, when, the kind and a keyed hash of the query, never the query
itself), and each claim it shows gets a line in the claim's access log. Results never show a
birth date: an IIN shows its last four digits only, names are shown to the roles that work claims
and initials to the others (fund/claims/personal_data.py), phones are not shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import and_, false, func, literal_column, or_, select, table
from sqlalchemy.sql import ColumnElement

from fund.claims.personal_data import PERSONAL_DATA_ROLES, mask_iin, mask_name
from fund.claims.process_versions import process_for_version
from fund.claims.search_terms import fold_name
from fund.common.access import require_role
from fund.common.claim_cursors import (
    COUNT_LIMIT,
    PAGE_SIZE,
    ClaimsPage,
    decode_claim_cursor,
    encode_claim_cursor,
)
from fund.common.errors import Forbidden, Invalid
from fund.common.keyed_codes import hash_code
from fund.common.wording import CATEGORY_LABELS, STATUS_LABELS, task_labels
from fund.extensions import db
from fund.models import (
    ROLES,
    AccessLogEntry,
    Claim,
    Claimant,
    HumanTask,
    PersonalDataSearch,
    ProcessVersion,
    User,
    WorkflowEvent,
)

# A name part's matches are read whole up to this many before they are ordered (see _page_statement);
# beyond it the pages go through this many of them (see _page_rows): ~40 ms at 1,000,000 claims.
CANDIDATE_LIMIT = 5_000
MIN_NAME_LETTERS = 3  # a trigram: fewer letters would match too many names to be of use
MAX_QUERY_LENGTH = 100
# Who may look for a person (IIN, name, phone): the roles that work claims, auditors who check
# them, and heads of unit. Administrators manage accounts: they find claims by reference or ERDR.
PERSONAL_DATA_SEARCH_ROLES = (*PERSONAL_DATA_ROLES, "auditor", "supervisor")
PERSONAL_KINDS = ("iin", "name", "phone")
QUERY_HASH_PURPOSE = "personal data search"  # keyed_codes: a query's hash matches no access code

WHOLE_REFERENCE = re.compile(r"VCF-\d{4}-\d{6,}")
_NUMBER_PUNCTUATION = re.compile(r"[\s()+.\-]")
_NAME = re.compile(r"[^\W\d_]+(?:[\s'’.\-]+[^\W\d_]+)*[.]?")
_FTS = table("claim_names_fts", literal_column("rowid"))

# What a wrong search is told, field by field (fixed sentences: the staff catalog translates them).
SEARCH_HAS_ERRORS = "The search has errors."
QUERY_HELP = (
    "Type a reference (VCF-2026-000123), an IIN (12 digits), an ERDR number (15 digits), a phone "
    "number (10 digits, or 11 beginning with 7 or 8) or at least 3 letters of a name."
)
TOO_LONG = "Type at most 100 characters."
NOT_A_REFERENCE = "A reference looks like VCF-2026-000123."
NOT_A_NAME = "A name has letters, spaces, hyphens and apostrophes only."
NAME_TOO_SHORT = "Type at least 3 letters of a name."
NOT_A_DATE = "Type a date as dd.mm.yyyy."
CHOOSE_A_STATUS = "Choose a status of the list."
CHOOSE_A_CATEGORY = "Choose a category of the list."
CHOOSE_A_TASK = "Choose a task of the list."
OFFICER_TOO_LONG = "A username has at most 80 characters."
PERIOD_BACKWARDS = "The end of the period cannot come before its start."
NOT_YOUR_SEARCH = (
    "Your role may search by reference, ERDR number and filters, not by a person's IIN, name or phone."
)
STATUS_CODES = tuple(STATUS_LABELS)


@dataclass(frozen=True)
class Query:
    """What the box holds, read: ``kind`` is reference, iin, erdr, phone or name; ``value`` is
    normalised (the reference in capitals, digits only, the name folded)."""

    kind: str
    value: str

    @property
    def personal(self) -> bool:
        return self.kind in PERSONAL_KINDS


@dataclass(frozen=True)
class ClaimSearch:
    """The search form: the box and the filters (empty: any); ``after``/``before`` are keyset
    cursors (the page after or before this claim), ``page`` is only the number shown."""

    text: str = ""
    status: str = ""
    category: str = ""
    task: str = ""
    officer: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    after: str = ""
    before: str = ""
    page: int = 1

    @property
    def empty(self) -> bool:
        return not (
            self.text.strip()
            or self.status
            or self.category
            or self.task
            or self.officer.strip()
            or self.submitted_from
            or self.submitted_to
        )


@dataclass(frozen=True)
class FoundClaim:
    """A claim in the results, masked for the viewer: no birth date, an IIN's last four digits."""

    reference: str
    submitted_at: datetime
    status: str
    category: str | None
    claimant_name: str
    claimant_iin: str
    victim_name: str  # empty when the claimant is the victim
    victim_iin: str
    erdr_number: str
    open_tasks: tuple[str, ...]


@dataclass(kw_only=True)
class SearchResults(ClaimsPage[FoundClaim]):
    search: ClaimSearch
    query: Query | None = None
    # A name part with more than CANDIDATE_LIMIT matches: the pages go through that many of them.
    sampled: bool = False

    @property
    def sample_size(self) -> int:
        """How many of a name part's matches the pages go through when ``sampled``."""
        return CANDIDATE_LIMIT


# --- reading the box -------------------------------------------------------------------------------


def read_query(text: str) -> Query | None:
    """The kind of thing the officer typed, normalised; None for an empty box.

    Raises Invalid (field ``q``) for what is none of them: a number of another length, fewer
    than three letters, letters mixed with digits, or more than 100 characters.
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid(SEARCH_HAS_ERRORS, {"q": [TOO_LONG]})
    if WHOLE_REFERENCE.fullmatch(text.upper()):
        return Query("reference", text.upper())
    compact = _NUMBER_PUNCTUATION.sub("", text)
    if compact.isascii() and compact.isdigit():
        if len(compact) == 12:
            return Query("iin", compact)
        if len(compact) == 15:
            return Query("erdr", compact)
        if len(compact) == 10 or (len(compact) == 11 and compact[0] in "78"):
            return Query("phone", compact[-10:])
        raise Invalid(SEARCH_HAS_ERRORS, {"q": [QUERY_HELP]})
    if text.upper().startswith("VCF"):
        raise Invalid(SEARCH_HAS_ERRORS, {"q": [NOT_A_REFERENCE]})
    if not _NAME.fullmatch(text):
        raise Invalid(SEARCH_HAS_ERRORS, {"q": [NOT_A_NAME]})
    folded = fold_name(text)
    if len(folded.replace(" ", "")) < MIN_NAME_LETTERS:
        raise Invalid(SEARCH_HAS_ERRORS, {"q": [NAME_TOO_SHORT]})
    return Query("name", folded)


def read_day(value: str | None, field_name: str) -> date | None:
    """A date typed as ``2026-03-02`` (a date field's value) or ``02.03.2026``; None if empty.

    Raises Invalid naming ``field_name`` for anything else.
    """
    value = (value or "").strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise Invalid(SEARCH_HAS_ERRORS, {field_name: [NOT_A_DATE]})


def check_filters(search: ClaimSearch) -> None:
    """Invalid, naming the field, for a status, category or task the fund does not have, or a
    period that ends before it begins."""
    fields: dict[str, list[str]] = {}
    if search.status and search.status not in STATUS_LABELS:
        fields["status"] = [CHOOSE_A_STATUS]
    if search.category and search.category not in CATEGORY_LABELS:
        fields["category"] = [CHOOSE_A_CATEGORY]
    if len(search.task) > 100 or not re.fullmatch(r"[A-Za-z0-9_]*", search.task):
        fields["task"] = [CHOOSE_A_TASK]
    if len(search.officer) > 80:
        fields["officer"] = [OFFICER_TOO_LONG]
    if search.submitted_from and search.submitted_to and search.submitted_from > search.submitted_to:
        fields["to"] = [PERIOD_BACKWARDS]
    if fields:
        raise Invalid(SEARCH_HAS_ERRORS, fields)


# --- the query -------------------------------------------------------------------------------------


def _like_pattern(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _name_condition(folded: str) -> ColumnElement:
    contains = Claim.search_names.like(_like_pattern(folded), escape="\\")
    if db.session.get_bind().dialect.name == "sqlite":
        # The trigram full-text table finds the candidates; LIKE keeps only true substrings.
        phrase = '"' + folded.replace('"', '""') + '"'
        indexed = select(_FTS.c.rowid).where(literal_column("claim_names_fts").op("MATCH")(phrase))
        return and_(Claim.id.in_(indexed), contains)
    return contains  # the trigram GIN index answers LIKE '%…%' itself


def _claimants_with(column, value: str) -> list[int]:
    # Read first, then named by id: "claimant in (subquery) OR victim IIN = x" would make
    # PostgreSQL test the subquery on every claim; a list of ids lets it use both indexes.
    return list(db.session.scalars(select(Claimant.id).where(column == value)))


def _query_condition(query: Query) -> ColumnElement:
    if query.kind == "reference":
        return Claim.reference == query.value
    if query.kind == "erdr":
        return Claim.erdr_number == query.value
    if query.kind == "iin":
        claimants = _claimants_with(Claimant.iin, query.value)
        victim = Claim.victim_iin == query.value
        return or_(Claim.claimant_id.in_(claimants), victim) if claimants else victim
    if query.kind == "phone":
        claimants = _claimants_with(Claimant.phone_digits, query.value)
        return Claim.claimant_id.in_(claimants) if claimants else false()
    return _name_condition(query.value)


def _start_of(day: date) -> datetime:
    from workflows.scripting import FUND_TIME_ZONE

    return datetime.combine(day, time.min, tzinfo=FUND_TIME_ZONE)


def _conditions(search: ClaimSearch, query: Query | None) -> list:
    conditions = [_query_condition(query)] if query else []
    if search.status:
        conditions.append(Claim.status == search.status)
    if search.category:
        conditions.append(Claim.category == search.category)
    if search.task:
        waiting = select(HumanTask.claim_id).where(HumanTask.state == "open", HumanTask.name == search.task)
        conditions.append(Claim.id.in_(waiting))
    if search.officer.strip():
        acted_on = select(WorkflowEvent.claim_id).where(WorkflowEvent.actor == search.officer.strip())
        conditions.append(Claim.id.in_(acted_on))
    # The calendar's first and last days bound nothing (their edges fall outside a datetime).
    if search.submitted_from and search.submitted_from > date.min:
        conditions.append(Claim.submitted_at >= _start_of(search.submitted_from))
    if search.submitted_to and search.submitted_to < date.max:
        conditions.append(Claim.submitted_at < _start_of(search.submitted_to + timedelta(days=1)))
    return conditions


def _rows_statement():
    """The columns a result shows, of the claim and its claimant."""
    return select(
        Claim.id,
        Claim.reference,
        Claim.submitted_at,
        Claim.status,
        Claim.category,
        Claim.claimant_role,
        Claim.victim_full_name,
        Claim.victim_iin,
        Claim.erdr_number,
        Claimant.full_name,
        Claimant.iin,
    ).join(Claimant, Claimant.id == Claim.claimant_id)


def _beyond(moment_column, id_column, cursor: tuple[datetime, int], backwards: bool):
    moment, claim_id = cursor
    if backwards:  # newer than the cursor's claim
        return or_(moment_column > moment, and_(moment_column == moment, id_column > claim_id))
    return or_(moment_column < moment, and_(moment_column == moment, id_column < claim_id))


def _ordered(statement, moment_column, id_column, backwards: bool):
    if backwards:
        return statement.order_by(moment_column.asc(), id_column.asc())
    return statement.order_by(moment_column.desc(), id_column.desc())


def _page_statement(conditions: list, cursor: tuple[datetime, int] | None, backwards: bool, whole: bool):
    """A page and one row more, newest first (oldest first going backwards from ``cursor``).

    With ``whole`` (a name part), the matches are first read whole, up to CANDIDATE_LIMIT of
    them, then ordered and cut, and only the page's claims are read: each row also carries
    ``matched``, how many matches there were. Asked for a page "newest first" directly,
    PostgreSQL would rather walk the claims newest first and test each one's names (quick when
    the name is common, slow when its claims are few and old); the LIMITs inside the subqueries
    keep it from doing so, and the trigram index finds the matches in any order. More matches
    than CANDIDATE_LIMIT are so many that walking the claims newest first finds a page soon: the
    caller then asks again without ``whole``.
    """
    if not whole:
        statement = _rows_statement().where(*conditions)
        if cursor is not None:
            statement = statement.where(_beyond(Claim.submitted_at, Claim.id, cursor, backwards))
        return _ordered(statement, Claim.submitted_at, Claim.id, backwards).limit(PAGE_SIZE + 1)
    found = select(Claim.id, Claim.submitted_at).where(*conditions).limit(CANDIDATE_LIMIT + 1).subquery()
    counted = select(found.c.id, found.c.submitted_at, func.count().over().label("matched")).subquery()
    page = select(counted)
    if cursor is not None:
        page = page.where(_beyond(counted.c.submitted_at, counted.c.id, cursor, backwards))
    page = _ordered(page, counted.c.submitted_at, counted.c.id, backwards).limit(PAGE_SIZE + 1).subquery()
    statement = _rows_statement().add_columns(page.c.matched).join(page, page.c.id == Claim.id)
    return _ordered(statement, page.c.submitted_at, page.c.id, backwards)


def _page_rows(conditions: list, cursor, backwards: bool, whole: bool) -> tuple[list, int | None, bool]:
    """The page's rows (see :func:`_page_statement`), how many claims match when that was learnt on
    the way (None otherwise), and whether the page is cut from a sample of the matches.

    A name part with more matches than CANDIDATE_LIMIT is paged within the CANDIDATE_LIMIT of them
    the index gave (newest first among those; the page says so and asks for more letters or a
    filter): putting every match in order would cost in proportion to them, and walking the claims
    newest first costs in proportion to the claims newer than the matches (seconds at 1,000,000
    claims when a name's claims are old, benchmarks/RESULTS.md). Only past the sample's end, going
    on from a cursor, are the claims walked in order.
    """
    if whole:
        rows = list(db.session.execute(_page_statement(conditions, cursor, backwards, True)))
        if not rows and cursor is None:  # no match at all
            return rows, 0, False
        if rows:
            return rows, rows[0].matched, rows[0].matched > CANDIDATE_LIMIT
        # None of the matches read lies beyond the cursor: only walking the claims can tell.
    return list(db.session.execute(_page_statement(conditions, cursor, backwards, False))), None, False


# --- masking ---------------------------------------------------------------------------------------


def _found(row, names_shown: bool, open_tasks: tuple[str, ...]) -> FoundClaim:
    def name(value: str | None) -> str:
        return (value or "") if names_shown else mask_name(value)

    other_victim = row.claimant_role != "victim" and bool(row.victim_full_name or row.victim_iin)
    return FoundClaim(
        reference=row.reference,
        submitted_at=row.submitted_at,
        status=row.status,
        category=row.category,
        claimant_name=name(row.full_name),
        claimant_iin=mask_iin(row.iin),
        victim_name=name(row.victim_full_name) if other_victim else "",
        victim_iin=mask_iin(row.victim_iin) if other_victim else "",
        erdr_number=row.erdr_number,
        open_tasks=open_tasks,
    )


def _task_labels() -> dict[str, str]:
    version = db.session.scalar(
        select(ProcessVersion.version).order_by(ProcessVersion.deployed_at.desc()).limit(1)
    )
    return _labels_of_version(version) if version else {}


@lru_cache(maxsize=8)
def _labels_of_version(version: str) -> dict[str, str]:
    # A version's files never change (their sha256 names it): its task words can be kept.
    return task_labels(process_for_version(version))


def task_choices() -> list[tuple[str, str]]:
    """The tasks of the current process, by name, for the "open task" filter (in words)."""
    return sorted(_task_labels().items(), key=lambda item: item[1])


# --- the use case ----------------------------------------------------------------------------------


def search_claims(user: User, search: ClaimSearch, now: datetime) -> SearchResults:
    """Claims matching the box and every filter, newest first, one page of :data:`PAGE_SIZE`.

    Every staff role may search by reference, ERDR number and filters; a search by IIN, name or
    phone needs :data:`PERSONAL_DATA_SEARCH_ROLES` and is logged (one ``personal_data_searches``
    row, and an access log line for each claim shown). An empty form finds nothing (and costs
    nothing). Raises Invalid naming the field for a box or filter that cannot be read.
    """
    require_role(user, *ROLES)
    query = read_query(search.text)
    check_filters(search)
    if query is not None and query.personal and not user.has_role(*PERSONAL_DATA_SEARCH_ROLES):
        raise Forbidden(NOT_YOUR_SEARCH, {"q": [NOT_YOUR_SEARCH]})
    labels = _task_labels()
    results = SearchResults(search=search, query=query, page_size=PAGE_SIZE)
    if search.empty:
        results.search = replace(search, after="", before="", page=1)
        return results

    conditions = _conditions(search, query)
    whole = query is not None and query.kind == "name"
    after, before = decode_claim_cursor(search.after), decode_claim_cursor(search.before)
    backwards = after is None and before is not None
    if after is None and before is None:
        search = replace(search, after="", before="", page=1)
    rows, matched, sampled = _page_rows(conditions, after or before, backwards, whole)
    if backwards and len(rows) <= PAGE_SIZE:  # went back past the first page: show the first page
        search, backwards = replace(search, after="", before="", page=1), False
        rows, matched, sampled = _page_rows(conditions, None, False, whole)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
    first_page = not backwards and after is None
    has_next = more or backwards
    has_previous = bool(rows) and (more if backwards else not first_page)
    if matched is not None:
        counted = matched
    elif first_page and not more:
        counted = len(rows)
    else:
        counted = (
            db.session.scalar(
                select(func.count()).select_from(
                    select(Claim.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()
                )
            )
            or 0
        )

    tasks: dict[int, list[str]] = {}
    if rows:
        for claim_id, name in db.session.execute(
            select(HumanTask.claim_id, HumanTask.name)
            .where(HumanTask.claim_id.in_([row.id for row in rows]), HumanTask.state == "open")
            .order_by(HumanTask.created_at)
        ):
            tasks.setdefault(claim_id, []).append(labels.get(name, name))
    names_shown = user.has_role(*PERSONAL_DATA_ROLES)
    results.search = replace(search, page=max(1, search.page))
    results.rows = [_found(row, names_shown, tuple(tasks.get(row.id, ()))) for row in rows]
    results.total = min(counted, COUNT_LIMIT)
    results.more_than_counted = counted > COUNT_LIMIT
    if sampled:  # more than were read: at least that many, and more
        results.total, results.more_than_counted = min(CANDIDATE_LIMIT, COUNT_LIMIT), True
    results.sampled = sampled
    results.next_cursor = encode_claim_cursor(rows[-1]) if has_next and rows else None
    results.previous_cursor = encode_claim_cursor(rows[0]) if has_previous else None

    if query is not None and query.personal:
        _log_search(user, query, counted, rows, now)
    return results


def _log_search(user: User, query: Query, counted: int, rows: list, now: datetime) -> None:
    """The search, and each claim it showed, in the logs; committed here (one transaction)."""
    db.session.add(
        PersonalDataSearch(
            username=user.username,
            searched_at=now,
            kind=query.kind,
            query_hash=hash_code(f"{query.kind}:{query.value}", QUERY_HASH_PURPOSE),
            found=min(counted, COUNT_LIMIT + 1),
        )
    )
    words = {"iin": "an IIN", "name": "a name", "phone": "a phone number"}[query.kind]
    db.session.add_all(
        AccessLogEntry(
            claim_id=row.id, username=user.username, viewed_at=now, what=f"found by a search by {words}"
        )
        for row in rows
    )
    db.session.commit()
