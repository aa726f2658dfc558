"""Idempotency keys of the JSON API: the first answer to a creating request, kept 24 hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class IdempotencyKey(db.Model):
    """One ``Idempotency-Key`` a caller sent with a creating POST, and what the fund answered.

    ``scope`` is the caller (``user:<id>``, or ``anonymous POST /api/v1/claims`` for a claim sent
    without a token); the key itself is kept only as an HMAC (``key_hash``). ``request_hash`` is
    the request's fingerprint (method, path, body and caller): the same key with another request
    is refused. While the first request runs, ``status_code`` is NULL (a retry meanwhile gets 409);
    then the answer is kept sealed in ``response`` (it may hold an access code, shown once: only
    a caller presenting the key can open it). Rows past ``expires_at`` are pruned by the worker.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key_hash", name="uq_idempotency_keys_scope_key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
