"""A command's writes as statements built once per shape and sent with bound values.

Building a SQLAlchemy statement (and the cache key that finds its compiled SQL) costs more CPU than
PostgreSQL spends running it. A command's writes — its event, the instance's new state, the
claim's projection, the worklist and timers by difference, the letters it made due, the
claimant's message — differ from one command to the next only in their values and in their
*shape*: which columns change, how many tasks stay ready, how many timers wait. So each write is
described here by its shape and its values; the statements of a shape are built once per process,
with bound parameters, and every later command of that shape only sends its values.

On PostgreSQL the writes of one command go as one statement, each a data-modifying CTE (every
sub-statement sees the database as the command found it, so none may touch a row another one
touches); that statement too is built once per shape. Elsewhere (SQLite, in-process) they run one
by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, false, func, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fund.extensions import db

_SHAPES_KEPT = 512  # distinct shapes seen in practice: a few dozen; beyond this the cache starts over


def _param(prefix: str, table: Table, column: str, name: str | None = None) -> Any:
    return bindparam(f"{prefix}{name or column}", type_=table.c[column].type)


def _insert(prefix: str, dialect: str, table: Table, columns: tuple[str, ...]) -> Any:
    return insert(table).values({column: _param(prefix, table, column) for column in columns})


def _insert_missing(prefix: str, dialect: str, table: Table, columns: tuple[str, ...]) -> Any:
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {column: _param(prefix, table, column) for column in columns}
    return dialect_insert(table).values(values).on_conflict_do_nothing()


def _update(prefix: str, dialect: str, table: Table, where: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    # The WHERE values are named apart from the SET values: the instance's version is in both.
    conditions = [table.c[column] == _param(prefix, table, column, f"where_{column}") for column in where]
    return update(table).where(*conditions).values({c: _param(prefix, table, c) for c in columns})


def _close_tasks(prefix: str, dialect: str, table: Table, staying_open: int, one_completed: bool) -> Any:
    """Open tasks no longer ready close: the one completed as completed, any other cancelled."""
    closing = update(table).where(
        table.c.claim_id == _param(prefix, table, "claim_id"), table.c.state == "open"
    )
    if staying_open:
        ready = [_param(prefix, table, "id", f"ready_{n}") for n in range(staying_open)]
        closing = closing.where(table.c.id.not_in(ready))
    this_one = table.c.id == _param(prefix, table, "id", "completed_id") if one_completed else false()
    return closing.values(
        state=case((this_one, "completed"), else_="cancelled"),
        completed_at=_param(prefix, table, "completed_at"),
        completed_by=case((this_one, _param(prefix, table, "completed_by")), else_=None),
    )


def _recategorize_open_tasks(prefix: str, dialect: str, table: Table) -> Any:
    still_open = (table.c.claim_id == _param(prefix, table, "claim_id")) & (table.c.state == "open")
    return update(table).where(still_open).values(category=_param(prefix, table, "category"))


def _delete_others(prefix: str, dialect: str, table: Table, staying: int) -> Any:
    """The claim's rows of ``table`` but ``staying`` of them (by id), deleted."""
    leaving = delete(table).where(table.c.claim_id == _param(prefix, table, "claim_id"))
    if staying:
        leaving = leaving.where(
            table.c.id.not_in([_param(prefix, table, "id", f"stay_{n}") for n in range(staying)])
        )
    return leaving


@dataclass
class CommandWrites:
    """The writes of one command: for each, its shape (what its statement is built from) and its
    values. Add them in the order they are to run; :meth:`send` sends them."""

    shapes: list[tuple] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)

    def _add(self, builder: Callable[..., Any], *shape: Any, values: dict[str, Any]) -> None:
        self.shapes.append((builder, *shape))
        self.values.append(values)

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """A new row of ``table``."""
        self._add(_insert, table, tuple(row), values=row)

    def insert_missing(self, table: Table, row: dict[str, Any]) -> None:
        """A row of ``table`` unless its primary key is taken (``ON CONFLICT DO NOTHING``)."""
        self._add(_insert_missing, table, tuple(row), values=row)

    def update(self, table: Table, where: dict[str, Any], row: dict[str, Any]) -> None:
        """Columns ``row`` of the rows of ``table`` whose columns equal ``where``."""
        values = {**row, **{f"where_{column}": value for column, value in where.items()}}
        self._add(_update, table, tuple(where), tuple(row), values=values)

    def close_tasks(
        self,
        table: Table,
        claim_id: int,
        staying_open: list[str],
        completed_id: str | None,
        actor: str,
        now: Any,
    ) -> None:
        """The claim's open tasks but ``staying_open`` closed: ``completed_id`` completed by
        ``actor``, any other cancelled."""
        values = {"claim_id": claim_id, "completed_at": now, "completed_by": actor}
        values.update({f"ready_{n}": task_id for n, task_id in enumerate(staying_open)})
        if completed_id:
            values["completed_id"] = completed_id
        self._add(_close_tasks, table, len(staying_open), bool(completed_id), values=values)

    def recategorize_open_tasks(self, table: Table, claim_id: int, category: str) -> None:
        """The claim's open tasks carry its new category."""
        self._add(_recategorize_open_tasks, table, values={"claim_id": claim_id, "category": category})

    def delete_others(self, table: Table, claim_id: int, staying: list[str]) -> None:
        """The claim's rows of ``table`` deleted, but those whose id is in ``staying``."""
        values = {"claim_id": claim_id, **{f"stay_{n}": row_id for n, row_id in enumerate(staying)}}
        self._add(_delete_others, table, len(staying), values=values)

    def send(self, counted: int) -> int:
        """Send the writes; returns how many rows the write number ``counted`` changed."""
        dialect = db.session.get_bind().dialect.name
        statements, combined = _statements(dialect, tuple(self.shapes), counted)
        params = [{f"w{n}_{name}": v for name, v in values.items()} for n, values in enumerate(self.values)]
        if dialect != "postgresql":
            changed = 0
            for n, (statement, own) in enumerate(zip(statements, params, strict=True)):
                result = db.session.execute(statement, own, execution_options={"synchronize_session": False})
                if n == counted:
                    changed = result.rowcount
            return changed
        return db.session.execute(combined, {k: v for own in params for k, v in own.items()}).scalar_one()


_cache: dict[tuple[str, tuple], tuple[list, Any]] = {}
_cache_lock = Lock()


def _statements(dialect: str, shapes: tuple[tuple, ...], counted: int) -> tuple[list, Any]:
    """The statements of these shapes, each with its values named ``w<n>_<name>``, and (on
    PostgreSQL) the one statement sending them all, counting the rows of write number ``counted``."""
    key = (dialect, shapes, counted)
    found = _cache.get(key)
    if found is not None:
        return found
    statements = [builder(f"w{n}_", dialect, *shape) for n, (builder, *shape) in enumerate(shapes)]
    built = statements, _combined(statements, counted) if dialect == "postgresql" else None
    with _cache_lock:
        if len(_cache) >= _SHAPES_KEPT:
            _cache.clear()
        _cache[key] = built
    return built


def _combined(statements: list, counted: int) -> Any:
    ctes = [write.returning(literal_column("1")).cte(f"write_{n}") for n, write in enumerate(statements)]
    rows_changed = select(func.count()).select_from(ctes[counted]).scalar_subquery()
    return select(rows_changed).add_cte(*ctes)
