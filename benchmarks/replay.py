"""The auditors' replay page, one step at a time: milliseconds per step, cold and warm, with the
replay kept by the worker and without (the baseline), in one run.

What an auditor waits for when stepping through a claim's replay (``GET /audit/claims/<ref>/replay
?step=N``, through the Flask test client: routing, sign-in check, the replay, the drawing of the
step, the page), for two claims:

- the demo's longest claim (``fund demo``: the claim with the most recorded events), and
- a claim taken along the longest path the process allows (benchmarks/claim_paths.LONGEST_PATH:
  31 steps, plus its letters).

For each claim, three figures per step (median and largest over every step of the claim):

- **baseline**: nothing kept (``REPLAYS.capacity = 0``): every page replays every recorded command
  from the start and draws its step, as the code did before replays were kept. The process
  version's parsed files, layout and drawings of states are warm (a page of each step was shown
  first), so the baseline is a warm page without the kept replay;
- **cold**: the first page of the claim after the kept replays were emptied (it replays from the
  start and keeps the replay), then every other step's first view (its drawing is made once);
- **warm**: every step again: the kept replay and drawing.

Use (from the project root; a temporary SQLite database unless ``--database`` is given, which is
emptied first)::

    python benchmarks/replay.py [--database URL] [--rounds 3]

Benchmarks are never run by tests; timings are recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.claim_drivers import ServicesDriver  # noqa: E402
from benchmarks.claim_paths import LONGEST_PATH, T0  # noqa: E402
from benchmarks.engine import code_revision  # noqa: E402

AUDITOR = "auditor"  # a demo user (fund/demo.py), password demo-auditor-2026


def build(url: str) -> tuple[ServicesDriver, dict[str, str]]:
    """An emptied database with the demo claims and one claim along the longest path; the claims
    to measure by what they are."""
    from fund.demo import demo_password, load_demo
    from fund.extensions import db
    from fund.models import Claim, WorkflowEvent

    driver = ServicesDriver("services", url)
    with driver.app.app_context():
        load_demo(echo=lambda _line: None)
        db.session.remove()
    driver.activate()
    try:
        longest = driver.start(1, T0)()
        at = T0
        for action in LONGEST_PATH:
            at += timedelta(days=action.after_days or 1)
            driver.step(longest, action, at)()
        events = func.count(WorkflowEvent.id)
        demo_longest = db.session.execute(
            select(Claim.reference)
            .join(WorkflowEvent, WorkflowEvent.claim_id == Claim.id)
            .where(Claim.reference != longest)
            .group_by(Claim.reference)
            .order_by(events.desc(), Claim.reference)
            .limit(1)
        ).scalar_one()
    finally:
        driver.deactivate()
    assert demo_password(AUDITOR)
    return driver, {"the demo's longest claim": demo_longest, "the longest path (31 steps)": longest}


def step_count(client, reference: str) -> int:
    page = client.get(f"/audit/claims/{reference}/replay?step=99999").get_data(as_text=True)
    marker = page.index('id="step-position">') + len('id="step-position">')
    return int(page[marker:].split("<", 1)[0].split()[-1])


def timed(client, reference: str, steps: range) -> list[float]:
    """Milliseconds of each step's page, in order."""
    times = []
    for number in steps:
        began = time.perf_counter()
        response = client.get(f"/audit/claims/{reference}/replay?step={number}")
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (reference, number, response.status_code)
    return times


def measure(client, reference: str, rounds: int) -> dict[str, list[float]]:
    from fund.audit.replay_cache import REPLAYS

    count = step_count(client, reference)
    steps = range(1, count + 1)
    capacity = REPLAYS.capacity
    REPLAYS.capacity = 0
    REPLAYS.clear()
    try:
        timed(client, reference, steps)  # the process version's caches warm, as on a busy worker
        baseline = [t for _ in range(rounds) for t in timed(client, reference, steps)]
    finally:
        REPLAYS.capacity = capacity
    REPLAYS.clear()
    cold = timed(client, reference, steps)
    warm = [t for _ in range(rounds) for t in timed(client, reference, steps)]
    return {
        "steps": [float(count)],
        "baseline": baseline,
        "cold first page": cold[:1],
        "cold": cold,
        "warm": warm,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (emptied first); default: a temporary SQLite file")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over every step (default 3)")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'replay.sqlite3'}"
        driver, claims = build(url)
        from fund.demo import demo_password
        from tests.web_helpers import sign_in

        client = driver.app.test_client()
        assert sign_in(client, AUDITOR, demo_password(AUDITOR)).status_code == 302
        print(f"replay page per step, code {code_revision()}, {url.split(':', 1)[0]}, {args.rounds} rounds")
        print(f"{'claim':<30} {'steps':>5} {'figure':<16} {'median ms':>9} {'max ms':>7}")
        for name, reference in claims.items():
            figures = measure(client, reference, args.rounds)
            steps = int(figures.pop("steps")[0])
            for figure, times in figures.items():
                print(
                    f"{name:<30} {steps:>5} {figure:<16} {statistics.median(times):>9.1f} {max(times):>7.1f}"
                )
        driver.close()


if __name__ == "__main__":
    main()
