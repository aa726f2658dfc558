"""The README's API examples work as written: each ``curl`` line of its ```` ```bash api-example ````
blocks is run by bash, in order, against a live server, and must answer the status its comment
names (``# … → 201``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from fund.common.users import create_user
from tests.conftest import claim_body

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```bash api-example\n(.*?)^```", re.MULTILINE | re.DOTALL)
STATUS = re.compile(r"→\s*(\d{3})\s*$")
PASSWORD = "correct-horse-battery"


def readme_examples() -> list[tuple[str, str, int]]:
    """(what the comment says, the command, the status it must answer), in the README's order."""
    examples = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        comment = None
        for line in block.splitlines():
            if line.startswith("#"):
                comment = line
            elif line.startswith("curl "):
                match = STATUS.search(comment or "")
                assert match, f"the example has no '→ <status>' comment before it: {line}"
                examples.append((comment, line, int(match[1])))
                comment = None
            elif line.strip():
                pytest.fail(f"an API example line is neither a comment nor a curl command: {line}")
    return examples


def test_the_readme_has_api_examples_of_each_kind():
    commands = " ".join(command for _, command, _ in readme_examples())
    for shown in ("Idempotency-Key", "If-None-Match", "If-Match", "limit=", "/complete", "/messages/"):
        assert shown in commands, f"no README API example shows {shown}"


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_every_readme_api_example_answers_its_documented_status(app, client, staff, live_url, tmp_path):
    if shutil.which("curl") is None:
        pytest.fail("the README's examples need curl (apt-get install curl)")
    staff.users["ivan"] = create_user("ivan", PASSWORD, ["intake"], datetime.now(UTC))
    headers = staff.headers("ivan")
    submitted = client.post("/api/v1/claims", json=claim_body()).get_json()
    reference = submitted["reference"]
    tasks = client.get("/api/v1/tasks?role=intake", headers=headers).get_json()
    (task,) = [t for t in tasks if t["claim_reference"] == reference and t["name"] == "intake_check"]
    etag = client.get(f"/api/v1/claims/{reference}", headers=headers).headers["ETag"]
    (tmp_path / "claim.json").write_text(json.dumps(claim_body()), encoding="utf-8")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FUND": live_url,
        "TOKEN": headers["Authorization"].removeprefix("Bearer "),
        "REF": reference,
        "CODE": submitted["access_code"],
        "TASK": task["id"],
        "ETAG": etag,
    }

    examples = readme_examples()
    assert len(examples) >= 10
    for comment, command, status in examples:
        run = subprocess.run(
            ["bash", "-c", f"{command} -o /dev/null -w '%{{http_code}}'"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, f"{comment}\n{command}\n{run.stderr}"
        assert run.stdout.strip() == str(status), f"{comment}\n{command}\nanswered {run.stdout}"
