"""Benchmark: does a late step of the longest claim cost more than an early one? In CPU, not wall time.

benchmarks/engine.py compares the wall time of an early and a late step; on a machine that others
load, wall-time medians of a few claims move by half from one run to the next. This measures the
services on PostgreSQL (benchmarks/claim_drivers.py's ``services/postgres``) by CPU instead: the
CPU of this process and of its PostgreSQL backend (read from /proc) around each step, averaged.

* early: the intake check of a fresh claim (the straight path's first step), ``5 × --claims`` claims
* late: step 30 of 31 of the longest path, ``2 × --claims`` claims (in two halves, before and after
  the straight ones, so that a slow moment of the machine falls on both)

PostgreSQL's CPU is counted in the kernel's clock ticks (10 ms): only its mean over many steps
means anything. The database is EMPTIED and migrated (its name must contain "bench").

Run: ``.venv/bin/python benchmarks/late_step_cpu.py [--claims 15] [--postgres URL]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta

from claim_drivers import ServicesDriver
from claim_paths import EARLY_STEP, LATE_STEP, LONGEST_PATH, STRAIGHT_PATH, T0
from engine import DEFAULT_POSTGRES_URL, _postgres_url
from sqlalchemy import text

TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _run(driver: ServicesDriver, path, first: int, count: int, at_step: int, backend: int) -> list:
    """(process CPU, backend CPU, wall) of step ``at_step`` of ``count`` claims along ``path``."""
    measured = []
    for number in range(first, first + count):
        at = T0
        claim = driver.start(number, at)()
        for index, action in enumerate(path):
            at += timedelta(days=action.after_days, minutes=5)
            command = driver.step(claim, action, at)
            cpu, backend_cpu, wall = time.process_time(), _process_cpu(backend), time.perf_counter()
            claim = command()
            if index == at_step:
                measured.append(
                    (
                        time.process_time() - cpu,
                        _process_cpu(backend) - backend_cpu,
                        time.perf_counter() - wall,
                    )
                )
    return measured


def main() -> None:
    """Run the claims and print CPU per step, early and late, and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=15, help="longest claims per half (×5 straight ones)")
    parser.add_argument("--postgres", default=os.environ.get("FUND_BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL))
    args = parser.parse_args()
    driver = ServicesDriver("services/postgres", _postgres_url(args.postgres))
    driver.activate()
    try:
        backend = driver.db.session.execute(text("select pg_backend_pid()")).scalar()
        driver.db.session.commit()
        _run(driver, STRAIGHT_PATH, 900_000, 3, -1, backend)  # warm up: compile, fill caches
        late = _run(driver, LONGEST_PATH, 100_000, args.claims, LATE_STEP, backend)
        early = _run(driver, STRAIGHT_PATH, 200_000, 5 * args.claims, EARLY_STEP, backend)
        late += _run(driver, LONGEST_PATH, 300_000, args.claims, LATE_STEP, backend)
        if driver.db.session.execute(text("select pg_backend_pid()")).scalar() != backend:
            raise SystemExit("the services changed PostgreSQL connections: its CPU was not all counted")
    finally:
        driver.deactivate()
        driver.close()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC · load average {os.getloadavg()[0]:.2f} · "
        f"early: intake check, {len(early)} claims · late: step {LATE_STEP + 1} of {len(LONGEST_PATH)}, "
        f"{len(late)} claims"
    )
    figures = {}
    for name, steps in (("early", early), ("late", late)):
        process = statistics.mean(step[0] for step in steps) * 1000
        database = statistics.mean(step[1] for step in steps) * 1000
        wall = statistics.median(step[2] for step in steps) * 1000
        figures[name] = (process, database, process + database, wall)
        print(
            f"  {name:5}  CPU: process {process:.2f} ms + PostgreSQL {database:.2f} ms = "
            f"{process + database:.2f} ms; wall median {wall:.2f} ms"
        )
    (p_e, _, both_e, w_e), (p_l, _, both_l, w_l) = figures["early"], figures["late"]
    print(
        f"  late/early: CPU of the process {p_l / p_e:.2f}×, process + PostgreSQL {both_l / both_e:.2f}× "
        f"(target ≤ 1.2×), wall {w_l / w_e:.2f}×"
    )


if __name__ == "__main__":
    main()
