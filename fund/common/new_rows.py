"""Rows inserted unless they are there already: one statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from fund.extensions import db


def insert_missing_statements(table: Any, rows: list[dict[str, Any]]) -> list:
    """The statements inserting the ``rows`` of ``table`` (a Table, or a model) whose primary key
    is not taken yet and leaving the others as they are (``ON CONFLICT DO NOTHING``): one per row,
    because a statement of one row is compiled once and cached, while a multi-row VALUES is
    compiled every time."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return [insert(table).values(row).on_conflict_do_nothing() for row in rows]
