"""Fill a database with many realistic claims whose histories verify exactly like production data.

What it makes: N claims in a spread of states (submitted, documents requested, under review,
awaiting approval, approved, paid, payment failed, rejected, reconsideration, closed as
incomplete...), each with its event hash chain, the stored snapshot and its digest, its worklist
tasks and timers, its issued letters (PDF and sha256), and, at the end, a seal over every claim's
head. ``fund audit verify --all`` checks them exactly as it checks real claims.

How it stays fast and honest. Running a claim through the services costs ~150 ms (a PDF per
letter, the engine and a transaction per step): 100,000 claims would take hours.
So a few hundred *template* claims run through the real services and engine (``submit_claim``,
``complete_task``, ``deliver_message``, then ``run_due_timers``), and the rest are *clones* of
them, written in bulk with a new reference and a new claimant. The engine's process state
depends on the claim only through its reference: it is the instance key, and every task id is
derived from it (``workflows.clock``); the claimant's name, IIN, phone, e-mail and IBAN are not
process data. So a clone's history is its template's with the reference and the task ids
rewritten, and every hash is then computed again: the state digest of every intermediate state
(the template is replayed once to get those states), each event's hash chained from the genesis
hash, the snapshot's digest and the instance's last event hash. Nothing in verification is
weakened: ``fund audit verify`` replays each clone from its own recorded commands and finds the
rewritten states, or reports a finding. Every template is verified before it is cloned.

What clones share with their template (said here so that no one mistakes it): the times of every
event (templates are spread over the past year), the process facts (article, harm, dates, the
victim's birth date, hence the claimant's birth date when the claimant is the victim), the access
code's hash, and each letter's PDF bytes and verification-code hash. A clone's letter has its own
id and number, and its sha256 is computed from its bytes, so verifying it is the same work as for
any letter; the text inside the PDF names the template's claim. Claims have no documents, and
clones no notification rows (the outbox) nor access log entries.

Use, as a script (from the project root; the database is migrated, and emptied with ``--fresh``)::

    python benchmarks/bulk_claims.py --database postgresql+psycopg://root@127.0.0.1:5432/fund_audit100k \\
        --claims 100000 --fresh
    python benchmarks/bulk_claims.py --database sqlite:////tmp/bulk.sqlite3 --claims 1000 --fresh
    # 500 claims approved and waiting for payment (for a payout batch benchmark):
    python benchmarks/bulk_claims.py --database URL --claims 500 --state approved --fresh

or as a function, inside an application context on a migrated database::

    from benchmarks.bulk_claims import fill_claims
    result = fill_claims(500, states=("approved",))   # 500 approved claims
    result.references                                  # every reference made, templates first

Further options: ``--templates K`` (default 300, fewer when N is smaller), ``--no-seal``,
``--batch`` (clones written per transaction), and ``--small-letters``: clones' letters get a small
stand-in PDF (~1 KB, saying what it is, its sha256 computed from it as for any letter) instead of
their template's ~32 KB, for fills too large for the disk (1,000,000 claims' PDFs take ~57 GB).
Pages and reads that do not open a PDF are unaffected; reading PDFs is then cheaper than it would
be. Benchmarks are never run by tests.

The parts: benchmarks/genuine_claims.py runs the templates through the services,
benchmarks/claim_clones.py rewrites a template's rows for each clone, benchmarks/claimants.py makes
up valid claimants; this module writes the clones in bulk, seals, and is the command line.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.claim_clones import Ids, clone_rows, load_template  # noqa: E402
from benchmarks.genuine_claims import SCENARIOS, prepare_database, run_templates  # noqa: E402

# --- the whole fill -----------------------------------------------------------------------------------

TABLE_ORDER = (
    "claimants",
    "claims",
    "workflow_instances",
    "workflow_events",
    "human_tasks",
    "timers",
    "letters",
)
INTEGER_KEYED = ("claimants", "claims", "workflow_instances", "workflow_events", "letters")


@dataclass
class FillResult:
    """What :func:`fill_claims` made."""

    references: list[str] = field(default_factory=list)
    templates: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    template_seconds: float = 0.0
    clone_seconds: float = 0.0
    seal_seconds: float = 0.0


def _next_ids() -> Ids:
    from fund.extensions import db

    return Ids(
        {name: (db.session.scalar(text(f"SELECT max(id) FROM {name}")) or 0) + 1 for name in INTEGER_KEYED}
    )


def _reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences: move them past the ids written here."""
    from fund.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in INTEGER_KEYED:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
        )


def _batches(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def stand_in_pdf() -> bytes:
    """A one-page PDF (~1 KB) that says it stands in for a letter of a benchmark's cloned claim."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    page = Canvas(out, invariant=1)  # the same bytes every time
    page.drawString(72, 720, "Benchmark stand-in for a decision letter of a cloned claim (bulk_claims.py).")
    page.save()
    return out.getvalue()


def fill_claims(
    count: int,
    states: tuple[str, ...] | None = None,
    templates: int = 300,
    now: datetime | None = None,
    seal: bool = True,
    batch: int = 500,
    echo: Callable[[str], None] = print,
    small_letters: bool = False,
) -> FillResult:
    """Add ``count`` verifiable claims to the database of the current application context.

    ``states`` restricts the claims to scenarios ending in those statuses (e.g. ``("approved",)``
    for claims awaiting payment); templates that a due timer moved elsewhere are kept (they are
    real claims) but not cloned. ``templates`` claims go through the services, the rest are clones.
    With ``seal``, the history is sealed at the end, as the daily seal does. Commits per batch.
    With ``small_letters``, clones' letters carry a small stand-in PDF (see the module's docstring).
    """
    from fund.audit.seals import seal_history
    from fund.common.system import system_user
    from fund.common.time import utc_now
    from fund.extensions import db
    from fund.models import Claim

    now = now or utc_now()
    scenarios = SCENARIOS if states is None else tuple(s for s in SCENARIOS if s.expected in states)
    if not scenarios:
        known = sorted({s.expected for s in SCENARIOS})
        raise ValueError(f"states: none of {list(states or ())} is one of {known}")
    logging.getLogger("fund").setLevel(logging.WARNING)
    result = FillResult()
    began = time.perf_counter()
    prepare_database(now)
    result.references = run_templates(min(templates, count), now, scenarios)
    result.templates = len(result.references)
    result.template_seconds = time.perf_counter() - began
    echo(f"{result.templates} template claims through the services in {result.template_seconds:.0f} s")

    began = time.perf_counter()
    loaded = [load_template(reference) for reference in result.references]
    if small_letters:
        stand_in = stand_in_pdf()
        for template in loaded:
            for letter in template.letters:
                if letter["pdf"] is not None:
                    letter["pdf"] = stand_in
    sources = [t for t in loaded if states is None or t.claim["status"] in states]
    if not sources and count > result.templates:
        raise RuntimeError(f"no template ended in {states}: nothing to clone")
    ids = _next_ids()
    tables = {table.name: table for table in db.metadata.sorted_tables}
    clones = count - result.templates
    for numbers in _batches(clones, batch):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
        for number in numbers:
            made = clone_rows(sources[number % len(sources)], result.templates + number, ids)
            for name in TABLE_ORDER:
                rows[name] += made[name]
            result.references.append(made["claims"][0]["reference"])
        for name in TABLE_ORDER:
            if rows[name]:
                db.session.execute(tables[name].insert(), rows[name])
        db.session.commit()
        if numbers.stop % (batch * 20) == 0 or numbers.stop == clones:
            elapsed = time.perf_counter() - began
            echo(f"  {numbers.stop} clones written ({numbers.stop / elapsed:.0f}/s)")
    _reset_sequences()
    db.session.commit()
    result.clone_seconds = time.perf_counter() - began

    if seal:
        began = time.perf_counter()
        sealed = seal_history(now, system_user())
        result.seal_seconds = time.perf_counter() - began
        echo(f"sealed {sealed.claim_count} claims as seal #{sealed.sequence} in {result.seal_seconds:.1f} s")
    result.by_status = dict(
        db.session.execute(
            select(Claim.status, func.count()).group_by(Claim.status).order_by(Claim.status)
        ).all()
    )
    return result


def open_database(url: str, fresh: bool = False):
    """An application on ``url``, migrated (its tables dropped first with ``fresh``)."""
    from flask_migrate import upgrade

    from fund import create_app
    from fund.extensions import drop_every_table

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if fresh:
            drop_every_table()
        upgrade(directory=app.extensions["migrate"].directory)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--claims", type=int, default=1000, help="how many claims to add (default 1000)")
    parser.add_argument("--state", action="append", help="only claims ending in this status (repeatable)")
    parser.add_argument("--templates", type=int, default=300, help="claims run through the services")
    parser.add_argument("--batch", type=int, default=500, help="clones per transaction")
    parser.add_argument("--fresh", action="store_true", help="drop every table first")
    parser.add_argument("--no-seal", action="store_true", help="do not seal the history at the end")
    parser.add_argument(
        "--small-letters", action="store_true", help="clones' letters get a ~1 KB stand-in PDF"
    )
    args = parser.parse_args(argv)
    if args.claims < 1 or args.templates < 1 or args.batch < 1:
        parser.error("--claims, --templates and --batch must be at least 1")
    app = open_database(args.database, args.fresh)
    with app.app_context():
        try:
            result = fill_claims(
                args.claims,
                tuple(args.state) if args.state else None,
                args.templates,
                seal=not args.no_seal,
                batch=args.batch,
                small_letters=args.small_letters,
            )
        except ValueError as error:
            parser.error(str(error))
    print(
        f"{len(result.references)} claims added ({result.templates} through the services in "
        f"{result.template_seconds:.0f} s, {len(result.references) - result.templates} clones in "
        f"{result.clone_seconds:.0f} s)"
    )
    print("claims by status: " + ", ".join(f"{status} {n}" for status, n in result.by_status.items()))


if __name__ == "__main__":
    sys.exit(main())
