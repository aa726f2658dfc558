"""The database schema comes from the Alembic revisions under migrations/ and agrees with the models.

An installation runs ``flask db upgrade`` (``fund init`` does it too): on a fresh database this must
create every table the models declare and seed the reference data; ``flask db downgrade base``
must remove them again. Autogenerate must find nothing to add, or a model change was made without
its revision.
"""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from fund import create_app
from fund.extensions import db
from fund.models import MciRate

# DOMAIN.md: MCI in tenge by the date it takes effect.
MCI_IN_TENGE = [
    (date(2018, 1, 1), 2405),
    (date(2019, 1, 1), 2525),
    (date(2020, 1, 1), 2651),
    (date(2020, 4, 1), 2778),
    (date(2021, 1, 1), 2917),
    (date(2022, 1, 1), 3063),
    (date(2022, 4, 1), 3180),
    (date(2023, 1, 1), 3450),
    (date(2024, 1, 1), 3692),
    (date(2025, 1, 1), 3932),
    (date(2026, 1, 1), 4325),
]


@pytest.fixture
def fresh_app(tmp_path):
    """The application on a new SQLite file in which nothing has been created yet."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    yield app
    with app.app_context():
        db.engine.dispose()


def flask_db(app, *arguments: str) -> str:
    """Run ``flask db <arguments>`` on the application; its output."""
    result = app.test_cli_runner().invoke(args=["db", *arguments])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def tables_of(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def differences(connection) -> list:
    """What Alembic's autogenerate would put in a new revision: nothing, if models and revisions agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_creates_every_table_and_column_of_the_models(fresh_app):
    assert tables_of(fresh_app) == set()

    flask_db(fresh_app, "upgrade")

    assert tables_of(fresh_app) == set(db.metadata.tables) | {"alembic_version"}
    with fresh_app.app_context():
        inspector = inspect(db.engine)
        for name, table in db.metadata.tables.items():
            assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys()), name


def test_upgrade_seeds_the_mci_rates(fresh_app):
    flask_db(fresh_app, "upgrade")

    with fresh_app.app_context():
        rates = db.session.execute(
            select(MciRate.effective_from, MciRate.amount_kzt).order_by("effective_from")
        )
        assert [tuple(row) for row in rates] == MCI_IN_TENGE
        assert (
            db.session.scalar(select(MciRate.amount_kzt).where(MciRate.effective_from == date(2026, 1, 1)))
            == 4325
        )


def test_downgrade_to_base_removes_every_table_and_upgrade_builds_them_again(fresh_app):
    flask_db(fresh_app, "upgrade")

    flask_db(fresh_app, "downgrade", "base")

    assert tables_of(fresh_app) <= {"alembic_version"}
    flask_db(fresh_app, "upgrade")
    assert tables_of(fresh_app) == set(db.metadata.tables) | {"alembic_version"}


def test_the_revisions_form_one_line_and_upgrade_reaches_its_head(fresh_app):
    with fresh_app.app_context():
        scripts = ScriptDirectory(fresh_app.extensions["migrate"].directory)
        assert len(scripts.get_heads()) == 1, "two revisions claim to be the latest: merge them"
    flask_db(fresh_app, "upgrade")

    with fresh_app.app_context(), db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == scripts.get_current_head()


def test_models_and_revisions_agree_on_a_fresh_database(fresh_app):
    flask_db(fresh_app, "upgrade")

    with fresh_app.app_context(), db.engine.connect() as connection:
        assert differences(connection) == []


def test_models_and_revisions_agree_on_the_test_database(app):
    # The suite's database: PostgreSQL when FUND_TEST_DATABASE_URL names one.
    with db.engine.connect() as connection:
        assert differences(connection) == []
