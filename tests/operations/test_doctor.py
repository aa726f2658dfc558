"""`fund doctor`: what is not ready for production, one line each with what to do; exit 1 when
anything is found, 0 when nothing is.

On a quick start's demo database it finds every item; on a configured installation (its
environment set as the deployment guide says) it finds nothing — but SQLite, when the tests run on
SQLite.
"""

from __future__ import annotations

import re

import pytest

from fund.common.time import utc_now
from fund.common.users import create_user
from fund.operations.heartbeats import round_finished, round_started
from tests.operations.processes import fund_command, quick_start_environment, run_fund

EVERY_ITEM = (
    "secret key",
    "public address",
    "database",
    "rate limits",
    "e-mail",
    "letters",
    "treasury account",
    "worker",
    "demo users",
    "demo claims",
)


def _findings(output: str) -> dict[str, str]:
    """The doctor's lines by item: ``NOT READY <item>: <problem>. Do: <what to do>``."""
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"NOT READY ([a-z -]+): (.+)\. Do: (.+)", line)
        if match:
            found[match.group(1)] = match.group(2) + " / " + match.group(3)
    return found


@pytest.fixture(scope="module")
def demo_environment(tmp_path_factory) -> dict[str, str]:
    """A quick start as the README's first command leaves it: `fund init`, `fund demo`, no worker
    run yet, no FUND_SECRET_KEY (the key is generated into instance/)."""
    environment = quick_start_environment(tmp_path_factory.mktemp("doctor_demo"))
    del environment["FUND_SECRET_KEY"]
    fund_command(environment, "init")
    fund_command(environment, "demo")
    return environment


def test_on_a_demo_database_the_doctor_finds_every_item(demo_environment):
    result = run_fund(demo_environment, "doctor")
    assert result.returncode == 1, result.stdout + result.stderr
    found = _findings(result.stdout)
    assert set(EVERY_ITEM) <= set(found), result.stdout
    assert "instance/secret_key" in found["secret key"] and "development" in found["secret key"]
    assert "http://127.0.0.1:5000" in found["public address"]
    assert "SQLite" in found["database"] and "PostgreSQL" in found["database"]
    assert "FUND_RATELIMIT_STORAGE_URI" in found["rate limits"]
    assert "FUND_SMTP_HOST" in found["e-mail"]
    assert "FUND_LETTERS_BY_WORKER=1" in found["letters"]
    assert "no worker heartbeat" in found["worker"] and "fund worker" in found["worker"]
    assert "admin" in found["demo users"] and "intake" in found["demo users"]
    assert f"{len(found)} thing(s) not ready for production" in result.stdout


def test_a_weak_secret_key_is_found_too(demo_environment):
    """A key set but guessable (short, or a word) is as bad as none."""
    result = run_fund({**demo_environment, "FUND_SECRET_KEY": "demo-secret"}, "doctor")
    assert "guessable" in _findings(result.stdout)["secret key"]


def test_on_a_configured_installation_the_doctor_finds_nothing(app, database_url, tmp_path):
    """The environment of the deployment guide, a worker's fresh heartbeat, an administrator with a
    password of their own (named like a demo user, not signing in with its password): clean."""
    create_user("admin", "a password of the fund's own choosing", ["admin"], utc_now())
    round_started("worker-1:4242", utc_now())
    round_finished("worker-1:4242", utc_now(), None)
    environment = {
        **quick_start_environment(tmp_path),
        "FUND_DATABASE_URL": database_url,
        "FUND_SECRET_KEY": "4f" * 32,
        "FUND_PUBLIC_URL": "https://compensation.example.kz",
        "FUND_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "FUND_SMTP_HOST": "smtp.example.kz",
        "FUND_LETTERS_BY_WORKER": "1",
        "FUND_NAME": "Victims Compensation Fund",
        "FUND_TREASURY_IBAN": "KZ86125KZT5004100100",
        "FUND_TREASURY_BIC": "KKMFKZ2A",
    }
    result = run_fund(environment, "doctor")
    if database_url.startswith("postgresql"):
        assert result.returncode == 0, result.stdout + result.stderr
        assert _findings(result.stdout) == {}
        assert "ready for production: nothing found" in result.stdout
    else:  # the tests' own SQLite database: the one thing a configured installation would not have
        assert result.returncode == 1
        assert set(_findings(result.stdout)) == {"database"}, result.stdout
