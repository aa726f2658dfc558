"""The systemd units of deploy/ run what exists: gunicorn serving ``wsgi:app`` without an access
log, and ``fund worker`` as a template for N workers, both reading the same EnvironmentFile whose
example names every setting production needs. ``systemd-analyze verify`` (when the machine has
it) checks the units with their paths pointed at this checkout.
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fund import PROJECT_ROOT
from fund.cli import worker_command

DEPLOY = PROJECT_ROOT / "deploy"
VENV = "/opt/fund/venv"
RELEASE = "/opt/fund/release"
ENV_FILE = "/etc/fund/fund.env"


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections and their settings (a setting may repeat, as systemd allows)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_web_unit_runs_gunicorn_on_the_wsgi_app_without_an_access_log():
    service = unit("fund-web.service")["Service"]
    (command,) = service["ExecStart"]
    words = shlex.split(command)
    assert words[0] == f"{VENV}/bin/gunicorn"
    assert words[-1] == "wsgi:app"
    assert not any(word.startswith(("--access-logfile", "--access-log")) for word in words)
    assert words[words.index("-w") + 1] == "4" and words[words.index("-b") + 1] == "0.0.0.0:8000"
    assert service["EnvironmentFile"] == [ENV_FILE] and service["WorkingDirectory"] == [RELEASE]
    assert "PROMETHEUS_MULTIPROC_DIR=/run/fund-metrics" in service["Environment"]
    # wsgi:app names a module of the release and the application it creates.
    tree = ast.parse((PROJECT_ROOT / "wsgi.py").read_text())
    assigned = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets}
    assert "app" in assigned
    assert (Path(sys.executable).parent / "gunicorn").exists()


def test_the_worker_unit_is_a_template_that_runs_fund_worker_with_options_it_has():
    sections = unit("fund-worker@.service")
    assert "%i" in sections["Unit"]["Description"][0]
    service = sections["Service"]
    (command,) = service["ExecStart"]
    words = shlex.split(command)
    assert words[:2] == [f"{VENV}/bin/fund", "worker"]
    assert "PROMETHEUS_MULTIPROC_DIR" not in " ".join(service.get("Environment", []))
    # The options parse as `fund worker` reads them (an unknown option would stop the unit).
    context = worker_command.make_context("worker", words[2:])
    assert context.params["interval"] == 30.0 and not context.params["once"]
    assert service["EnvironmentFile"] == [ENV_FILE] and service["Restart"] == ["always"]
    assert (Path(sys.executable).parent / "fund").exists()
    assert CliRunner().invoke(worker_command, ["--help"]).exit_code == 0


def test_the_environment_example_names_every_setting_production_needs():
    text = (DEPLOY / "fund.env.example").read_text()
    named = set(re.findall(r"^#?(FUND_[A-Z0-9_]+)=", text, flags=re.MULTILINE))
    needed = {
        "FUND_DATABASE_URL", "FUND_SECRET_KEY", "FUND_CODE_KEY", "FUND_PUBLIC_URL", "FUND_SIGNING_KEY",
        "FUND_SIGNING_KEY_PASSPHRASE", "FUND_PROXY_COUNT", "FUND_RATELIMIT_STORAGE_URI", "FUND_SMTP_HOST",
        "FUND_SMTP_PORT", "FUND_SMTP_USER", "FUND_SMTP_PASSWORD", "FUND_SMTP_STARTTLS", "FUND_MAIL_FROM",
        "FUND_LETTERS_BY_WORKER", "FUND_NAME", "FUND_TREASURY_IBAN", "FUND_TREASURY_BIC",
        "FUND_METRICS_TOKEN", "FUND_METRICS_ALLOW", "FUND_LOG_FORMAT", "FUND_READY_HEARTBEAT_SECONDS",
        "FUND_READY_OUTBOX_SECONDS", "FUND_SLA_DECISION_DAYS", "FUND_SLA_PAYMENT_DAYS",
        "FUND_SLA_WARNING_DAYS", "FUND_SLA_DIGEST_HOUR", "FUND_SIGNATORY_NAME", "FUND_SIGNATORY_POSITION",
    }  # fmt: skip
    assert needed <= named, sorted(needed - named)
    # Every setting fund doctor checks is in it.
    doctor = (PROJECT_ROOT / "fund" / "operations" / "doctor.py").read_text()
    checked = set(re.findall(r"FUND_[A-Z0-9]+(?:_[A-Z0-9]+)*", doctor))
    assert checked <= named, sorted(checked - named)
    assert "PROMETHEUS_MULTIPROC_DIR=" not in text.replace("# PROMETHEUS_MULTIPROC_DIR", "")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units_pointed_at_this_checkout(tmp_path):
    here = {VENV: str(Path(sys.executable).parent.parent), RELEASE: str(PROJECT_ROOT),
            ENV_FILE: str(DEPLOY / "fund.env.example")}  # fmt: skip
    for name in ("fund-web.service", "fund-worker@.service"):
        text = (DEPLOY / name).read_text()
        for production, local in here.items():
            text = text.replace(production, local)
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(tmp_path / "fund-web.service"),
            str(tmp_path / "fund-worker@1.service"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr
