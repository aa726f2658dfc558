"""Process versions, workflow instances, their append-only history, and the worklist projections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime


class ProcessVersion(db.Model):
    """A deployed set of bpmn/ files, identified by their sha256."""

    __tablename__ = "process_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deployed_by: Mapped[str] = mapped_column(String(80))
    # Loaded when asked for (their content is the whole of bpmn/): a claim's submission reads the
    # current version for its name only, and every version's parsed files are cached per process.
    files: Mapped[list[ProcessFile]] = relationship(cascade="all, delete-orphan", order_by="ProcessFile.path")


class ProcessFile(db.Model):
    __tablename__ = "process_files"

    version: Mapped[str] = mapped_column(ForeignKey("process_versions.version"), primary_key=True)
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class WorkflowInstance(db.Model):
    """The running process of one claim: its latest snapshot, on the version it started on."""

    __tablename__ = "workflow_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    process_version: Mapped[str] = mapped_column(ForeignKey("process_versions.version"), index=True)
    snapshot: Mapped[str] = mapped_column(Text)
    state_digest: Mapped[str] = mapped_column(String(64))
    # The process data where the claim waits now (projection for pages; the snapshot is the truth).
    process_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completed: Mapped[bool] = mapped_column(default=False)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    last_event_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": version}


class WorkflowEvent(db.Model):
    """One command applied to a claim's process. Append-only; each event hashes the previous."""

    __tablename__ = "workflow_events"
    __table_args__ = (
        UniqueConstraint("claim_id", "sequence", name="uq_workflow_events_claim_sequence"),
        # The auditors' search by officer: the claims someone acted on.
        Index("ix_workflow_events_actor", "actor", "claim_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    sequence: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    state_digest: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HumanTask(db.Model):
    """Projection of the user tasks for worklists: one row per task the process made ready."""

    __tablename__ = "human_tasks"
    # The worklist's sort orders, each behind (state, role): oldest/newest, due date, claim reference;
    # each ends with the id, the tie-break of the page order (tasks made by one command share a time).
    __table_args__ = (
        Index("ix_human_tasks_open_by_role", "state", "role", "created_at", "id"),
        Index("ix_human_tasks_open_by_due", "state", "role", "due_at", "id"),
        Index("ix_human_tasks_open_by_claim", "state", "role", "claim_id", "id"),
        # The worklist's category filter: a range of this index, not a join to every task's claim.
        Index("ix_human_tasks_open_by_category", "state", "role", "category", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(100))
    # The claim's category as the command that opened the task left it (kept in step while the
    # task is open: a command that decides the category updates its claim's open tasks).
    category: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10))  # open, completed, cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))
    assignee: Mapped[str | None] = mapped_column(String(80), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim = relationship("Claim", lazy="joined")


class Timer(db.Model):
    """A timer event the worker must fire when due (projection of the waiting timers)."""

    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
