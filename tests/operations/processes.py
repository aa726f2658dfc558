"""Running the `fund` command as a new user does: a process of its own, an environment of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fund import PROJECT_ROOT

BIN = Path(sys.executable).parent


def run_fund(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    """``fund <arguments>`` in the project's folder with ``environment``: its result."""
    return subprocess.run(
        [str(BIN / "fund"), *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def fund_command(environment: dict[str, str], *arguments: str) -> str:
    """``fund <arguments>``, which must succeed: its output."""
    result = run_fund(environment, *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def quick_start_environment(folder: Path) -> dict[str, str]:
    """A quick start's environment: a SQLite file of its own, nothing else configured."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FUND_", "FLASK_"))  # the test run's own settings stay out
    }
    environment["FUND_DATABASE_URL"] = f"sqlite:///{folder / 'fund.sqlite3'}"
    environment["FUND_SECRET_KEY"] = "quick-start-test-key"
    return environment
