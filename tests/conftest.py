"""Fixtures: an application on a real database (SQLite file, or PostgreSQL when asked), a client,
staff users with tokens, and valid claim submissions.

Set FUND_TEST_DATABASE_URL (e.g. postgresql+psycopg://root@127.0.0.1:5432/fund_test) to run the
same suite on PostgreSQL; the database is emptied and migrated at the start of the run.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from fund import create_app
from fund.claims.process_versions import deploy_process
from fund.common.users import create_user, issue_token
from fund.extensions import db, drop_every_table

PASSWORD = "correct horse battery staple"
KEEP_TABLES = {"alembic_version", "mci_rates"}  # mci_rates is seeded by the migration


def pytest_report_header(config) -> str:
    url = os.environ.get("FUND_TEST_DATABASE_URL")
    where = url.split("@")[-1] if url else "SQLite file (set FUND_TEST_DATABASE_URL for PostgreSQL)"
    return f"fund database: {where}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("FUND_TEST_DATABASE_URL")
    if os.environ.get("FUND_REQUIRE_POSTGRES") and not (url or "").startswith("postgresql"):
        pytest.fail("FUND_REQUIRE_POSTGRES is set but FUND_TEST_DATABASE_URL is not a PostgreSQL URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'fund.sqlite3'}"


def requires_postgres(database_url: str) -> None:
    """Skip a PostgreSQL-only test on SQLite, but fail it when CI demands PostgreSQL."""
    if not database_url.startswith("postgresql"):
        if os.environ.get("FUND_REQUIRE_POSTGRES"):
            pytest.fail("this test needs PostgreSQL and FUND_REQUIRE_POSTGRES is set")
        pytest.skip("needs PostgreSQL: set FUND_TEST_DATABASE_URL (CI does)")


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``.

    Tests hold an application context open (to use the database between requests), and Flask
    then reuses it for each request; a real server gives every request its own. Without this,
    values cached in ``g`` (the signed-in user, the CSRF token) would leak from one request to
    the next and hide bugs.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g._get_current_object().__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _migrated_app(database_url: str, tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = FreshRequestClient
    with app.app_context():
        drop_every_table()  # start from nothing: the database may hold an earlier run's tables
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def _empty_tables() -> None:
    names = set(inspect(db.engine).get_table_names()) - KEEP_TABLES
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name in names:
                connection.execute(table.delete())


@pytest.fixture
def app(_migrated_app):
    """The application with an empty database (but MCI rates) and the bpmn/ process deployed."""
    with _migrated_app.app_context():
        db.session.remove()
        _empty_tables()
        deploy_process("tests", datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        yield _migrated_app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Staff:
    """Creates staff users on demand and gives their API headers."""

    def __init__(self, client):
        self.client = client
        self.users: dict[str, Any] = {}

    def user(self, username: str, *roles: str):
        if username not in self.users:
            self.users[username] = create_user(username, PASSWORD, list(roles), datetime.now(UTC))
        return self.users[username]

    def headers(self, username: str, *roles: str) -> dict[str, str]:
        user = self.user(username, *roles)
        token, _ = issue_token(user, datetime.now(UTC), 1)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff(client) -> Staff:
    return Staff(client)


def make_iin(birth: date, serial: int = 1, female: bool = False) -> str:
    """A valid IIN for a birth date (check digit by the official two-pass weighting)."""
    century = {18: 1, 19: 3, 20: 5}[birth.year // 100] + (1 if female else 0)
    while True:
        first11 = f"{birth:%y%m%d}{century}{serial:04d}"
        digits = [int(d) for d in first11]
        check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
        if check == 10:
            check = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], strict=True)) % 11
        if check != 10:
            return first11 + str(check)
        serial += 1


# Each claim_body() is a criminal case of its own (the first is 251750010001234): compensation is
# paid once per victim and case, so claims that share a case do so because a test says so.
_ERDR_SERIALS = itertools.count(1234)


def claim_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission: a torture victim (art. 146 part 3) recognised in 2025, in a criminal case
    (ERDR number) no other ``claim_body()`` of the run has.

    Keyword arguments replace top-level blocks or, with ``crime__harm="death"`` style names,
    single fields of a block.
    """
    body: dict[str, Any] = {
        "claimant": {
            "full_name": "Айгүл Сәрсенова",
            "iin": make_iin(date(1990, 1, 15), female=True),
            "birth_date": "1990-01-15",
            "phone": "+7 701 234 56 78",
            "email": "aigul@example.kz",
            "language": "kk",
            "iban": "KZ86125KZT5004100100",
        },
        "role": "victim",
        "crime": {
            "erdr_number": f"2517500100{next(_ERDR_SERIALS) % 100_000:05d}",
            "article": "146",
            "part": 3,
            "committed_on": "2025-05-01",
            "recognized_on": "2025-06-01",
            "harm": "none",
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
    for key, value in overrides.items():
        if "__" in key:
            block, field = key.split("__", 1)
            body[block][field] = value
        else:
            body[key] = value
    return body


@pytest.fixture
def submit(client):
    """Submit a claim through the public API; returns its JSON answer."""

    def _submit(**overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/claims", json=claim_body(**overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return _submit


# --- Fixtures for the API specifications ---------------------------------------------------------


class Clock:
    """The API's clock: frozen at an instant, moved on by hand (``clock.advance(days=31)``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze the API's clock at Monday 2 March 2026, 09:00 UTC (14:00 in Almaty).

    Tokens from ``staff`` are issued on the wall clock and stay valid: they expire later than this.
    """
    frozen = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    monkeypatch.setattr("fund.api.routes.utc_now", frozen)
    return frozen


# Forms that move a torture claim (art. 146 part 3, the default ``claim_body``) along its way.
DOCUMENTS_COMPLETE = {"documents_complete": True}
DOCUMENTS_MISSING = {"documents_complete": False, "missing_documents": ["forensic_medical_report"]}
TORTURE_REVIEW_APPROVE = {"recommendation": "approve", "prosecutor_office": "Prosecutor's office of Almaty"}
APPROVE = {"decision": "approve"}


class Officers:
    """The fund's officers, working claims through the API with their own tokens.

    ``ivan`` intake, ``rita`` reviewer *and* approver (the four-eyes case), ``alma`` approver,
    ``farida`` finance, ``aida`` auditor, ``adil`` admin.
    """

    ROLES = {
        "ivan": ("intake",),
        "rita": ("reviewer", "approver"),
        "alma": ("approver",),
        "farida": ("finance",),
        "aida": ("auditor",),
        "adil": ("admin",),
    }

    def __init__(self, client, staff: Staff) -> None:
        self.client = client
        self.staff = staff
        self._headers: dict[str, dict[str, str]] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            self._headers[username] = self.staff.headers(username, *self.ROLES[username])
        return self._headers[username]

    def task(self, reference: str, name: str, username: str) -> dict[str, Any]:
        """The ready task ``name`` of the claim, from ``username``'s worklist."""
        response = self.client.get("/api/v1/tasks", headers=self.headers(username))
        assert response.status_code == 200, response.get_json()
        matches = [t for t in response.get_json() if t["claim_reference"] == reference and t["name"] == name]
        assert len(matches) == 1, f"{username} sees no single '{name}' for {reference}: {response.get_json()}"
        return matches[0]

    def complete(self, task_id: str, form: Any, username: str):
        url = f"/api/v1/tasks/{task_id}/complete"
        return self.client.post(url, json=form, headers=self.headers(username))

    def deliver(self, reference: str, message: str, payload: Any, username: str):
        return self.client.post(
            f"/api/v1/claims/{reference}/messages/{message}", json=payload, headers=self.headers(username)
        )

    def claim(self, reference: str, username: str = "alma") -> dict[str, Any]:
        response = self.client.get(f"/api/v1/claims/{reference}", headers=self.headers(username))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    # The steps of a claim's life, each expected to succeed.

    def _step(self, reference: str, task: str, form: dict[str, Any], username: str) -> dict[str, Any]:
        response = self.complete(self.task(reference, task, username)["id"], form, username)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def check_documents(self, reference: str, form: dict[str, Any] = DOCUMENTS_COMPLETE) -> dict[str, Any]:
        return self._step(reference, "intake_check", form, "ivan")

    def review(self, reference: str, username: str = "rita") -> dict[str, Any]:
        return self._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, username)

    def approve(self, reference: str, username: str = "alma") -> dict[str, Any]:
        return self._step(reference, "approval", APPROVE, username)

    def confirm_payment(self, reference: str) -> dict[str, Any]:
        response = self.deliver(reference, "payment_confirmed", {"batch": "PB-2026-001"}, "farida")
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def officers(client, staff) -> Officers:
    return Officers(client, staff)


@dataclass(frozen=True)
class StoredClaim:
    """What the database holds about a claim, read on a connection of its own (committed data only)."""

    status: str
    event_count: int
    last_sequence: int
    state_digest: str
    snapshot_sha256: str
    open_tasks: tuple[str, ...]
    timers: int


def stored_claim(reference: str) -> StoredClaim:
    from fund.models import Claim, HumanTask, Timer, WorkflowEvent, WorkflowInstance

    with db.engine.connect() as connection:
        claim = connection.execute(select(Claim.id, Claim.status).where(Claim.reference == reference)).one()
        instance = connection.execute(
            select(
                WorkflowInstance.state_digest, WorkflowInstance.snapshot, WorkflowInstance.event_count
            ).where(WorkflowInstance.claim_id == claim.id)
        ).one()
        events = connection.execute(
            select(func.count(), func.max(WorkflowEvent.sequence)).where(WorkflowEvent.claim_id == claim.id)
        ).one()
        assert events[0] == instance.event_count, "the instance's event count disagrees with its history"
        open_tasks = connection.scalars(
            select(HumanTask.id)
            .where(HumanTask.claim_id == claim.id, HumanTask.state == "open")
            .order_by(HumanTask.id)
        ).all()
        timers = connection.scalar(select(func.count()).select_from(Timer).where(Timer.claim_id == claim.id))
    return StoredClaim(
        status=claim.status,
        event_count=events[0],
        last_sequence=events[1] or 0,
        state_digest=instance.state_digest,
        snapshot_sha256=hashlib.sha256(instance.snapshot.encode()).hexdigest(),
        open_tasks=tuple(open_tasks),
        timers=timers,
    )


def error_of(response, status: int) -> dict[str, Any]:
    """The error of a refused API request, after checking its status and its shape:
    ``{"error": {"code", "message", "fields"}}``, JSON, never a stack trace.
    """
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)[:300]
    assert "Traceback" not in response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]
