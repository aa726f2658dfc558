"""Benchmark: task completions per second, from bare SpiffWorkflow up to the services on a database.

Every level drives the same claims along the same paths of bpmn/compensation_claim.bpmn in one run,
so that the figures compare with each other rather than with another day's machine:

  bare/spiff-json    SpiffWorkflow alone, its own serializer with the spec in every snapshot
  bare/snapshot      SpiffWorkflow alone, our spec-less snapshot. THE BASELINE: the least work a
                     stateless integration of SpiffWorkflow can do per step (restore, run, serialize)
  engine             workflows.engine commands on snapshots
  engine/warm        the same, each claim's workflow kept live between its commands (workflows.warm)
  services/sqlite    fund.services on a SQLite file, one transaction per command
  services/postgres  the same on PostgreSQL

A step is a user task completed or a message delivered (see claim_paths.py). "Lifecycle" figures
count the steps per second of the whole life of a claim, its submission included; "steps only"
leave the submission out. The levels take turns in rounds, so that a slow moment of the machine
falls on all of them. Only the commands are timed, never the lookups around them; HTTP, sign-in
and request parsing are outside every level.

Run: ``python benchmarks/engine.py [--claims N] [--postgres URL] [--skip-postgres] [--profile]``
(as a script: it imports claim_paths.py, claim_drivers.py and step_profile.py from its own folder).
The PostgreSQL database is emptied (its tables dropped) and migrated, so give the benchmark a
database of its own: ``createdb -h 127.0.0.1 -U root fund_bench``. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from claim_drivers import BareLoop, Driver, EngineDriver, Meter, ServicesDriver
from claim_paths import EARLY_STEP, LATE_STEP, LONGEST_PATH, STRAIGHT_PATH, T0, Action
from sqlalchemy.engine import make_url
from step_profile import print_profile

from workflows.specs import load_process, read_process_files

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/fund_bench"
BASELINE = "bare/snapshot"


@dataclass
class Run:
    """Timings of some claims on one level, per claim and per step (seconds)."""

    level: str
    starts: list[float] = field(default_factory=list)
    steps: list[list[float]] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU time of each step, all claims
    meter: Meter = field(default_factory=Meter)  # where the steps' time went, if the level can tell
    sizes: list[list[int]] = field(default_factory=list)  # snapshot bytes before the sized steps

    def extend(self, other: Run) -> None:
        self.starts += other.starts
        self.steps += other.steps
        self.cpu += other.cpu
        self.meter.add(other.meter)
        self.sizes += other.sizes

    @property
    def step_count(self) -> int:
        return sum(len(claim) for claim in self.steps)

    @property
    def step_seconds(self) -> float:
        return sum(sum(claim) for claim in self.steps)

    @property
    def lifecycle_rate(self) -> float:
        """Steps per second over the whole lifecycle, submission included."""
        return self.step_count / (sum(self.starts) + self.step_seconds)

    @property
    def step_rate(self) -> float:
        """Steps per second of the steps alone."""
        return self.step_count / self.step_seconds

    def median_step(self, index: int) -> float:
        return statistics.median(claim[index] for claim in self.steps)


def run_claims(
    driver: Driver,
    path: tuple[Action, ...],
    count: int,
    first_number: int,
    sizes_at: tuple[int, ...] = (),
    profile_at: tuple[int, ...] = (),
) -> Run:
    """Drive ``count`` claims along ``path``, timing each start and step command.

    ``sizes_at`` records the snapshot size before those steps. ``profile_at`` runs those steps
    under cProfile and prints where their time went (so their timings mean little).
    """
    run = Run(driver.name)
    for number in range(first_number, first_number + count):
        at = T0
        command = driver.start(number, at)
        began = time.perf_counter()
        claim = command()
        run.starts.append(time.perf_counter() - began)
        timings, sizes = [], []
        for index, action in enumerate(path):
            at += timedelta(days=action.after_days, minutes=5)
            if index in sizes_at:
                sizes.append(driver.snapshot_size(claim))
            command = driver.step(claim, action, at)
            profiler = cProfile.Profile() if index in profile_at else None
            before = replace(driver.meter)
            cpu_began, began = time.process_time(), time.perf_counter()
            claim = profiler.runcall(command) if profiler else command()
            timings.append(time.perf_counter() - began)
            run.cpu.append(time.process_time() - cpu_began)
            run.meter.add(driver.meter.since(before))
            if profiler:
                print_profile(f"{driver.name}, step {index + 1} of {len(path)} ({action.names[0]})", profiler)
        if not driver.is_closed(claim):
            raise RuntimeError(f"{driver.name}: claim {number} did not end paid; does the path fit bpmn/?")
        run.steps.append(timings)
        run.sizes.append(sizes)
    return run


@contextmanager
def active(driver: Driver) -> Iterator[Driver]:
    """The driver, ready to run for the duration of the block."""
    driver.activate()
    try:
        yield driver
    finally:
        driver.deactivate()


def run_in_turns(
    drivers: list[Driver],
    path: tuple[Action, ...],
    claims: int,
    rounds: int,
    first_number: int,
    sizes_at: tuple[int, ...] = (),
) -> dict[str, Run]:
    """``claims`` claims per driver along ``path``, the drivers taking turns in ``rounds`` rounds."""
    runs = {driver.name: Run(driver.name) for driver in drivers}
    per_round = -(-claims // rounds)
    for round_ in range(rounds):
        count = min(per_round, claims - round_ * per_round)
        for driver in drivers:
            with active(driver):
                runs[driver.name].extend(
                    run_claims(driver, path, count, first_number + round_ * per_round, sizes_at=sizes_at)
                )
    return runs


# --- the run --------------------------------------------------------------------------------


def code_revision() -> str:
    """The commit measured, '-dirty' if the working tree has changes (the figures belong to it)."""
    try:
        return subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _postgres_url(url: str) -> str:
    database = make_url(url).database or ""
    if "bench" not in database and "test" not in database:
        raise SystemExit(f"refusing to empty database '{database}': use one whose name has 'bench' or 'test'")
    return url


def main(argv: list[str] | None = None) -> None:
    """Set up every level, run the claims in turns, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200, help="claims along the straight path, per level")
    parser.add_argument("--longest", type=int, default=9, help="claims along the longest path, per level")
    parser.add_argument("--rounds", type=int, default=4, help="turns the levels take on the straight path")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FUND_BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL URL; its database is EMPTIED (default: %(default)s)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="run without PostgreSQL")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the early steps (with, without a letter) and the late one, last level",
    )
    args = parser.parse_args(argv)

    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · code {code_revision()} · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"load average {os.getloadavg()[0]:.2f} (other work skews the figures)\n"
        f"per level: {args.claims} straight claims ({len(STRAIGHT_PATH)} steps) in {args.rounds} rounds, "
        f"{args.longest} longest claims ({len(LONGEST_PATH)} steps)",
        flush=True,
    )
    process = load_process(read_process_files(PROJECT_ROOT / "bpmn"), validate=False)  # validated at deploy
    workdir = tempfile.TemporaryDirectory(prefix="fund-bench-")
    drivers: list[Driver] = [
        BareLoop("bare/spiff-json", process, spec_in_snapshot=True),
        BareLoop(BASELINE, process, spec_in_snapshot=False),
        EngineDriver(process),
        EngineDriver(process, warm=True),
        ServicesDriver("services/sqlite", f"sqlite:///{workdir.name}/fund.sqlite3"),
    ]
    if not args.skip_postgres:
        drivers.append(ServicesDriver("services/postgres", _postgres_url(args.postgres)))
    try:
        for driver in drivers:  # warm up: parse, compile SQL, fill caches
            with active(driver):
                run_claims(driver, STRAIGHT_PATH, 2, 900_000)
        straight = run_in_turns(drivers, STRAIGHT_PATH, args.claims, args.rounds, 1)
        longest = run_in_turns(
            drivers, LONGEST_PATH, args.longest, args.longest, 100_000, sizes_at=(EARLY_STEP, LATE_STEP)
        )
        if args.profile:
            with active(drivers[-1]):
                run_claims(drivers[-1], STRAIGHT_PATH, 1, 200_000, profile_at=(EARLY_STEP,))
                run_claims(drivers[-1], LONGEST_PATH, 1, 200_001, profile_at=(EARLY_STEP, LATE_STEP))
    finally:
        for driver in drivers:
            driver.close()
        workdir.cleanup()
    floors = {d.name: (d.round_trip, d.one_row_commit) for d in drivers if isinstance(d, ServicesDriver)}
    report(straight, longest, floors)


def report(straight: dict[str, Run], longest: dict[str, Run], floors: dict[str, tuple[float, float]]) -> None:
    """Print throughput, early and late step costs, where the services' time goes, and the ratios."""
    base = straight[BASELINE]
    print(
        f"\nStraight path: submit, then {len(STRAIGHT_PATH)} steps (intake check, review, approval, "
        f"payment confirmed). × = ÷ {BASELINE}."
    )
    print(
        f"{'level':<18} {'lifecycle':>10} {'×':>5} {'steps only':>10} {'×':>5} {'ms/step':>8} "
        f"{'CPU ms':>7} {'ms/submit':>10}"
    )
    for name, run in straight.items():
        print(
            f"{name:<18} {run.lifecycle_rate:>8.1f}/s {run.lifecycle_rate / base.lifecycle_rate:>5.2f} "
            f"{run.step_rate:>8.1f}/s {run.step_rate / base.step_rate:>5.2f} {1000 / run.step_rate:>8.2f} "
            f"{1000 * statistics.mean(run.cpu):>7.2f} {1000 * statistics.mean(run.starts):>10.2f}"
        )

    claims = len(next(iter(longest.values())).steps)
    print(
        f"\nOne step early vs late (medians). early: the intake check of a fresh claim, straight path; "
        f"+letter: the same\nwith documents missing, so a letter is issued; late: step {LATE_STEP + 1} of "
        f"{len(LONGEST_PATH)} of the longest path (4th bank details), {claims} claims"
    )
    print(
        f"{'level':<18} {'early ms':>9} {'+letter':>8} {'late ms':>8} {'late/early':>10} "
        f"{'snapshot KB':>12} {'longest path':>13}"
    )
    for name, run in longest.items():
        early = straight[name].median_step(EARLY_STEP)
        with_letter, late = run.median_step(EARLY_STEP), run.median_step(LATE_STEP)
        sizes = f"{run.sizes[0][0] / 1024:.0f} → {run.sizes[0][1] / 1024:.0f}"
        print(
            f"{name:<18} {1000 * early:>9.2f} {1000 * with_letter:>8.2f} {1000 * late:>8.2f} "
            f"{late / early:>10.1f} {sizes:>12} {run.step_rate:>11.1f}/s"
        )

    if floors:
        print(
            "\nServices, straight path: ms per step in the engine, in the driver's execute (SQL) and the "
            "rest\n(ORM, history, projections, letters, COMMIT); and what the database costs at least"
        )
        print(
            f"{'level':<18} {'step':>6} {'engine':>7} {'SQL':>6} {'rest':>6} {'statements':>11} "
            f"{'SELECT 1':>9} {'1-row commit':>13}"
        )
        for name, (round_trip, commit) in floors.items():
            run = straight[name]
            step = 1000 / run.step_rate
            in_engine, in_sql = (
                1000 * seconds / run.step_count
                for seconds in (run.meter.engine_seconds, run.meter.sql_seconds)
            )
            rest = step - in_engine - in_sql
            print(
                f"{name:<18} {step:>6.2f} {in_engine:>7.2f} {in_sql:>6.2f} {rest:>6.2f} "
                f"{run.meter.statements / run.step_count:>11.1f} {1000 * round_trip:>9.3f} "
                f"{1000 * commit:>13.3f}"
            )

    print(f"\nRatios of steps per second, lifecycle (steps only), to {BASELINE}")
    for name, run in straight.items():
        if name != BASELINE:
            print(
                f"  {name:<18} {run.lifecycle_rate / base.lifecycle_rate:5.2f}× "
                f"({run.step_rate / base.step_rate:.2f}×)"
            )
    if "services/postgres" in straight:
        services = straight["services/postgres"]
        for baseline in (BASELINE, "bare/spiff-json"):
            life = services.lifecycle_rate / straight[baseline].lifecycle_rate
            steps = services.step_rate / straight[baseline].step_rate
            print(
                f"  target services/postgres ≥ 0.5× {baseline}: lifecycle {life:.2f}× "
                f"{'met' if life >= 0.5 else 'NOT met'}, steps only {steps:.2f}× "
                f"{'met' if steps >= 0.5 else 'NOT met'}"
            )
    print(f"\nPeak RSS of the whole run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
