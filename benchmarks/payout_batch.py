"""Benchmark: a payout batch of N approved claims built, approved and exported (CSV and pain.001),
against baselines measured in the same run on the same claims.

Prints time and peak Python memory (tracemalloc) of

  read            BASELINE: one plain SELECT of what a batch needs of each claim (reference,
                  amounts, claimant's name, IIN, IBAN, process data), into a list
  read + csv      BASELINE: the same, written with csv.writer in the register's columns
  build           build_payout_batch: the SELECT ... FOR UPDATE, the check of every amount against
                  its decision, N payment rows, N access-log rows, commit
  approve         approve_payout_batch: every payment checked again against its claim
  export csv      export_register_csv: state change, N access-log rows, the file
  export xml      export_pain001: the same, the XML built with lxml and checked against the
                  official ISO 20022 schema (sepaxml's pain.001.001.09.xsd)

Times come from a first pass without tracemalloc (it slows Python code several times); peak
memory from a second pass with it. For that second pass the first batch is set aside in the
database directly (its payments marked cancelled, a step that exists only here) so that the same
claims can be built again. Also printed: the process's peak RSS (ru_maxrss) at the end.

The approved claims come from benchmarks/bulk_claims.py (a few templates through the real services,
the rest verifiable clones). Run (from the project root):

  python benchmarks/payout_batch.py                                    # 10,000 claims, temporary SQLite
  python benchmarks/payout_batch.py --database postgresql+psycopg://root@127.0.0.1:5432/fund_payouts

The database's tables are DROPPED and made again. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bulk_claims import fill_claims, open_database  # noqa: E402


def measure(step: Callable[[], Any], trace: bool) -> tuple[float, int, Any]:
    """(seconds, peak bytes allocated by Python during the step or 0, result)."""
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - began
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, peak, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=40, help="claims run through the services")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/payouts.sqlite3"
    app = open_database(url, fresh=True)

    from sqlalchemy import select, update

    from fund.common.users import create_user
    from fund.extensions import db
    from fund.models import Claim, Claimant, Payment, PayoutBatch, User, WorkflowInstance
    from fund.payouts.batches import BatchFilters, approve_payout_batch, build_payout_batch
    from fund.payouts.register import REGISTER_COLUMNS, export_pain001, export_register_csv

    with app.app_context():
        made = fill_claims(args.claims, states=("approved",), templates=args.templates, seal=False)
        approved = made.by_status.get("approved", 0)
        now = datetime.now(UTC)
        for username in ("bench-builder", "bench-approver"):
            create_user(username, "benchmark password 1", ["finance"], now)
        db.session.remove()

        def user(username: str) -> User:
            return db.session.scalar(select(User).where(User.username == username))

        def read() -> list:
            rows = db.session.execute(
                select(
                    Claim.id, Claim.reference, Claim.amount_kzt, Claim.amount_mci, Claimant.full_name,
                    Claimant.iin, Claimant.iban, WorkflowInstance.process_data,
                )
                .join(Claimant, Claimant.id == Claim.claimant_id)
                .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
                .where(Claim.status == "approved")
                .order_by(Claim.decision_date, Claim.id)
            ).all()  # fmt: skip
            db.session.rollback()
            return rows

        def read_and_csv() -> bytes:
            out = io.StringIO(newline="")
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(REGISTER_COLUMNS)
            for n, row in enumerate(read(), start=1):
                writer.writerow((n, f"{row.reference}-B1", row.reference, row.full_name, row.iin,
                                 row.iban, row.amount_kzt, "KZT", f"claim {row.reference}", "PB",
                                 "2026-01-01"))  # fmt: skip
            return out.getvalue().encode()

        def set_aside(batch_id: int) -> None:
            db.session.execute(update(Payment).where(Payment.batch_id == batch_id).values(status="cancelled"))
            db.session.execute(
                update(PayoutBatch).where(PayoutBatch.id == batch_id).values(status="cancelled")
            )
            db.session.commit()

        batch_ids: list[int] = []  # the batch of the current pass, last

        def build() -> int:
            batch = build_payout_batch(user("bench-builder"), BatchFilters(), now)
            batch_ids.append(batch.id)
            return batch.payment_count

        results: dict[str, list] = {}
        sizes: dict[str, int] = {}
        for trace in (False, True):
            steps: list[tuple[str, Callable[[], Any]]] = [("read", read), ("read + csv", read_and_csv)]
            steps += [
                ("build", build),
                ("approve", lambda: approve_payout_batch(user("bench-approver"), batch_ids[-1], now).status),
                (
                    "export csv",
                    lambda: export_register_csv(user("bench-approver"), batch_ids[-1], now).content,
                ),
                ("export xml", lambda: export_pain001(user("bench-approver"), batch_ids[-1], now).content),
            ]
            for name, step in steps:
                db.session.remove()
                seconds, peak, result = measure(step, trace)
                results.setdefault(name, [0.0, 0])[1 if trace else 0] = peak if trace else seconds
                if isinstance(result, bytes):
                    sizes[name] = len(result)
                if name == "build":
                    sizes["payments"] = result
            db.session.remove()
            set_aside(batch_ids[-1])

        print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}")
        print(f"database: {db.engine.dialect.name} ({url.split('@')[-1]})")
        print(
            f"claims: {len(made.references)} made, {approved} approved; batch of {sizes['payments']} payments"
        )
        print(f"{'step':<12} {'seconds':>8} {'claims/s':>9} {'peak MB':>8} {'file MB':>8}")
        for name, (seconds, peak) in results.items():
            per_second = sizes["payments"] / seconds if seconds else 0
            size = f"{sizes[name] / 1e6:8.2f}" if name in sizes else " " * 8
            print(f"{name:<12} {seconds:8.2f} {per_second:9.0f} {peak / 1e6:8.1f} {size}")
        print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
