"""Fixtures: an application on a real database (SQLite file, or PostgreSQL when asked), a client,
staff users with tokens, and valid claim submissions.

Set FUND_TEST_DATABASE_URL (e.g. postgresql+psycopg://root@127.0.0.1:5432/fund_test) to run the
same suite on PostgreSQL; the database is emptied and migrated at the start of the run.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from fund import create_app
from fund.extensions import db
from fund.services.processes import deploy_process
from fund.services.users import create_user, issue_token

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


@pytest.fixture(scope="session")
def _migrated_app(database_url: str, tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        # Start from nothing: a PostgreSQL test database may hold an earlier run's tables.
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(
                    text(
                        f'DROP TABLE IF EXISTS "{table.name}" CASCADE'
                        if connection.dialect.name == "postgresql"
                        else f'DROP TABLE IF EXISTS "{table.name}"'
                    )
                )
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
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


def claim_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission: a torture victim (art. 146 part 3) recognised in 2025.

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
            "erdr_number": "251750010001234",
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
