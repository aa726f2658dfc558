"""What a request sends to the database, counted the way the tests about cost count it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from fund.extensions import db


def statements_while(action: Callable[[], Any]) -> list[str]:
    """The SQL statements the engine executes while ``action`` runs (BEGIN and COMMIT not included)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


@contextmanager
def round_trips() -> Iterator[list[str]]:
    """What the request sends to the database, as PostgreSQL receives it: every statement the
    engine executes (``before_cursor_execute``), and each transaction's BEGIN and its COMMIT or
    ROLLBACK (the engine's ``begin``/``commit``/``rollback`` events; psycopg sends each as a round
    trip of its own, pysqlite sends BEGIN only before a write)."""
    sent: list[str] = []
    listeners = {
        "before_cursor_execute": lambda conn, cursor, statement, *rest: sent.append(statement),
        "begin": lambda conn: sent.append("BEGIN"),
        "commit": lambda conn: sent.append("COMMIT"),
        "rollback": lambda conn: sent.append("ROLLBACK"),
    }
    db.session.remove()  # the request starts with no transaction open, as on a server
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners.items():
            event.remove(db.engine, name, listener)
