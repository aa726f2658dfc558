"""A row found or created and locked until the transaction ends: SQLite's and PostgreSQL's ways, here once.

Counters of failed attempts (staff sign-in, portal sign-in) must count guesses sent at the same
instant one after another. On PostgreSQL ``FOR UPDATE`` holds the row (attempts on other keys go
on); SQLite has no row locks, so the insert-or-nothing, a write, takes the database's write lock
first, and a concurrent attempt waits for it (busy_timeout) and then reads what this one committed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from fund.extensions import db

Row = TypeVar("Row")


def locked_row(model: type[Row], key_column: str, key: str, **initial: Any) -> Row:
    """The row of ``model`` whose unique ``key_column`` is ``key`` (created with ``initial`` values
    if missing), locked until the transaction ends."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(model).values({key_column: key, **initial}).on_conflict_do_nothing(index_elements=[key_column])
    )
    return db.session.scalar(
        select(model)
        .where(getattr(model, key_column) == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
