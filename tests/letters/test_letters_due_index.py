"""The worker's letters round finds the oldest letter due from an index of the letters due only,
not by reading every letter ever issued (issue 13: millions at 1,000,000 claims)."""

from __future__ import annotations

from sqlalchemy import select, text

from fund.extensions import db
from fund.models import Letter
from tests.conftest import requires_postgres


def test_the_oldest_letter_due_is_read_from_the_partial_index(app, database_url):
    requires_postgres(database_url)
    query = select(Letter.claim_id).where(Letter.status == "due").order_by(Letter.id).limit(1)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))  # an empty test table: ask for an index
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_letters_due" in plan, plan
