"""Is this server ready to take work? The checks behind ``/readyz`` (and ``fund doctor``).

Each check answers ``ok`` and a short ``detail`` for an operator: counts, ages and versions, never
a claim's or a person's data, and never an exception's text (it may hold connection settings).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from fund.extensions import db
from fund.models import Notification, ProcessVersion
from fund.notifications.queue import DUE_STATES
from fund.notifications.smtp import smtp_settings

from .heartbeats import last_heartbeat
from .settings import heartbeat_seconds, outbox_seconds


@dataclass(frozen=True)
class Check:
    """One readiness check's answer."""

    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Readiness:
    """Every check, by name; ready when all are ok."""

    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {"ready": self.ready, "checks": {name: check.as_json() for name, check in self.checks.items()}}


@functools.cache
def _migration_heads(directory: str) -> tuple[str, ...]:
    """The Alembic heads of the release's migrations (read once per process)."""
    return tuple(sorted(ScriptDirectory(directory).get_heads()))


def check_database() -> Check:
    """The database answers a query."""
    try:
        db.session.execute(text("SELECT 1"))
        return Check(True, f"reachable ({db.engine.dialect.name})")
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the class name says which
        db.session.rollback()
        return Check(False, f"cannot be reached ({type(error).__name__})")


def check_migrations() -> Check:
    """The database's Alembic revision is the release's head (``fund init`` was run after the upgrade)."""
    heads = _migration_heads(current_app.extensions["migrate"].directory)
    try:
        current = tuple(sorted(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()))
    except SQLAlchemyError:  # no alembic_version table: nothing was ever migrated
        db.session.rollback()
        current = ()
    if current == heads:
        return Check(True, f"at head {', '.join(heads)}")
    return Check(
        False,
        f"database at {', '.join(current) or 'no revision'}, release at {', '.join(heads)}: run fund init",
    )


def check_process_version() -> Check:
    """A process version is deployed (new claims have one to start on)."""
    version = db.session.scalar(
        select(ProcessVersion.version).order_by(ProcessVersion.deployed_at.desc()).limit(1)
    )
    if version is None:
        return Check(False, "no process version deployed: run fund init")
    return Check(True, f"latest {version[:12]}")


def check_worker(now: datetime) -> Check:
    """Some worker started or finished a round within ``FUND_READY_HEARTBEAT_SECONDS``."""
    limit = heartbeat_seconds()
    beat = last_heartbeat()
    if beat is None:
        return Check(False, "no worker heartbeat: start fund worker")
    age = max(0, int((now - beat).total_seconds()))
    if age > limit:
        return Check(False, f"last worker heartbeat {age} s ago (more than {limit} s)")
    return Check(True, f"last worker heartbeat {age} s ago")


def check_outbox(now: datetime) -> Check:
    """No message to a claimant has been due for longer than ``FUND_READY_OUTBOX_SECONDS``."""
    limit = outbox_seconds()
    stuck = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.state.in_(DUE_STATES),
            Notification.next_attempt_at <= now - timedelta(seconds=limit),
        )
    )
    if not stuck:
        return Check(True, f"no message due for more than {limit} s")
    why = "; e-mail is not configured (FUND_SMTP_HOST)" if smtp_settings() is None else ""
    return Check(False, f"{stuck} message(s) due for more than {limit} s{why}")


def readiness(now: datetime) -> Readiness:
    """Every check. When the database cannot be reached, the checks that need it say so."""
    database = check_database()
    checks: dict[str, Check] = {"database": database}
    steps = {
        "migrations": check_migrations,
        "process_version": check_process_version,
        "worker": lambda: check_worker(now),
        "outbox": lambda: check_outbox(now),
    }
    for name, step in steps.items():
        if not database.ok:
            checks[name] = Check(False, "not checked: the database cannot be reached")
            continue
        try:
            checks[name] = step()
        except Exception as error:  # noqa: BLE001 - a check that cannot run is a check that fails
            db.session.rollback()
            checks[name] = Check(False, f"could not be checked ({type(error).__name__})")
    db.session.rollback()  # read only: end the transaction
    return Readiness(checks)
