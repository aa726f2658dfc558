"""The officers' claim search at scale: p50 and p95 of each kind of query, beside a plain ILIKE scan.

What it measures: the search use case (fund/officers/search.py, ``search_claims``) as a page calls
it, signed in as a reviewer, on PostgreSQL: reading the box, the page's query (and the count when
there is more than a page), the open tasks of the page's claims, and for a search by personal
data its writes to the logs and their commit. No rendering, no HTTP. Each kind is timed beside
its *baseline* in the same run: the same search written as a plain ``ILIKE '%…%'`` over the raw
columns (what an index cannot answer, so PostgreSQL reads every claim), with the same page size
and count limit.

The kinds: a whole reference; an IIN (a claimant's, a victim's); a part of a name that many
claims share (Latin, and Cyrillic with Kazakh letters), a part only a probe claim has, a name
nobody has; an ERDR number; a phone as people write it; the filters (status with category, an
open task, an officer who acted on most claims and one who acted on three, the last 30 days) and
a name part with a status.

The claims come from the bulk generator (benchmarks/bulk_claims.py, as benchmarks/reads.py uses
it): templates run through the services, the rest cloned; its clones get the search columns as
submission writes them. Three probe claims with names no clone has are submitted through the
service each run, and a probe officer completes their intake checks.

Use (from the project root)::

    python benchmarks/search.py --database postgresql+psycopg://root@127.0.0.1:5432/fund_search100k \\
        --claims 100000 --fresh --small-letters
    python benchmarks/search.py --database …/fund_search100k --claims 100000 --reuse   # time again
    python benchmarks/search.py --database …/fund_search1m --claims 1000000 --fresh --small-letters

The default of 100,000 claims fills in about seven minutes on two CPUs; 1,000,000 takes about an
hour and ~16 GB with ``--small-letters``. Benchmarks are never run by tests; figures are recorded
in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bulk_claims import fill_claims, open_database  # noqa: E402
from benchmarks.engine import code_revision  # noqa: E402
from benchmarks.reads import count_claims, vacuum_analyze  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://root@127.0.0.1:5432/fund_search"
PROBE_OFFICER = "search.intake"
PROBES = (  # names no bulk claim has (benchmarks/claimants.py), and their phones
    ("Жаңылсын Байбосынова", "+7 747 900 00 01"),
    ("Ақбөпе Жұмабекова", "+7 747 900 00 02"),
    ("Wolfgang Müller", "+7 747 900 00 03"),
)
TARGET_MS = 100  # issue 14: p95 at 1,000,000 claims on PostgreSQL


@dataclass
class Case:
    """One search to time: the form's values, and the baseline's conditions (a callable, since
    they are built inside the application context)."""

    name: str
    search: dict[str, Any]
    baseline: Callable[[], list]


@dataclass
class Timing:
    name: str
    found: int
    p50: float
    p95: float
    baseline_p50: float
    baseline_p95: float


# --- the claims and the people ------------------------------------------------------------------------


def make_probes(app) -> list[str]:
    """Three claims with names no clone has, their intake checks completed by a probe officer."""
    from benchmarks.genuine_claims import SCENARIOS, _body
    from fund.claims import submission, tasks
    from fund.common.time import utc_now
    from fund.common.users import create_user
    from fund.extensions import db
    from fund.models import Claim, HumanTask, User

    references = []
    with app.app_context():
        now = utc_now()
        officer = db.session.scalar(select(User).where(User.username == PROBE_OFFICER))
        if officer is None:
            officer = create_user(PROBE_OFFICER, "bulk claims password", ["intake"], now, "Probe Intake")
        for number, (name, phone) in enumerate(PROBES):
            body = _body(950_000 + number, SCENARIOS[0], now)
            body["claimant"].update(full_name=name, phone=phone)
            submitted = submission.submit_claim(body, now)
            references.append(submitted.reference)
            task_id = db.session.scalar(
                select(HumanTask.id)
                .join(Claim, Claim.id == HumanTask.claim_id)
                .where(Claim.reference == submitted.reference, HumanTask.state == "open")
            )
            tasks.complete_task(officer, task_id, {"documents_complete": True}, now + timedelta(seconds=1))
    return references


def reviewer(app):
    from fund.common.time import utc_now
    from fund.common.users import create_user
    from fund.extensions import db
    from fund.models import User

    user = db.session.scalar(select(User).where(User.username == "search.reviewer"))
    return user or create_user(
        "search.reviewer", "bulk claims password", ["reviewer"], utc_now(), "Probe Reviewer"
    )


# --- what is timed ------------------------------------------------------------------------------------


def cases(probes: list[str]) -> list[Case]:
    """Every kind of query, with its baseline; read inside the application context."""
    from fund.extensions import db
    from fund.models import Claim, Claimant, HumanTask, WorkflowEvent

    middle = db.session.scalar(select(Claim).order_by(Claim.id).offset(count_middle()).limit(1))
    probe = db.session.scalar(select(Claim).where(Claim.reference == probes[0]))
    other_victim = db.session.scalar(
        select(Claim)
        .where(Claim.claimant_role != "victim", Claim.id >= middle.id)
        .order_by(Claim.id)
        .limit(1)
    )
    # Plain values: the cases are timed in another application context than this one.
    reference, claimant_iin, victim_iin = middle.reference, middle.claimant.iin, other_victim.victim_iin
    erdr_number = probe.erdr_number
    phone = middle.claimant.phone  # "+77010012345": typed as people write it
    typed_phone = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
    month_ago = datetime.now(UTC) - timedelta(days=30)

    def names(part: str):
        return or_(Claimant.full_name.ilike(f"%{part}%"), Claim.victim_full_name.ilike(f"%{part}%"))

    def iin(value: str):
        return or_(Claimant.iin.ilike(f"%{value}%"), Claim.victim_iin.ilike(f"%{value}%"))

    def digits_of_phone(value: str):
        return func.regexp_replace(Claimant.phone, "[^0-9]", "", "g").ilike(f"%{value}%")

    acted = select(WorkflowEvent.claim_id)
    waiting = select(HumanTask.claim_id).where(HumanTask.state == "open", HumanTask.name == "intake_check")
    return [
        Case("reference", {"text": reference}, lambda: [Claim.reference.ilike(f"%{reference}%")]),
        Case("IIN (claimant)", {"text": claimant_iin}, lambda: [iin(claimant_iin)]),
        Case("IIN (victim)", {"text": victim_iin}, lambda: [iin(victim_iin)]),
        Case("name part, Latin, common", {"text": "mille"}, lambda: [names("mille")]),
        Case("name part, Cyrillic, common", {"text": "Сәрсен"}, lambda: [names("Сәрсен")]),
        Case("name part, Cyrillic, rare", {"text": "байбосын"}, lambda: [names("байбосын")]),
        Case("name part, Latin, rare", {"text": "muller"}, lambda: [names("müller")]),
        Case("name, nobody", {"text": "Нұрсұлтанқызы"}, lambda: [names("Нұрсұлтанқызы")]),
        Case("ERDR number", {"text": erdr_number}, lambda: [Claim.erdr_number.ilike(f"%{erdr_number}%")]),
        Case("phone", {"text": typed_phone}, lambda: [digits_of_phone(phone[2:])]),
        Case(
            "status + category",
            {"status": "approved", "category": "torture"},
            lambda: [Claim.status == "approved", Claim.category == "torture"],
        ),
        Case("open task", {"task": "intake_check"}, lambda: [Claim.id.in_(waiting)]),
        Case(
            "officer, most claims",
            {"officer": "bulk.intake"},
            lambda: [Claim.id.in_(acted.where(WorkflowEvent.actor == "bulk.intake"))],
        ),
        Case(
            "officer, three claims",
            {"officer": PROBE_OFFICER},
            lambda: [Claim.id.in_(acted.where(WorkflowEvent.actor == PROBE_OFFICER))],
        ),
        Case(
            "last 30 days",
            {"submitted_from": month_ago.date()},
            lambda: [Claim.submitted_at >= month_ago.replace(hour=0, minute=0)],
        ),
        Case(
            "name part + status",
            {"text": "сәрсен", "status": "paid"},
            lambda: [names("сәрсен"), Claim.status == "paid"],
        ),
    ]


def count_middle() -> int:
    from fund.extensions import db
    from fund.models import Claim

    return (db.session.scalar(select(func.count()).select_from(Claim)) or 0) // 2


def baseline_search(conditions: list) -> int:
    """The same page and count as the use case, over ILIKE conditions: matches on the page."""
    from fund.extensions import db
    from fund.models import Claim, Claimant
    from fund.officers.search import COUNT_LIMIT, PAGE_SIZE

    page = list(
        db.session.execute(
            select(Claim.id, Claim.reference, Claim.submitted_at, Claimant.full_name, Claimant.iin)
            .join(Claimant, Claimant.id == Claim.claimant_id)
            .where(and_(*conditions))
            .order_by(Claim.submitted_at.desc(), Claim.id.desc())
            .limit(PAGE_SIZE + 1)
        )
    )
    if len(page) > PAGE_SIZE:
        db.session.scalar(
            select(func.count()).select_from(
                select(Claim.id)
                .join(Claimant, Claimant.id == Claim.claimant_id)
                .where(and_(*conditions))
                .limit(COUNT_LIMIT + 1)
                .subquery()
            )
        )
    db.session.rollback()
    return len(page[:PAGE_SIZE])


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_cases(app, listed: list[Case], repeat: int, warm: int, echo: Callable[[str], None]) -> list[Timing]:
    from fund.common.time import utc_now
    from fund.extensions import db
    from fund.officers.search import ClaimSearch, search_claims

    results = []
    with app.test_request_context():
        user = reviewer(app)
        for case in listed:
            search = ClaimSearch(**case.search)
            conditions = case.baseline()
            found = 0
            ours, theirs = [], []
            for attempt in range(warm + repeat):
                began = time.perf_counter()
                found = len(search_claims(user, search, utc_now()).rows)
                spent = (time.perf_counter() - began) * 1000
                db.session.rollback()
                began = time.perf_counter()
                baseline_found = baseline_search(conditions)
                spent_baseline = (time.perf_counter() - began) * 1000
                if attempt >= warm:
                    ours.append(spent)
                    theirs.append(spent_baseline)
            p50, p95 = _percentiles(ours)
            b50, b95 = _percentiles(theirs)
            timing = Timing(case.name, found, p50, p95, b50, b95)
            if found != baseline_found and "name" not in case.name and "phone" not in case.name:
                echo(f"  note: {case.name}: {found} shown by the search, {baseline_found} by the baseline")
            echo(_line(timing))
            results.append(timing)
    return results


def _line(timing: Timing) -> str:
    faster = timing.baseline_p95 / max(timing.p95, 0.01)
    return (
        f"{timing.name:<30} {timing.found:>5} {timing.p50:>9.1f} {timing.p95:>9.1f}"
        f" {timing.baseline_p50:>11.1f} {timing.baseline_p95:>11.1f} {faster:>8.0f}×"
    )


def table(results: list[Timing], heading: str) -> str:
    lines = [
        heading,
        "",
        f"{'query':<30} {'shown':>5} {'p50 ms':>9} {'p95 ms':>9} {'ILIKE p50':>11} {'ILIKE p95':>11}"
        f" {'faster':>9}",
    ]
    lines += [_line(timing) for timing in results]
    worst = max(results, key=lambda timing: timing.p95)
    lines.append(
        f"\nslowest p95: {worst.name} {worst.p95:.1f} ms (target at 1,000,000 claims: {TARGET_MS} ms)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"SQLAlchemy URL (default {DEFAULT_DATABASE})"
    )
    parser.add_argument(
        "--claims", type=int, default=100_000, help="claims in the database (default 100,000)"
    )
    parser.add_argument("--million", action="store_true", help="1,000,000 claims (overrides --claims)")
    parser.add_argument("--fresh", action="store_true", help="drop every table first")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the claims there, add only what is missing"
    )
    parser.add_argument(
        "--small-letters", action="store_true", help="cloned letters get a small stand-in PDF"
    )
    parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE after the fill")
    parser.add_argument("--repeat", type=int, default=30, help="timed searches per kind (default 30)")
    parser.add_argument("--warm", type=int, default=3, help="untimed searches first (default 3)")
    parser.add_argument("--only", help="time only the kinds whose name contains this text")
    args = parser.parse_args(argv)
    claims_wanted = 1_000_000 if args.million else args.claims
    if args.fresh and args.reuse:
        parser.error("--fresh drops the claims that --reuse keeps: choose one")
    if claims_wanted < 1 or args.repeat < 1 or args.warm < 0:
        parser.error("--claims and --repeat must be at least 1, --warm at least 0")
    if not args.database.startswith("postgresql"):
        parser.error("--database: the search is measured on PostgreSQL (its trigram index)")

    app = open_database(args.database, args.fresh)
    logging.getLogger("fund").setLevel(logging.WARNING)
    existing = count_claims(app)
    if not args.reuse and existing and not args.fresh:
        parser.error(f"the database has {existing} claims: add --reuse to keep them or --fresh to drop them")
    missing = claims_wanted - existing
    if missing > 0:
        began = time.perf_counter()
        with app.app_context():
            fill_claims(missing, small_letters=args.small_letters, seal=False)
        print(f"filled {missing} claims in {time.perf_counter() - began:.0f} s", flush=True)
    probes = make_probes(app)
    if not args.no_vacuum:
        print(f"VACUUM ANALYZE in {vacuum_analyze(app):.0f} s", flush=True)
    with app.app_context():
        listed = cases(probes)
    if args.only:
        listed = [case for case in listed if args.only in case.name]
    heading = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · code {code_revision()} · {count_claims(app)} claims · "
        f"{app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1].split('+')[0]} · {os.cpu_count()} CPUs · "
        f"load average {os.getloadavg()[0]:.2f} · {args.repeat} searches per kind after {args.warm}"
    )
    print(heading, flush=True)
    results = time_cases(app, listed, args.repeat, args.warm, lambda line: print(line, flush=True))
    print()
    print(table(results, heading))


if __name__ == "__main__":
    sys.exit(main())
