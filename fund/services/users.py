"""Staff accounts: creation, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, ApiToken, User, UserRole
from .errors import Conflict, Invalid, Unauthenticated

MIN_PASSWORD_LENGTH = 10
_DUMMY_PASSWORD_HASH = generate_password_hash("no-such-user-password", method="scrypt")


def create_user(username: str, password: str, roles: list[str], now: datetime, full_name: str = "") -> User:
    """Create a staff user with hashed password and the given roles."""
    problems: dict[str, list[str]] = {}
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        problems["username"] = ["must be letters, digits, '.', '_' or '-'"]
    if len(password) < MIN_PASSWORD_LENGTH:
        problems["password"] = [f"must be at least {MIN_PASSWORD_LENGTH} characters"]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        problems["roles"] = [f"must be one or more of: {', '.join(ROLES)}"]
    if problems:
        raise Invalid("the user cannot be created", problems)
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username} exists already")
    user = User(
        username=username,
        full_name=full_name or username,
        created_at=now,
        password_hash=generate_password_hash(password, method="scrypt"),
    )
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User:
    """The active user with this password; Unauthenticated otherwise (same answer for both)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    stored = user.password_hash if user is not None else _DUMMY_PASSWORD_HASH
    if not check_password_hash(stored, password or "") or user is None or not user.active:
        raise Unauthenticated("wrong username or password")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, now: datetime, hours: int) -> tuple[str, datetime]:
    """A new bearer token for the API; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=hours)
    db.session.add(
        ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now, expires_at=expires_at)
    )
    db.session.commit()
    return token, expires_at


def user_for_token(token: str, now: datetime) -> User:
    """The user a bearer token belongs to, if it has not expired."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token or "")))
    if row is None or row.expires_at <= now or not row.user.active:
        raise Unauthenticated("the token is missing, unknown or expired; get one from POST /api/v1/tokens")
    return row.user
