"""Idempotency keys kept in the database, so that a retry reaching another app server gets the
first answer too.

A request with a key first *reserves* it (a row committed at once, its answer still NULL): the
unique (scope, key) constraint lets one request of several concurrent ones in, the others see the
row and are told to wait (409). When the request is done its answer is *recorded* on the row, or
the row is *released* (deleted) when the answer depends on the moment (a rate limit, a lock, a
stale ``If-Match``) so that a retry runs again. Rows live 24 hours, then are pruned.

The answer is kept sealed with AES-256-GCM (the ``cryptography`` package), under a key derived by
HMAC-SHA256 from the application's secret, the scope and the idempotency key itself, so the
database alone does not show an access code a claimant was given once; only a caller presenting
the key opens it. The key is stored only as an HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyKey

KEPT_FOR = timedelta(hours=24)
# A reservation whose request never finished (its server was killed) is taken over after this.
ABANDONED_AFTER = timedelta(minutes=10)
_NONCE_BYTES = 12  # AES-GCM's standard nonce


@dataclass(frozen=True)
class Answer:
    """A recorded answer: status, the headers worth replaying, and the body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Reservation:
    """The outcome of :func:`reserve`: ``row_id`` to record on (this request runs), or ``answer``
    to replay, or ``in_progress`` (another request with the key runs), or ``other_request``."""

    row_id: int | None = None
    answer: Answer | None = None
    in_progress: bool = False
    other_request: bool = False


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode("utf-8")


def key_hash(scope: str, key: str) -> str:
    """The stored form of a key: an HMAC, so the table does not list the callers' keys."""
    return hmac.new(_secret(), f"idempotency key\x00{scope}\x00{key}".encode(), hashlib.sha256).hexdigest()


def _seal_key(scope: str, key: str) -> bytes:
    return hmac.new(_secret(), f"idempotency seal\x00{scope}\x00{key}".encode(), hashlib.sha256).digest()


def seal(answer: Answer, scope: str, key: str) -> bytes:
    """The answer as stored: a random nonce, then the JSON of status, headers and body enciphered
    with AES-256-GCM under a key only this key's caller can make again (the kept answer of a claim
    submission holds its access code, which is never stored in clear)."""
    plain = json.dumps(
        {"status": answer.status, "headers": answer.headers, "body": b64encode(answer.body).decode()}
    ).encode()
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_seal_key(scope, key)).encrypt(nonce, plain, None)


def unseal(sealed: bytes, scope: str, key: str) -> Answer | None:
    """The answer :func:`seal` stored, or None when it cannot be opened (the secret changed)."""
    nonce, cipher = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        plain = AESGCM(_seal_key(scope, key)).decrypt(nonce, cipher, None)
    except InvalidTag:
        return None
    data = json.loads(plain)
    return Answer(data["status"], [tuple(pair) for pair in data["headers"]], b64decode(data["body"]))


def _existing(scope: str, hashed: str) -> IdempotencyKey | None:
    return db.session.scalars(
        select(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key_hash == hashed)
        .execution_options(populate_existing=True)
    ).first()


def reserve(scope: str, key: str, request_hash: str, now: datetime) -> Reservation:
    """Reserve ``key`` for this request (committed at once), or say why not.

    An expired row, or one abandoned by a request that never finished, is replaced; of several
    requests doing so at once, one wins (the others then see its reservation).
    """
    hashed = key_hash(scope, key)
    for _attempt in range(3):
        row = _existing(scope, hashed)
        if row is not None and row.expires_at <= now:
            db.session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.id == row.id, IdempotencyKey.expires_at <= now)
            )
            db.session.commit()
            continue
        if row is None:
            row = IdempotencyKey(
                scope=scope,
                key_hash=hashed,
                request_hash=request_hash,
                started_at=now,
                expires_at=now + KEPT_FOR,
            )
            db.session.add(row)
            try:
                db.session.commit()
            except IntegrityError:  # another request reserved it first: look again
                db.session.rollback()
                continue
            return Reservation(row_id=row.id)
        if not hmac.compare_digest(row.request_hash, request_hash):
            db.session.rollback()
            return Reservation(other_request=True)
        if row.status_code is not None and row.response is not None:
            answer = unseal(row.response, scope, key)
            db.session.rollback()
            return Reservation(answer=answer) if answer is not None else Reservation(in_progress=True)
        if row.started_at <= now - ABANDONED_AFTER:  # take it over, if no one else does first
            taken = db.session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.id == row.id,
                    IdempotencyKey.started_at == row.started_at,
                    IdempotencyKey.status_code.is_(None),
                )
                .values(started_at=now)
            )
            db.session.commit()
            if taken.rowcount == 1:
                return Reservation(row_id=row.id)
            continue
        db.session.rollback()
        return Reservation(in_progress=True)
    return Reservation(in_progress=True)


def record(row_id: int, answer: Answer, scope: str, key: str) -> None:
    """Keep the answer of the request that reserved ``row_id`` (committed)."""
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row_id)
        .values(status_code=answer.status, response=seal(answer, scope, key))
    )
    db.session.commit()


def release(row_id: int) -> None:
    """Free the key: the request's answer is not one to replay (a retry runs again)."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    db.session.commit()


def prune_expired(now: datetime) -> int:
    """Delete the keys past their 24 hours; how many (the worker's round calls this)."""
    pruned = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now)).rowcount
    db.session.commit()
    return pruned
