"""/metrics, as Prometheus scrapes it: the figures move when the fund's work moves, only the metrics
token or an allowed network gets an answer, and no label carries a claim's reference or a person's
identity number.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from fund.audit.seals import seal_history
from fund.common.system import system_user
from fund.common.time import utc_now
from fund.extensions import db
from fund.models import HumanTask, Timer
from fund.operations.heartbeats import round_finished, round_started
from fund.web.rate_limits import limiter

TOKEN = "metrics-token-for-the-tests-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "FUND_METRICS_ALLOW", "")


def scrape(client) -> Samples:
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when it is not there (a counter not yet counted, a role with no task)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_the_figures_move_when_a_task_is_completed_through_the_api(
    app, client, submit, officers, metrics_token
):
    """Scrape, complete the intake check through the API, scrape again: the claim moved from
    submitted to under review, its task from intake's worklist to the reviewers', one more
    task_completed command was timed and one more answer counted on the completion's URL rule."""
    reference = submit()["reference"]
    task = officers.task(reference, "intake_check", "ivan")
    before = scrape(client)

    response = officers.complete(task["id"], {"documents_complete": True}, "ivan")
    assert response.status_code == 200, response.get_json()
    after = scrape(client)

    assert value(before, "fund_claims", status="submitted") == 1
    assert value(after, "fund_claims", status="submitted") == 0
    assert value(after, "fund_claims", status="under_review") == 1
    assert value(before, "fund_tasks_waiting", role="intake") == 1
    assert value(after, "fund_tasks_waiting", role="intake") == 0
    assert value(after, "fund_tasks_waiting", role="reviewer") == 1
    commands = "fund_engine_command_duration_seconds_count"
    assert value(after, commands, kind="task_completed") == value(before, commands, kind="task_completed") + 1
    assert value(after, "fund_engine_command_duration_seconds_sum", kind="task_completed") > value(
        before, "fund_engine_command_duration_seconds_sum", kind="task_completed"
    )
    answers = dict(route="/api/v1/tasks/<task_id>/complete", method="POST", status="200")
    assert (
        value(after, "fund_http_requests_total", **answers)
        == value(before, "fund_http_requests_total", **answers) + 1
    )
    timed = dict(route="/api/v1/tasks/<task_id>/complete", method="POST")
    assert value(after, "fund_http_request_duration_seconds_count", **timed) == (
        value(before, "fund_http_request_duration_seconds_count", **timed) + 1
    )
    assert value(after, "fund_database_up") == 1


def test_the_database_figures_read_what_the_database_holds(app, client, submit, officers, metrics_token):
    """Overdue tasks by role, due timers not yet fired, the outbox, the last seal and the workers'
    heartbeats, each as the database has them at the moment of the scrape."""
    waiting_for_documents = submit()["reference"]
    officers.check_documents(
        waiting_for_documents, {"documents_complete": False, "missing_documents": ["forensic_medical_report"]}
    )
    submit()  # at intake: a task open
    empty = scrape(client)
    assert value(empty, "fund_timers_due") == 0
    assert ("fund_last_seal_age_seconds", frozenset()) not in empty  # no seal yet: no sample
    assert ("fund_worker_heartbeat_age_seconds", frozenset()) not in empty
    assert value(empty, "fund_workers_alive") == 0

    an_hour_ago = utc_now() - timedelta(hours=1)
    db.session.execute(update(Timer).values(due_at=an_hour_ago))  # the day-20 reminder and day-30 deadline
    db.session.execute(update(HumanTask).where(HumanTask.state == "open").values(due_at=an_hour_ago))
    db.session.commit()
    seal_history(utc_now() - timedelta(minutes=10), system_user())
    round_started("worker-host:1", utc_now() - timedelta(seconds=30))
    round_finished("worker-host:1", utc_now() - timedelta(seconds=20), None)
    round_started("worker-host:2", utc_now() - timedelta(days=1))  # a worker that stopped yesterday

    figures = scrape(client)
    open_roles = {labels for name, labels in figures if name == "fund_tasks_waiting"}
    assert open_roles == {frozenset({("role", "intake")})}
    assert sum(value(figures, "fund_tasks_overdue", **dict(labels)) for labels in open_roles) == sum(
        value(figures, "fund_tasks_waiting", **dict(labels)) for labels in open_roles
    )
    assert value(figures, "fund_timers_due") == 2
    assert 500 < value(figures, "fund_last_seal_age_seconds") < 700
    assert 15 < value(figures, "fund_worker_heartbeat_age_seconds") < 120
    assert value(figures, "fund_workers_alive") == 1
    queued = value(figures, "fund_outbox_messages", state="queued")
    assert queued >= 1, "the claimant's messages wait for an SMTP server"
    assert value(figures, "fund_outbox_oldest_due_age_seconds") >= 0


def test_only_the_token_or_an_allowed_network_gets_an_answer(app, client, monkeypatch):
    """No token and no allow-list configured: nobody. Then the token, or an address in the list."""
    monkeypatch.setitem(app.config, "FUND_METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "FUND_METRICS_ALLOW", "")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=SCRAPER).status_code == 404  # no token is configured

    monkeypatch.setitem(app.config, "FUND_METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404  # not a bearer
    assert client.get("/metrics", headers=SCRAPER).status_code == 200

    monkeypatch.setitem(app.config, "FUND_METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "FUND_METRICS_ALLOW", "10.20.0.0/16, 192.168.1.7")
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.8"}).status_code == 404

    monkeypatch.setitem(app.config, "FUND_METRICS_ALLOW", "10.20.0.0/33,not-a-network")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 404  # not a 500


@pytest.fixture
def verify_limit(app, monkeypatch):
    """Rate limits on, with one letter check a minute per address."""
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_VERIFY", "1 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_rate_limit_refusals_are_counted_and_scrapes_are_never_limited(
    app, client, metrics_token, verify_limit
):
    before = scrape(client)
    answers = [client.post("/verify/L-2026-000001", data={"code": "x"}).status_code for _ in range(3)]
    assert answers[1:] == [429, 429]
    for _ in range(20):  # far beyond every limit: a scraper is never refused
        after = scrape(client)
    assert value(after, "fund_rate_limit_refusals_total", limit="verify") == (
        value(before, "fund_rate_limit_refusals_total", limit="verify") + 2
    )


REFERENCE = re.compile(r"VCF-\d{4}-\d+", re.IGNORECASE)
TWELVE_DIGITS = re.compile(r"\d{12}")


def test_no_label_value_is_a_claim_reference_an_iin_or_a_username(
    app, client, submit, officers, metrics_token
):
    """After claims were submitted, worked and looked at (their pages and a wrong URL with a
    reference in it), every label value is a code: a URL rule, a method, a status, a role ..."""
    claims = [submit() for _ in range(2)]
    for claim in claims:
        officers.check_documents(claim["reference"])
        officers.claim(claim["reference"])
        client.get(f"/api/v1/claims/{claim['reference']}/no-such-thing")
    client.get("/claims/" + claims[0]["reference"])
    people = {"ivan", "rita", "alma"}
    iins = {str(db.session.scalar(db.text("SELECT iin FROM claimants LIMIT 1")))}

    values = {label_value for _name, labels in scrape(client) for _label, label_value in labels}
    assert "/claims/<reference>" in values and "/api/v1/tasks/<task_id>/complete" in values
    for label_value in values:
        assert not REFERENCE.search(label_value), label_value
        assert not TWELVE_DIGITS.search(label_value), label_value
        assert label_value not in people | iins, label_value


def test_every_gunicorn_process_is_counted_in_multiprocess_mode(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, a request answered by one process is in the scrape another
    process answers (as gunicorn's workers do); without it, each process counts its own."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    script = textwrap.dedent(
        f"""
        import sys
        from fund import create_app
        app = create_app({{"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/fund.sqlite3",
                          "FUND_METRICS_TOKEN": "{TOKEN}"}})
        client = app.test_client()
        if sys.argv[1] == "answer":
            for _ in range(3):
                assert client.get("/healthz").status_code == 200
        else:
            scraped = client.get("/metrics", headers={{"Authorization": "Bearer {TOKEN}"}})
            print(scraped.get_data(as_text=True))
        """
    )
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    run = [sys.executable, "-c", script]
    subprocess.run([*run, "answer"], env=environment, check=True, cwd=tmp_path, capture_output=True)
    shown = subprocess.run(
        [*run, "scrape"], env=environment, check=True, cwd=tmp_path, capture_output=True, text=True
    )
    assert 'fund_http_requests_total{method="GET",route="/healthz",status="200"} 3.0' in shown.stdout

    alone = {key: value for key, value in environment.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    shown = subprocess.run(
        [*run, "scrape"], env=alone, check=True, cwd=tmp_path, capture_output=True, text=True
    )
    assert 'route="/healthz"' not in shown.stdout
    assert "fund_database_up 0.0" in shown.stdout  # no tables in that database: the scrape still answers
