"""The global seal chain: the heads of every claim's history, sealed into one digest at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class Seal(db.Model):
    """One link of the global chain (see :mod:`fund.audit.seals`). Append-only."""

    __tablename__ = "seals"

    sequence: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sealed_by: Mapped[str] = mapped_column(String(80))
    claim_count: Mapped[int]
    # sha256 over the sorted heads below (canonical JSON).
    digest: Mapped[str] = mapped_column(String(64))
    # [[reference, event_count, last_event_hash, [[letter number, sha256], ...]], ...] sorted by
    # reference: kept so that a verification can name the claim that changed or disappeared.
    heads: Mapped[list[Any]] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The fund's detached CMS signature (DER) over the seal's statement, with the signing
    # certificate inside; None when no signing key was configured (fund.audit.seal_signatures).
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
