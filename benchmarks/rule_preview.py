"""Benchmark: ``fund rules preview`` over a whole history, against a baseline of the same run.

Prints, for the claims of one database: the machine, the database, N claims, then time and claims
per second of

  read facts     reading every claim's first event in the batches the preview reads them and
                 parsing its facts, deciding nothing: THE BASELINE, the least a preview reads
  preview        the real use case (``fund.admin.rule_preview.preview_rule_change``) on a copy of
                 bpmn/ where the trafficking rules pay 35 MCI: each claim's own version's tables
                 and the candidate's, compared
  no answers kept  the same on the first ``--sample`` claims with the answer cache switched off
                 (every table run by SpiffWorkflow's DMN engine for every claim): the worst case,
                 for facts that share no column values at all

Clones made by benchmarks/bulk_claims.py share their template's facts (300 templates), which
would flatter a cache keyed by facts; the preview's cache is keyed by the tables' column values
(article, part, harm, role, minor, in time), which real claims share as much, so the first two
figures hold for real data. Timings are printed, never asserted; benchmarks are never run by tests.

Run (from the project root):

  python benchmarks/rule_preview.py                          # 5,000 claims, temporary SQLite file
  python benchmarks/rule_preview.py --claims 1000 --database postgresql+psycopg://root@127.0.0.1:5432/fund_bench
  python benchmarks/rule_preview.py --existing --database URL  # the claims the database holds
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bulk_claims import fill_claims, open_database

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def candidate_rules() -> Path:
    """A copy of bpmn/ where every trafficking rule pays 35 MCI instead of 30."""
    folder = Path(tempfile.mkdtemp()) / "bpmn"
    shutil.copytree(PROJECT_ROOT / "bpmn", folder)
    dmn = folder / "eligibility.dmn"
    second_output = re.compile(
        r"(<outputEntry\b[^>]*>\s*<text>\"trafficking\"</text>\s*</outputEntry>\s*<outputEntry\b[^>]*>\s*<text>)"
        r"\s*30\s*(</text>)"
    )
    dmn.write_text(second_output.sub(r"\g<1>35\2", dmn.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def read_facts() -> int:
    """The baseline: every claim's facts read as the preview reads them."""
    from fund.admin.rule_preview import _claims_with_facts
    from fund.claims.history import facts_from_json

    count = 0
    for _reference, _status, _version, _at, event_input in _claims_with_facts():
        facts_from_json(event_input.get("facts") or {})
        count += 1
    return count


def preview_without_answers_kept(folder: Path, sample: int) -> tuple[int, float]:
    """The preview on the first ``sample`` claims with every table run for every claim."""
    import fund.admin.rule_preview as rule_preview
    from fund.common.system import system_user
    from workflows import rule_preview as engine_preview

    original_key, original_batch, original_reader = (
        engine_preview._Table._key,
        rule_preview.BATCH_SIZE,
        rule_preview._claims_with_facts,
    )

    def first_claims():
        for number, claim in enumerate(original_reader()):
            if number >= sample:
                return
            yield claim

    engine_preview._Table._key = lambda self, data: engine_preview._UNCACHED
    rule_preview._claims_with_facts = first_claims
    try:
        began = time.perf_counter()
        preview = rule_preview.preview_rule_change(system_user(), folder)
        return preview.claims_checked, time.perf_counter() - began
    finally:
        engine_preview._Table._key = original_key
        rule_preview.BATCH_SIZE = original_batch
        rule_preview._claims_with_facts = original_reader


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--claims", type=int, default=5000, help="fill a fresh database with N claims first")
    parser.add_argument("--existing", action="store_true", help="measure the claims the database holds")
    parser.add_argument("--sample", type=int, default=500, help="claims run with no answers kept")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/preview.sqlite3"
    app = open_database(url, fresh=not args.existing)
    folder = candidate_rules()
    with app.app_context():
        from fund.admin.rule_preview import preview_rule_change
        from fund.common.system import system_user
        from fund.extensions import db

        if not args.existing:
            fill_claims(args.claims, seal=False, echo=lambda line: print(f"  fill: {line}", flush=True))
        engine = db.engine
        version = engine.dialect.server_version_info
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
            f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.2f} (other work skews the figures)"
        )
        print(f"database: {engine.dialect.name} {'.'.join(map(str, version or ()))}", flush=True)

        began = time.perf_counter()
        claims = read_facts()
        baseline = time.perf_counter() - began
        db.session.rollback()

        began = time.perf_counter()
        preview = preview_rule_change(system_user(), folder)
        seconds = time.perf_counter() - began
        db.session.rollback()

        sampled, sample_seconds = preview_without_answers_kept(folder, args.sample)

    print(f"history: {claims} claims; the candidate decides {len(preview.changed)} differently:")
    for change, count in preview.changes:
        print(f"  {change}: {count}")
    print(f"{'':<17} {'claims':>8} {'time':>9} {'rate':>17} {'× read':>7}")
    for name, count, spent in (
        ("read facts", claims, baseline),
        ("preview", preview.claims_checked, seconds),
        ("no answers kept", sampled, sample_seconds),
    ):
        per_claim = spent / max(count, 1)
        print(
            f"{name:<17} {count:>8} {spent:8.2f} s {count / spent if spent else 0:9.0f} claims/s "
            f"{per_claim / (baseline / max(claims, 1)):6.1f}×"
        )
    per_claim = seconds / max(preview.claims_checked, 1)
    print(
        f"100,000 claims, extrapolated: preview {per_claim * 100_000:.0f} s; with no answers kept "
        f"{sample_seconds / max(sampled, 1) * 100_000:.0f} s"
    )


if __name__ == "__main__":
    main()
