"""Staff accounts: creation, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from fund.common.errors import Conflict, Invalid, Unauthenticated
from fund.extensions import db
from fund.models import ROLES, ApiToken, User, UserRole

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


MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)


def sign_in(username: str, password: str, now: datetime) -> User:
    """Check a staff member's password for the web session, with lockout.

    After five wrong passwords in a row the account is locked for fifteen minutes (each further
    failure while locked restarts the lock). The answer never says whether the name exists.
    """
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        check_password_hash(_DUMMY_PASSWORD_HASH, password or "")  # same time as a real check
        raise Unauthenticated(
            "too many wrong passwords: this account is locked for 15 minutes; "
            "ask an administrator if it was not you"
        )
    try:
        user = authenticate(username, password)
    except Unauthenticated:
        if user is not None:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
                user.locked_until = now + LOCKOUT
            db.session.commit()
        raise
    user.failed_sign_ins = 0
    user.locked_until = None
    db.session.commit()
    return user


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, on every device (API tokens too)."""
    user.session_epoch += 1
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.commit()


def user_for_session(session_id: str) -> User | None:
    """The user of a web session id ("<id>:<epoch>"), if the session is still valid."""
    user_id, _, epoch = (session_id or "").partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
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
