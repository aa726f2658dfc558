"""Worker heartbeats: every ``fund worker`` round is written down, so that anyone can tell whether a
worker is running (``/readyz``, ``fund doctor``) and what its last round left failed.

A heartbeat is written in a transaction of its own and never stops the worker: when the database
cannot take it, the failure is logged and the round runs all the same.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from fund.extensions import db
from fund.models import WorkerHeartbeat

log = logging.getLogger(__name__)

# Heartbeats of workers silent for this long are deleted (a stopped or moved worker's row).
KEEP_HEARTBEATS = timedelta(days=7)


def this_worker_id() -> str:
    """This process's worker id: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def round_started(worker_id: str, now: datetime) -> None:
    """Write that ``worker_id`` starts a round at ``now``."""
    try:
        beat = db.session.get(WorkerHeartbeat, worker_id)
        if beat is None:
            db.session.add(WorkerHeartbeat(worker_id=worker_id, started_at=now, last_round_started_at=now))
        else:
            beat.last_round_started_at = now
        db.session.commit()
    except Exception:  # the database is away: the round itself will say so
        db.session.rollback()
        log.warning("writing the worker's heartbeat failed", exc_info=True)


def round_finished(worker_id: str, now: datetime, error: str | None) -> None:
    """Write that ``worker_id`` finished a round at ``now`` (``error``: the jobs that failed, or None),
    and delete the heartbeats of workers silent for a week."""
    try:
        beat = db.session.get(WorkerHeartbeat, worker_id)
        if beat is None:
            beat = WorkerHeartbeat(
                worker_id=worker_id, started_at=now, last_round_started_at=now, rounds_done=0
            )
            db.session.add(beat)
        beat.last_round_finished_at = now
        beat.rounds_done = (beat.rounds_done or 0) + 1
        beat.last_error = error[:500] if error else None
        db.session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.last_round_started_at < now - KEEP_HEARTBEATS)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("writing the worker's heartbeat failed", exc_info=True)


def last_heartbeat() -> datetime | None:
    """When any worker last started or finished a round, or None when no worker ever has."""
    started, finished = db.session.execute(
        select(
            func.max(WorkerHeartbeat.last_round_started_at), func.max(WorkerHeartbeat.last_round_finished_at)
        )
    ).one()
    moments = [moment for moment in (started, finished) if moment is not None]
    return max(moments) if moments else None
