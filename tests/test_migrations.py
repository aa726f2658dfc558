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
from fund.models import SQLITE_SEARCH_INDEX_TABLES, MciRate, in_declared_schema

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
    """The database's tables, but SQLite's search index tables (revision 0014), which are no model's."""
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - set(SQLITE_SEARCH_INDEX_TABLES)


def differences(connection) -> list:
    """What Alembic's autogenerate would put in a new revision: nothing, if models and revisions agree."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": in_declared_schema}
    )
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


def test_existing_claims_keep_their_part_as_text_and_get_no_paragraph_nor_qualifier(fresh_app):
    # Revision 0010: a claim (with a row that points to it, as every submitted claim has) survives
    # the change of its part from a whole number to text, and back.
    flask_db(fresh_app, "upgrade", "0009")
    with fresh_app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO claimants (id, full_name, iin, birth_date, phone, language, iban) VALUES "
            "(1, 'Айгүл Сәрсенова', '900115400018', '1990-01-15', '+77012345678', 'kk', "
            "'KZ86125KZT5004100100')"
        )
        connection.exec_driver_sql(
            "INSERT INTO claims (id, reference, access_code_hash, claimant_id, claimant_role, erdr_number, "
            "article, article_part, committed_on, recognized_on, harm, deadline_restored_by_court, "
            "submitted_at, status, updated_at, victim_iin) VALUES (1, 'VCF-2026-000001', 'x', 1, 'victim', "
            "'251750010001234', '146', 3, '2025-05-01', '2025-06-01', 'none', 0, '2026-03-02 09:00:00', "
            "'approved', '2026-03-02 09:00:00', '900115400018')"
        )
        connection.exec_driver_sql(
            "INSERT INTO compensations (claim_id, victim_iin, erdr_number, awarded_at) "
            "VALUES (1, '900115400018', '251750010001234', '2026-03-02 09:00:00')"
        )

    flask_db(fresh_app, "upgrade")

    with fresh_app.app_context(), db.engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT article_part, article_paragraph, by_criminal_group FROM claims WHERE id = 1"
        ).one()
        assert tuple(row) == ("3", None, None)
        connection.exec_driver_sql("UPDATE claims SET article_part = '3-1' WHERE id = 1")
        connection.commit()

    flask_db(fresh_app, "downgrade", "0009")

    with fresh_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT article_part FROM claims WHERE id = 1").scalar() == 3
        assert connection.exec_driver_sql("SELECT count(*) FROM compensations").scalar() == 1


def test_revision_0009_fills_in_the_victims_and_the_compensations_of_an_existing_database(fresh_app):
    """One payment per victim and case on a database with claims: each victim's IIN is filled in, and
    each victim and case already approved or paid holds one compensation, from its earliest claim."""
    flask_db(fresh_app, "upgrade", "0008")
    claimant = (
        "INSERT INTO claimants (id, full_name, iin, birth_date, phone, language, iban) "
        "VALUES ({}, 'Айгүл Сәрсенова', '{}', '1990-01-15', '+77012345678', 'kk', 'KZ86125KZT5004100100')"
    )
    claim = (
        "INSERT INTO claims (id, reference, access_code_hash, claimant_id, claimant_role, victim_iin, "
        "erdr_number, article, article_part, committed_on, recognized_on, harm, deadline_restored_by_court, "
        "submitted_at, status, updated_at) VALUES ({0}, 'VCF-2025-00000{0}', 'x', {1}, '{2}', {3}, '{4}', "
        "'146', 3, '2025-05-01', '2025-06-01', 'none', false, '2025-07-01 09:00:00', '{5}', "
        "'2025-08-0{0} 09:00:00')"
    )
    with fresh_app.app_context(), db.engine.begin() as connection:
        for row in (
            claimant.format(1, "900115400018"),
            claimant.format(2, "850101300017"),  # a minor's mother
            claim.format(1, 1, "victim", "NULL", "251750010001234", "paid"),
            claim.format(2, 1, "victim", "NULL", "251750010001234", "approved"),  # approved twice before
            claim.format(3, 1, "victim", "NULL", "251750010001234", "submitted"),
            claim.format(4, 1, "victim", "NULL", "251750010009999", "rejected"),
            claim.format(5, 2, "representative", "'120504500071'", "251750010005555", "approved"),
        ):
            connection.exec_driver_sql(row)

    flask_db(fresh_app, "upgrade")

    with fresh_app.app_context(), db.engine.connect() as connection:
        victims = connection.exec_driver_sql("SELECT id, victim_iin FROM claims ORDER BY id").all()
        assert [tuple(row) for row in victims] == [
            (1, "900115400018"),
            (2, "900115400018"),
            (3, "900115400018"),
            (4, "900115400018"),
            (5, "120504500071"),  # the victim's, not her mother's
        ]
        compensations = connection.exec_driver_sql(
            "SELECT claim_id, victim_iin, erdr_number FROM compensations ORDER BY claim_id"
        ).all()
        assert [tuple(row) for row in compensations] == [
            (1, "900115400018", "251750010001234"),
            (5, "120504500071", "251750010005555"),
        ]
        indexes = {index["name"] for index in inspect(connection).get_indexes("claims")}
        assert "ix_claims_victim_case" in indexes

    flask_db(fresh_app, "downgrade", "0008")
    assert "compensations" not in tables_of(fresh_app)
