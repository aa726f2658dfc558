"""The API fuzzed against its own document: schemathesis runs every operation that
``/api/v1/openapi.json`` lists, with valid and invalid data and stateful sequences along the
document's links, against a live server on a fresh SQLite database with the demo data.

    .venv/bin/python .ci/api_fuzz.py [extra `st run` options, e.g. --max-examples 5]

The operations are never listed here: whatever the document holds when this runs is tested. The
server is this fund's own application, served by Werkzeug on a free localhost port in this process;
staff calls carry the bearer token of a user with every staff role (so each operation is reached
past its role check) and the claimant's calls a demo claim's access code. The rate limits stay on,
set high in ``FUZZ_CONFIG`` (the fuzz sends thousands of requests from one address; a 429 with
``Retry-After`` is documented, but would hide the operations behind it). schemathesis's settings
are in ``.ci/schemathesis.toml``. Exits with schemathesis's code: non-zero when it found failures.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import requests
from flask_migrate import upgrade
from werkzeug.serving import make_server

from fund import create_app
from fund.claims.process_versions import deploy_process
from fund.common.users import create_user
from fund.demo import load_demo
from fund.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / ".ci" / "schemathesis.toml"
FUZZ_USER = "fuzz"
FUZZ_PASSWORD = "fuzz-every-operation-2026"
STAFF_ROLES = ["intake", "reviewer", "approver", "finance", "auditor", "admin", "supervisor"]
GENEROUS = "100000 per hour"
FUZZ_CONFIG = {
    "FUND_RATELIMIT_ENABLED": True,
    "FUND_RATELIMIT_STORAGE_URI": "memory://",
    **{
        name: GENEROUS
        for name in (
            "FUND_RATELIMIT_PORTAL_SIGN_IN",
            "FUND_RATELIMIT_PORTAL_SUBMIT",
            "FUND_RATELIMIT_PORTAL_UPLOAD",
            "FUND_RATELIMIT_VERIFY",
            "FUND_RATELIMIT_API_TOKENS",
        )
    },
}
DEMO_CLAIM = re.compile(r"^claim (\S+)\s+access code (\S+)")
SUMMARY = re.compile(r"^=+ .* in [0-9.]+m?s =+$")


def summary_of(output: str) -> str:
    """schemathesis's count of test cases and its closing line, on one line."""
    lines = [line.strip() for line in output.splitlines()]
    cases = [lines[n + 1] for n, line in enumerate(lines[:-1]) if line == "Test cases:"]
    closing = [line for line in lines if SUMMARY.match(line)]
    return "; ".join([*cases[-1:], *closing[-1:]]) or "(no summary line)"


def prepare(database: Path) -> tuple[object, str]:
    """The application on a fresh SQLite database with the demo data and the fuzz user; returns it
    and one demo claim's access code."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", **FUZZ_CONFIG})
    lines: list[str] = []
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        deploy_process("api-fuzz", datetime.now(UTC))
        load_demo(lines.append)
        create_user(FUZZ_USER, FUZZ_PASSWORD, STAFF_ROLES, datetime.now(UTC), "Fuzz Every-Role")
        db.session.remove()
    codes = [match[2] for line in lines if (match := DEMO_CLAIM.match(line))]
    if not codes:
        sys.exit("api fuzz: the demo loaded no claims")
    return app, codes[0]


def main(argv: list[str]) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with tempfile.TemporaryDirectory(prefix="fund-api-fuzz-") as tmp:
        app, access_code = prepare(Path(tmp) / "fuzz.sqlite3")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["FUND_PUBLIC_URL"] = base
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            answer = requests.post(
                f"{base}/api/v1/tokens",
                json={"username": FUZZ_USER, "password": FUZZ_PASSWORD},
                timeout=30,
            )
            if answer.status_code != 201:
                print(f"api fuzz: no token ({answer.status_code}): {answer.text}", file=sys.stderr)
                return 1
            environment = {
                **os.environ,
                "FUND_FUZZ_TOKEN": answer.json()["token"],
                "FUND_FUZZ_ACCESS_CODE": access_code,
            }
            st = Path(sys.executable).with_name("st")
            command = [
                str(st),
                "--config-file",
                str(SETTINGS),
                "--no-color",
                "run",
                f"{base}/api/v1/openapi.json",
                *argv,
            ]
            print("api fuzz:", " ".join(command), flush=True)
            run = subprocess.run(  # in the temporary folder: schemathesis's cache stays out of the tree
                command, env=environment, cwd=tmp, stdout=subprocess.PIPE, text=True, check=False
            )
            print(run.stdout, end="")
            print(f"api fuzz summary: {summary_of(run.stdout)} (exit {run.returncode})")
            return run.returncode
        finally:
            server.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
