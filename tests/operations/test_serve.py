"""The quick start runs everything: `fund serve` is the web application and a worker in one process
group, as a new user starts it (README's first command), through real processes on a free port.

A timer that falls due is fired by the worker within a minute; Ctrl-C (SIGINT) or SIGTERM stops
the web server and the worker together, leaving no process behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from fund import PROJECT_ROOT
from tests.operations.processes import BIN, fund_command, quick_start_environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> tuple[dict[str, str], Path]:
    """`fund init && fund demo` on a new SQLite file, as the quick start does: its environment and file."""
    folder = tmp_path_factory.mktemp("quick_start")
    environment = quick_start_environment(folder)
    fund_command(environment, "init")
    fund_command(environment, "demo")
    return environment, folder / "fund.sqlite3"


class Serving:
    """A running `fund serve`: its process, the worker's pid, its address and its output."""

    def __init__(self, environment: dict[str, str], log: Path, *options: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [str(BIN / "fund"), "serve", "--port", str(self.port), *options],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: what is left of it can be found
        )
        self.worker_pid = 0

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urlopen(f"{self.base}/healthz", timeout=10) as answer:
                    if answer.status == 200:
                        break
            except OSError:  # refused: still starting
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("fund serve did not answer /healthz:\n" + self.output())
            time.sleep(0.2)
        found = re.search(r"\(pid (\d+)\)", self.output())
        assert found, self.output()
        self.worker_pid = int(found.group(1))
        assert _alive(self.worker_pid)

    def readyz(self) -> dict:
        try:
            with urlopen(f"{self.base}/readyz", timeout=10) as answer:
                return json.loads(answer.read())
        except HTTPError as error:  # 503: not ready, the same JSON
            return json.loads(error.read())

    def wait_for_the_workers_round(self, seconds: float = 60) -> None:
        """Until /readyz sees the worker's heartbeat (its first round has begun)."""
        deadline = time.monotonic() + seconds
        while not self.readyz()["checks"]["worker"]["ok"]:
            if time.monotonic() > deadline:
                pytest.fail("the worker wrote no heartbeat:\n" + self.output())
            time.sleep(0.2)

    def group_left(self) -> bool:
        """Whether any process of the serve's process group is still there."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self, signum: int, seconds: float = 15) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"fund serve did not stop within {seconds} s:\n" + self.output())

    def kill_all(self) -> None:
        if self.group_left():
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(10)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, ended but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def serving(tmp_path):
    started: list[Serving] = []

    def start(environment: dict[str, str], *options: str) -> Serving:
        server = Serving(environment, tmp_path / f"serve-{len(started)}.log", *options)
        started.append(server)
        server.wait_until_healthy()
        return server

    yield start
    for server in started:  # a failed test leaves nothing running
        server.kill_all()


def _reminder_due_in(database: Path, seconds: float) -> str:
    """A claim whose documents were asked for 20 days ago less ``seconds``, through the fund's own
    services on the quick start's database: its day-20 reminder falls due in ``seconds``. Its reference."""
    from fund import create_app
    from fund.claims.submission import submit_claim
    from fund.claims.tasks import complete_task
    from fund.extensions import db
    from fund.models import Claim, HumanTask, User
    from tests.conftest import DOCUMENTS_MISSING, claim_body

    asked = datetime.now(UTC) - timedelta(days=20) + timedelta(seconds=seconds)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        reference = submit_claim(claim_body(), asked - timedelta(hours=1)).reference
        intake = db.session.scalar(db.select(User).where(User.username == "intake"))
        task = db.session.scalar(
            db.select(HumanTask).join(HumanTask.claim).where(Claim.reference == reference)
        )
        complete_task(intake, task.id, DOCUMENTS_MISSING, asked)
        db.session.remove()
        db.engine.dispose()
    return reference


def _reminder_fired(database: Path, reference: str) -> bool:
    """The claim's reminder timer is no longer waiting and its history has a worker's timers event."""
    with sqlite3.connect(database, timeout=10) as connection:
        waiting, fired = connection.execute(
            "SELECT (SELECT count(*) FROM timers WHERE timers.claim_id = claims.id "
            "AND timers.name = 'documents_reminder'), "
            "(SELECT count(*) FROM workflow_events WHERE workflow_events.claim_id = claims.id "
            "AND workflow_events.type = 'timers_fired' AND workflow_events.actor = 'worker') "
            "FROM claims WHERE claims.reference = ?",
            (reference,),
        ).fetchone()
    return waiting == 0 and fired > 0


def test_the_quick_start_fires_a_due_timer_and_ctrl_c_stops_both(demo_database, serving):
    """On the demo database, a claim's day-20 reminder falls due 15 s from now: `fund serve`'s own
    worker (not the test) fires it within a minute; /readyz sees the worker's heartbeat; SIGINT
    stops both processes."""
    environment, database = demo_database
    reference = _reminder_due_in(database, seconds=15)
    assert not _reminder_fired(database, reference)
    server = serving(environment, "--worker-interval", "2")

    deadline = time.monotonic() + 60
    while not _reminder_fired(database, reference):
        if time.monotonic() > deadline:
            pytest.fail(f"the reminder of {reference} did not fire within a minute:\n" + server.output())
        time.sleep(0.5)
    assert server.readyz()["checks"]["worker"]["ok"] is True

    assert server.stop(signal.SIGINT) == 0
    assert _wait_gone(server.worker_pid, 5), "the worker outlived fund serve"
    assert not server.group_left()
    assert "worker stopped (SIG" in server.output()
    assert "stopped the web server and the worker" in server.output()


@pytest.fixture(scope="module")
def new_database(tmp_path_factory) -> dict[str, str]:
    """`fund init` on a new SQLite file: its environment."""
    environment = quick_start_environment(tmp_path_factory.mktemp("serve"))
    fund_command(environment, "init")
    return environment


def test_sigterm_stops_the_web_server_and_the_worker(new_database, serving):
    """systemd's or a container's stop: both processes end, exit 0, nothing is left."""
    server = serving(new_database, "--worker-interval", "1")
    server.wait_for_the_workers_round()
    assert server.stop(signal.SIGTERM) == 0
    assert _wait_gone(server.worker_pid, 5)
    assert not server.group_left()
    assert "worker stopped (SIGTERM)" in server.output()


def test_when_the_worker_dies_the_web_server_stops_too(new_database, serving):
    """Both or neither: a quick start never serves pages while no timer can fire."""
    server = serving(new_database, "--worker-interval", "1")
    os.kill(server.worker_pid, signal.SIGKILL)
    try:
        code = server.process.wait(15)
    except subprocess.TimeoutExpired:
        pytest.fail("fund serve kept serving without its worker:\n" + server.output())
    assert code == 1
    assert "the worker stopped" in server.output()
    assert not server.group_left()


def test_a_busy_port_is_refused_with_a_message_and_no_worker_is_left(new_database, tmp_path):
    """The port is taken: `fund serve` says so and fails before it starts a worker."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(BIN / "fund"), "serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=new_database,
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
        )
    assert result.returncode != 0, result.stdout + result.stderr
    assert f"Port {port} is in use" in result.stderr  # Werkzeug's words
    assert "serving on" not in result.stdout


def test_the_readmes_first_command_serves_with_the_worker():
    """The quick start is one shell line, and it ends in `fund serve`, not in a server without worker."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1]
    first_block = quick_start.split("```", 2)[1].strip()
    assert "\n" not in first_block, first_block
    steps = [step.strip() for step in first_block.split("&&")]
    assert steps[0] == "python3 -m venv .venv"
    assert steps[-3:] == [".venv/bin/fund init", ".venv/bin/fund demo", ".venv/bin/fund serve"]
