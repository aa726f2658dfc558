"""What the running processes say about themselves: each worker's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class WorkerHeartbeat(db.Model):
    """One ``fund worker`` process: when it last started and finished a round, and what failed.

    Written by the worker at the start and the end of every round; read by ``/readyz`` and
    ``fund doctor``. Rows of workers silent for a week are deleted by the other workers.
    """

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(255), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the process's first round
    last_round_started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_round_finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rounds_done: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))  # the jobs that failed; no personal data
