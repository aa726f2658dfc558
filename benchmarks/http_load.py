"""Benchmark: claims end to end over HTTP (gunicorn on PostgreSQL) against the bare SpiffWorkflow loop.

What it measures, in one run on one machine:

* HTTP: a gunicorn serving ``wsgi:app`` on a fresh PostgreSQL database; N client threads each
  submit claims (``POST /api/v1/claims``) and walk them along the straight path of
  claim_paths.py (intake check, review, approval as officers with bearer tokens, then the
  Treasury's ``payment_confirmed``), finding each task in the worklist (``GET /api/v1/tasks``).
* bare: the same number of claims along the same path in benchmarks/engine.py's bare loop
  (SpiffWorkflow alone: restore, run, serialize), the issue's baseline, run in this process
  while the server is idle.
* floor: the same clients, claims and requests against benchmarks/floor_app.py (Flask, SQLAlchemy
  Core and PostgreSQL doing one row per request, none of the fund's work) behind the same
  gunicorn: what the stack costs before the fund does anything (``--no-floor`` skips it).

It prints steps per second; CPU per step of the server (the gunicorn workers), of PostgreSQL
(the backends serving this database) and of the client (this process), all read from /proc and
divided by the steps (a step: a task completed or a message delivered; the submissions and the
worklist look-ups are part of the work, as in the bare loop's "lifecycle" the starts are); p50,
p95 and p99 latency per endpoint; SQL statements and round trips per request, by endpoint, counted
inside the workers (benchmarks/gunicorn_counting.py); and the ratios to the bare loop. PostgreSQL's
own background processes (WAL writer, checkpointer) serve every database and are left out.
Letters are rendered as in production (``FUND_LETTERS_BY_WORKER=1``): by ``fund worker --once``
after the clients are done, its CPU printed apart; ``--letters-in-request`` renders them in the
requests instead, as the quick start does.

Run (from the project root; about two minutes with the defaults)::

    .venv/bin/python benchmarks/http_load.py [--clients 8] [--claims 200] [--workers 4]

The database (default ``fund_http_load`` on 127.0.0.1) is DROPPED and created again. Timings are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from claim_drivers import BareLoop
from claim_paths import STRAIGHT_PATH, USERS, Action, claim_body
from claimants import make_iban, make_iin
from engine import BASELINE, code_revision, run_claims
from sqlalchemy.engine import URL, make_url

from workflows.specs import load_process, read_process_files

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://root@127.0.0.1:5432/fund_http_load"
PASSWORD = "http load benchmark password"
TICKS = os.sysconf("SC_CLK_TCK")
SUBMIT, TASKS = "POST /api/v1/claims", "GET /api/v1/tasks"
COMPLETE, DELIVER = "POST /api/v1/tasks/<task_id>/complete", "POST /api/v1/claims/<reference>/messages/<name>"
WRITES = (SUBMIT, COMPLETE, DELIVER)


# --- the database and the server ----------------------------------------------------------------


def fresh_database(url: URL) -> None:
    """Drop and create the database, migrate it, deploy bpmn/ and create the path's officers."""
    import psycopg
    from flask_migrate import upgrade

    from fund import create_app
    from fund.claims.process_versions import deploy_process
    from fund.common.time import utc_now
    from fund.common.users import create_user
    from fund.extensions import db

    name = url.database or ""
    if "load" not in name and "bench" not in name:
        raise SystemExit(f"refusing to drop database '{name}': use one whose name has 'load' or 'bench'")
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic names every migration it runs
        upgrade(directory=app.extensions["migrate"].directory)
        logging.disable(logging.NOTSET)
        now = utc_now()
        deploy_process("http-load", now - timedelta(days=1))
        for username, roles in USERS.values():
            create_user(username, PASSWORD, roles, now - timedelta(days=1))
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fund_environment(url: URL, letters_by_worker: bool) -> dict[str, str]:
    """The environment of the server and the worker: this database, production's letter setting."""
    return {
        **os.environ,
        "FUND_DATABASE_URL": url.render_as_string(hide_password=False),
        "FUND_SECRET_KEY": "http-load-benchmark",
        "FUND_RATELIMIT_ENABLED": "0",  # one address makes every request here
        "FUND_LOG_LEVEL": "WARNING",
        "FUND_LETTERS_BY_WORKER": "1" if letters_by_worker else "",
    }


def run_worker_once(url: URL, letters_by_worker: bool) -> float:
    """``fund worker --once`` (it issues the letters the server left due): its CPU seconds."""
    worker = subprocess.Popen(
        [str(BIN / "fund"), "worker", "--once"],
        cwd=PROJECT_ROOT,
        env=fund_environment(url, letters_by_worker),
        stdout=subprocess.DEVNULL,
    )
    _pid, _status, usage = os.wait4(worker.pid, 0)
    return usage.ru_utime + usage.ru_stime


def start_gunicorn(
    url: URL,
    workers: int,
    port: int,
    counts_dir: str,
    log_path: Path,
    letters_by_worker: bool,
    floor: bool = False,
) -> subprocess.Popen:
    """gunicorn serving the product with the counting hooks (or, with ``floor``, floor_app.py) on
    ``port``; returns once it answers."""
    environment = {**fund_environment(url, letters_by_worker), "FUND_BENCH_COUNTS_DIR": counts_dir}
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120"]
    if floor:
        command += ["--pythonpath", str(PROJECT_ROOT / "benchmarks"), "floor_app:app"]
    else:
        command += ["-c", str(PROJECT_ROOT / "benchmarks" / "gunicorn_counting.py"), "wsgi:app"]
    with log_path.open("wb") as log:  # gunicorn has its own copy of the file
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/api/v1/", headers={"X-Bench-Warm-Up": "1"})
            connection.getresponse().read()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + log_path.read_text()) from None
            time.sleep(0.2)


def stop_gunicorn(server: subprocess.Popen) -> None:
    """SIGTERM: the workers finish their request and write their counts as they exit."""
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


FLOOR_TABLES = (
    "DROP TABLE IF EXISTS floor_claims, floor_tokens",
    "CREATE TABLE floor_tokens (token_hash text PRIMARY KEY, roles text NOT NULL, "
    "expires_at timestamptz NOT NULL)",
    "CREATE TABLE floor_claims (id bigserial PRIMARY KEY, reference text NOT NULL UNIQUE, "
    "state text NOT NULL, role text NOT NULL, steps integer NOT NULL)",
    "CREATE INDEX floor_claims_open_by_role ON floor_claims (role, id)",
)


def floor_tokens(url: URL) -> dict[str, str]:
    """floor_app.py's tables in the benchmark's database, and a bearer token for each officer of
    the path (actor key -> token), with that officer's roles."""
    import hashlib
    import secrets

    import psycopg

    tokens = {actor: secrets.token_urlsafe(32) for actor in USERS}
    with psycopg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False)
    ) as connection:
        for statement in FLOOR_TABLES:
            connection.execute(statement)
        for actor, token in tokens.items():
            connection.execute(
                "INSERT INTO floor_tokens VALUES (%s, %s, now() + interval '1 day')",
                (hashlib.sha256(token.encode()).hexdigest(), ",".join(USERS[actor][1])),
            )
    return tokens


def floor_run(url: URL, args: argparse.Namespace, counts_dir: str) -> tuple[dict, dict[str, float]]:
    """The same clients walk the same number of claims through floor_app.py: the run and its CPU."""
    tokens = floor_tokens(url)
    port, log = free_port(), Path(counts_dir) / "floor.log"
    server = start_gunicorn(url, args.workers, port, counts_dir, log, True, floor=True)
    try:
        warm_up = range(args.claims + 1, args.claims + 1 + 2 * args.clients)
        drive(port, tokens, args.clients, warm_up, warm_up=True, api="/floor")
        meter = CpuMeter(server.pid, url)
        meter.start()
        run = drive(port, tokens, args.clients, range(1, args.claims + 1), warm_up=False, api="/floor")
        return run, meter.stop()
    except BaseException:
        print("the floor's gunicorn log:\n" + "\n".join(log.read_text().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        stop_gunicorn(server)


# --- CPU from /proc ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def children_of(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def postgres_backends(url: URL) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's database (not this look-up's own)."""
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


@dataclass
class CpuMeter:
    """CPU used by the server's workers, the database's backends and this process since ``start``."""

    server_pid: int
    url: URL
    before: dict[int, float] = field(default_factory=dict)
    client_before: float = 0.0
    measured: str = ""  # which processes stop() found

    def _processes(self) -> dict[int, float]:
        pids = [("server", pid) for pid in children_of(self.server_pid)]
        pids += [("postgres", pid) for pid in postgres_backends(self.url)]
        return {pid: cpu_seconds(pid) for _, pid in pids}

    def start(self) -> None:
        self.before, self.client_before = self._processes(), time.process_time()

    def stop(self) -> dict[str, float]:
        """CPU seconds since :meth:`start`: server, postgres, client. A backend or worker started
        meanwhile counts whole; one that ended meanwhile is lost (none should: pools keep theirs)."""
        workers, backends = set(children_of(self.server_pid)), set(postgres_backends(self.url))
        self.measured = f"{len(workers)} gunicorn workers, {len(backends)} PostgreSQL backends"
        used = {"client": time.process_time() - self.client_before, "server": 0.0, "postgres": 0.0}
        for kind, pids in (("server", workers), ("postgres", backends)):
            for pid in pids:
                used[kind] += cpu_seconds(pid) - self.before.get(pid, 0.0)
        return used


# --- the clients --------------------------------------------------------------------------------


class Client:
    """Requests to the server over a new connection each (gunicorn's sync workers close them)."""

    def __init__(self, port: int, latencies: dict[str, list[float]], warm_up: bool) -> None:
        self.port, self.latencies, self.warm_up = port, latencies, warm_up

    def call(
        self, method: str, path: str, label: str, body: Any = None, token: str = "", step: str = ""
    ) -> Any:
        """The answer's JSON; raises on any status but 2xx. ``label`` names the endpoint."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if step:
            headers["X-Bench-Step"] = step
        if self.warm_up:
            headers["X-Bench-Warm-Up"] = "1"
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.latencies.setdefault(f"{label} [{step}]" if step else label, []).append(
            time.perf_counter() - began
        )
        if not 200 <= response.status < 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500].decode(errors='replace')}")
        return json.loads(data)


def http_claim_body(number: int) -> dict[str, Any]:
    """claim_paths.claim_body() of an adult victim of its own (a birth date and IIN of its own),
    with a criminal case of its own, and dated from today: the server reads the wall clock, so the
    crime is recognized 30 days before the submission."""
    body = claim_body()
    recognized = date.today() - timedelta(days=30)
    birth = date(1950, 1, 1) + timedelta(days=number % 18_000)  # born 1950-1999
    body["claimant"].update(
        iin=make_iin(birth, 1 + 2 * (number // 18_000)),
        birth_date=birth.isoformat(),
        iban=make_iban(number),
        email=f"load{number}@fund.invalid",
    )
    body["crime"].update(
        erdr_number=f"2617600{number % 10**8:08d}",
        committed_on=(recognized - timedelta(days=30)).isoformat(),
        recognized_on=recognized.isoformat(),
    )
    return body


def walk_claim(client: Client, tokens: dict[str, str], number: int, api: str = "/api/v1") -> int:
    """Submit one claim and take it along the straight path; returns the steps taken. ``api`` is
    where the routes are: the product's, or the floor's (floor_app.py)."""
    body = http_claim_body(number)
    reference = client.call("POST", f"{api}/claims", SUBMIT, body)["reference"]
    answer: dict[str, Any] = {}
    for action in STRAIGHT_PATH:
        answer = take_step(client, tokens[action.actor], reference, action, api)
    if answer.get("status") != "paid":
        raise RuntimeError(f"claim {reference} ended {answer.get('status')!r}, not paid")
    return len(STRAIGHT_PATH)


def take_step(client: Client, token: str, reference: str, action: Action, api: str) -> dict[str, Any]:
    """One step: deliver the message, or find the claim's ready task in the worklist and complete it."""
    if action.kind == "deliver":
        path = f"{api}/claims/{reference}/messages/{action.names[0]}"
        return client.call("POST", path, DELIVER, action.data, token, step=action.names[0])
    role = USERS[action.actor][1][0]
    worklist = client.call("GET", f"{api}/tasks?role={role}", TASKS, token=token)
    (task,) = [t for t in worklist if t["claim_reference"] == reference and t["name"] in action.names]
    path = f"{api}/tasks/{task['id']}/complete"
    return client.call("POST", path, COMPLETE, action.data, token, step=task["name"])


def drive(
    port: int, tokens: dict[str, str], clients: int, claims: range, warm_up: bool, api: str = "/api/v1"
) -> dict:
    """``clients`` threads walk the ``claims`` (numbers) between them; returns steps, seconds and
    the latencies per endpoint. The first failure stops the run."""
    latencies: dict[str, list[float]] = {}
    next_claim = iter(claims)
    lock = threading.Lock()
    steps, failures = [0], []

    def client_loop() -> None:
        client = Client(port, latencies, warm_up)
        while not failures:
            with lock:
                number = next(next_claim, None)
            if number is None:
                return
            try:
                taken = walk_claim(client, tokens, number, api)
            except Exception as error:  # noqa: BLE001 - reported below, the run stops
                failures.append(error)
                return
            with lock:
                steps[0] += taken

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"the run failed: {failures[0]}")
    return {"steps": steps[0], "seconds": time.perf_counter() - began, "latencies": latencies}


def sign_in(port: int) -> dict[str, str]:
    """A bearer token for each officer of the path (actor key -> token)."""
    client = Client(port, {}, warm_up=True)
    return {
        actor: client.call("POST", "/api/v1/tokens", "tokens", {"username": name, "password": PASSWORD})[
            "token"
        ]
        for actor, (name, _) in USERS.items()
    }


# --- the bare loop ------------------------------------------------------------------------------


def bare_loop(claims: int) -> dict[str, float]:
    """engine.py's baseline loop along the straight path: steps, wall and CPU seconds of the
    lifecycle (the starts included, as the HTTP run includes the submissions)."""
    process = load_process(read_process_files(PROJECT_ROOT / "bpmn"), validate=False)
    loop = BareLoop(BASELINE, process, spec_in_snapshot=False)
    run_claims(loop, STRAIGHT_PATH, 2, 900_000)  # warm up
    cpu, began = time.process_time(), time.perf_counter()
    run = run_claims(loop, STRAIGHT_PATH, claims, 1)
    return {"steps": run.step_count, "seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}


# --- the report ---------------------------------------------------------------------------------


def read_counts(directory: str) -> dict[str, list[float]]:
    """The workers' counts added up: endpoint -> [requests, statements, round trips, CPU seconds]."""
    total: dict[str, list[float]] = {}
    for path in Path(directory).glob("*.json"):
        for endpoint, row in json.loads(path.read_text()).items():
            into = total.setdefault(endpoint, [0, 0, 0, 0.0])
            for index, value in enumerate(row):
                into[index] += value
    return total


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def print_endpoints(latencies: dict[str, list[float]], counts: dict[str, list[float]]) -> None:
    """Latency per endpoint (client side), and what each request cost a worker (server side)."""
    width = max(len(label) for label in latencies)
    print(
        f"\n{'endpoint [step]':<{width}} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'SQL/req':>7} {'trips/req':>9} {'CPU ms/req':>10}"
    )
    for label in sorted(latencies, key=lambda name: (name.split(" ")[1], name)):
        times = latencies[label]
        requests, statements, trips, cpu = counts.get(label, [0, 0, 0, 0.0])
        statements, trips, cpu = (
            (f"{statements / requests:.1f}", f"{trips / requests:.1f}", f"{1000 * cpu / requests:.1f}")
            if requests
            else ("-", "-", "-")
        )
        print(
            f"{label:<{width}} {len(times):>8} {1000 * percentile(times, 0.5):>7.1f} "
            f"{1000 * percentile(times, 0.95):>7.1f} {1000 * percentile(times, 0.99):>7.1f} "
            f"{statements:>7} {trips:>9} {cpu:>10}"
        )
    missing = [label for label in counts if label not in latencies]
    if missing:
        print(f"(counted by the server but not timed by the clients: {', '.join(missing)})")


def report(
    http: dict,
    cpu: dict[str, float],
    counts: dict[str, list[float]],
    bare: dict,
    args: argparse.Namespace,
    floor: tuple[dict, dict[str, float]] | None,
) -> None:
    """The table per endpoint, then throughput, CPU per step and the ratios to the bare loop."""
    print_endpoints(http["latencies"], counts)
    steps = http["steps"]
    http_rate, bare_rate = steps / http["seconds"], bare["steps"] / bare["seconds"]
    per_step = {kind: 1000 * seconds / steps for kind, seconds in cpu.items()}
    hot = per_step["server"] + per_step["postgres"]
    writes = sum(row[3] for label, row in counts.items() if label.split(" [")[0] in WRITES)
    bare_cpu = 1000 * bare["cpu"] / bare["steps"]
    print(
        f"\nHTTP: {steps} steps ({steps // len(STRAIGHT_PATH)} claims) in {http['seconds']:.1f} s: "
        f"{http_rate:.1f} steps/s with {args.clients} clients and {args.workers} gunicorn workers"
    )
    print(
        f"  CPU per step: server {per_step['server']:.1f} ms, PostgreSQL {per_step['postgres']:.1f} ms, "
        f"server + PostgreSQL {hot:.1f} ms, client {per_step['client']:.1f} ms"
    )
    print(
        f"  of the server's: {1000 * writes / steps:.1f} ms in the writes (submissions, completions, "
        f"messages), the rest in worklist look-ups and outside requests"
    )
    where = "in the requests, counted above" if args.letters_in_request else "by `fund worker --once` after"
    print(
        f"  letters: rendered {where}; the worker's process used {per_step['worker']:.1f} ms per step "
        f"(its PostgreSQL work not counted)"
    )
    print(
        f"bare loop ({BASELINE}): {bare['steps']} steps in {bare['seconds']:.1f} s: {bare_rate:.1f} steps/s, "
        f"CPU per step {bare_cpu:.2f} ms (starts included)"
    )
    print(
        f"Ratios: steps/s HTTP ÷ bare {http_rate / bare_rate:.2f}×; CPU per step bare ÷ (server + "
        f"PostgreSQL) {bare_cpu / hot:.2f}× (target ≥ 0.5×, i.e. server + PostgreSQL ≤ 2× the bare "
        f"loop's; they spend {hot / bare_cpu:.1f}× its CPU)"
    )
    if floor is not None:
        run, used = floor
        under = {kind: 1000 * seconds / run["steps"] for kind, seconds in used.items()}
        floor_hot = under["server"] + under["postgres"]
        print(
            f"floor (floor_app.py: Flask, SQLAlchemy Core and PostgreSQL, a token check and one row per "
            f"request, the same {run['steps']} steps and requests): "
            f"{run['steps'] / run['seconds']:.1f} steps/s; "
            f"CPU per step: server {under['server']:.1f} ms, PostgreSQL {under['postgres']:.1f} ms, "
            f"server + PostgreSQL {floor_hot:.1f} ms = {floor_hot / bare_cpu:.1f}× the bare loop's"
        )
        print(
            f"  the product above the floor: {hot - floor_hot:.1f} ms per step = "
            f"{(hot - floor_hot) / bare_cpu:.1f}× the bare loop's; the target leaves "
            f"{2 * bare_cpu - floor_hot:.1f} ms per step above the floor for the fund's work"
        )


def main(argv: list[str] | None = None) -> None:
    """Set up the database and gunicorn, drive the clients, run the bare loop, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--claims", type=int, default=200, help="claims along the straight path, each side")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers")
    parser.add_argument(
        "--letters-in-request",
        action="store_true",
        help="render letters in the request after the command (the quick start's setting) instead of by "
        "the worker (FUND_LETTERS_BY_WORKER=1, production's)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("FUND_HTTP_LOAD_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL; the database is DROPPED and created again (default: %(default)s)",
    )
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the floor (floor_app.py: the stack without the fund's work)",
    )
    args = parser.parse_args(argv)
    url = make_url(args.database)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC · code {code_revision()} · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"load average {os.getloadavg()[0]:.2f} (other work skews the figures)",
        flush=True,
    )
    fresh_database(url)
    with tempfile.TemporaryDirectory(prefix="fund-http-load-") as counts_dir:
        port, log = free_port(), Path(counts_dir) / "gunicorn.log"
        server = start_gunicorn(url, args.workers, port, counts_dir, log, not args.letters_in_request)
        try:
            tokens = sign_in(port)
            warm_up = range(args.claims + 1, args.claims + 1 + 2 * args.clients)  # claim numbers
            drive(port, tokens, args.clients, warm_up, warm_up=True)
            meter = CpuMeter(server.pid, url)
            meter.start()
            http = drive(port, tokens, args.clients, range(1, args.claims + 1), warm_up=False)
            cpu = meter.stop()
            print(f"CPU read from /proc for {meter.measured} and this process", flush=True)
            cpu["worker"] = run_worker_once(url, not args.letters_in_request)
        except BaseException:
            print(
                "gunicorn's log, last lines:\n" + "\n".join(log.read_text().splitlines()[-40:]),
                file=sys.stderr,
            )
            raise
        finally:
            stop_gunicorn(server)
        counts = read_counts(counts_dir)
        floor = floor_run(url, args, counts_dir) if not args.no_floor else None
    bare = bare_loop(args.claims)
    report(http, cpu, counts, bare, args, floor)


if __name__ == "__main__":
    main()
