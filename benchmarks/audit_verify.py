"""Benchmark: ``fund audit verify --all`` over a whole history, against baselines of the same run.

Prints, for the claims of one database: the machine, the database, N claims and their events and
letters, then time, claims per second and peak memory of

  read          reading every claim's rows in the batches verify reads them (claims, instances,
                events, letters), checking nothing: THE BASELINE, the least a verification reads
  hash only     the same, plus every check that needs no replay: each event's hash and link,
                each snapshot's digest, each letter's sha256
  verify -jN    the real command, ``fund audit verify --all --jobs N``, run as a subprocess (peak
                memory is the sum over its processes, sampled every 0.2 s)

and where the time of a verification goes (replay, reading, the rest), measured in-process on a
sample of the claims. Timings are printed, never asserted; benchmarks are never run by tests.

Run (from the project root):

  python benchmarks/audit_verify.py                  # 300 claims on a temporary SQLite file (~1 min)
  python benchmarks/audit_verify.py --claims 1000 --database postgresql+psycopg://root@127.0.0.1:5432/fund_bench
  nice -n 19 python benchmarks/audit_verify.py --existing --jobs 2 \\
      --database postgresql+psycopg://root@127.0.0.1:5432/fund_audit100k

``--claims N`` fills the database with N claims first (benchmarks/bulk_claims.py; its tables are
DROPPED), ``--existing`` measures what the database holds. ``--jobs 1,2`` lists the worker counts
to run verify with (default 1,2).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bulk_claims import fill_claims, open_database
from sqlalchemy import func, select
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FUND = Path(os.environ.get("VIRTUAL_ENV", "/tmp/venv")) / "bin" / "fund"


@dataclass
class Figure:
    name: str
    seconds: float
    claims: int
    peak_mb: float

    def line(self, baseline: float) -> str:
        rate = self.claims / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<14} {self.seconds:9.1f} s {rate:9.1f} claims/s {self.seconds / baseline:7.1f}× "
            f"{self.peak_mb:8.0f} MB"
        )


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc: no psutil needed)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def run_verify(url: str, jobs: int, claims: int) -> tuple[Figure, str]:
    """``fund audit verify --all --jobs N`` as a subprocess: its time, and its peak memory summed."""
    report = Path(tempfile.mkdtemp()) / "report.json"
    env = dict(os.environ, FUND_DATABASE_URL=url, FUND_LOG_LEVEL="WARNING")
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(FUND), "audit", "verify", "--all", "--jobs", str(jobs), "--report", str(report)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.2):
            peak = max(peak, _rss_mb(_tree(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - began
    stop.set()
    sampler.join()
    summary = next((line for line in output.splitlines() if "checked:" in line), output.strip()[-300:])
    return Figure(f"verify -j{jobs}", seconds, claims, peak), summary


def run_baselines(claims: list[tuple[int, str]]) -> list[Figure]:
    """Read every claim's rows as verify does; then read and check everything but replay."""
    from fund.audit.runs import BATCH_SIZE, read_batch
    from fund.claims.history import GENESIS_HASH, hash_of
    from fund.extensions import db
    from workflows.serialization import state_digest

    ids = [claim_id for claim_id, _ in claims]
    figures, wrong = [], 0
    for name in ("read", "hash only"):
        began, peak = time.perf_counter(), 0.0
        for start in range(0, len(ids), BATCH_SIZE):
            with Session(db.engine) as session:
                for claim, records in read_batch(session, ids[start : start + BATCH_SIZE]):
                    if name == "read":
                        continue
                    previous = GENESIS_HASH
                    for event in records.events:
                        wrong += event.previous_hash != previous
                        wrong += hash_of(event, claim.reference) != event.hash
                        previous = event.hash
                    if records.instance is not None:
                        wrong += state_digest(records.instance.snapshot) != records.instance.state_digest
                    for letter in records.letters:
                        if letter.pdf is not None:
                            wrong += hashlib.sha256(letter.pdf).hexdigest() != letter.sha256
            peak = max(peak, _rss_mb([os.getpid()]))
        figures.append(Figure(name, time.perf_counter() - began, len(ids), peak))
    if wrong:
        print(f"hash only: {wrong} hash(es) or digest(s) do not match (verify will name them)")
    return figures


def where_time_goes(claims: list[tuple[int, str]], sample: int) -> str:
    """Verify a sample in-process, timing replay and reading apart from the rest."""
    import fund.audit.runs as audit_run
    import fund.claims.history as history
    from fund.audit.findings import AuditReport
    from fund.common.system import system_user

    spent = {"replay": 0.0, "reading": 0.0}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - began

        return wrapper

    originals = history.replay_command, audit_run.read_batch
    history.replay_command = timed("replay", history.replay_command)
    audit_run.read_batch = timed("reading", audit_run.read_batch)
    try:
        began = time.perf_counter()
        report = audit_run.verify_claims(system_user(), claims[:sample], AuditReport("sample"))
        total = time.perf_counter() - began
    finally:
        history.replay_command, audit_run.read_batch = originals
    rest = total - spent["replay"] - spent["reading"]
    return (
        f"where the time goes (in-process, first {report.claims_checked} claims, one process): "
        f"{total / max(report.claims_checked, 1) * 1000:.1f} ms/claim = replay "
        f"{spent['replay'] / total:.0%} + reading rows {spent['reading'] / total:.0%} + other checks "
        f"{rest / total:.0%} (hashes, digests, letters' sha256, process files, findings)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--claims", type=int, default=300, help="fill a fresh database with N claims first")
    parser.add_argument("--existing", action="store_true", help="measure the claims the database holds")
    parser.add_argument("--jobs", default="1,2", help="worker counts for verify, comma-separated")
    parser.add_argument("--sample", type=int, default=1000, help="claims timed in-process for the breakdown")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/audit.sqlite3"
    jobs = [int(j) for j in args.jobs.split(",")]
    app = open_database(url, fresh=not args.existing)
    with app.app_context():
        from fund.audit.runs import claims_to_verify
        from fund.common.system import system_user
        from fund.extensions import db
        from fund.models import Letter, WorkflowEvent

        if not args.existing:
            fill_claims(args.claims, echo=lambda line: print(f"  fill: {line}", flush=True))
        claims = claims_to_verify(system_user())
        events = db.session.scalar(select(func.count()).select_from(WorkflowEvent))
        letters = db.session.scalar(select(func.count()).select_from(Letter).where(Letter.status == "issued"))
        engine = db.engine
        version = engine.dialect.server_version_info
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
            f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.2f} (other work skews the figures)"
        )
        print(
            f"database: {engine.dialect.name} {'.'.join(map(str, version or ()))} at "
            f"{engine.url.render_as_string(hide_password=True).split('@')[-1]}"
        )
        print(f"history: {len(claims)} claims, {events} events, {letters} issued letters", flush=True)
        figures = run_baselines(claims)
        summaries = []
        for count in jobs:
            figure, summary = run_verify(url, count, len(claims))
            figures.append(figure)
            summaries.append(summary)
        breakdown = where_time_goes(claims, args.sample)
    baseline = figures[0].seconds or 1e-9
    print(f"{'':<14} {'time':>11} {'rate':>18} {'× read':>8} {'peak RSS':>11}")
    for figure in figures:
        print(figure.line(baseline))
    for count, summary in zip(jobs, summaries, strict=True):
        print(f"verify -j{count}: {summary}")
    print(breakdown)


if __name__ == "__main__":
    main()
