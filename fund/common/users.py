"""Staff accounts: creation, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from fund.common.errors import Conflict, Invalid, NotFound, ServiceError, Unauthenticated
from fund.common.locked_rows import locked_row
from fund.extensions import db
from fund.models import ROLES, ApiToken, StaffSignInFailure, User, UserRole

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


def set_work_email(username: str, address: str) -> User:
    """Set (or, with an empty address, clear) a staff member's work e-mail: the fund's own
    messages to staff (the supervisors' daily digest) go there. Invalid naming ``email`` when the
    address is not one; NotFound for an unknown user."""
    from marshmallow import ValidationError, validate

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username}")
    address = address.strip()
    if address:
        try:
            validate.Email()(address)
        except ValidationError:
            problem = {"email": ["must be an e-mail address"]}
            raise Invalid("the address is not an e-mail address", problem) from None
        if len(address) > 254:
            raise Invalid("the address is too long", {"email": ["must be at most 254 characters"]})
    user.email = address or None
    db.session.commit()
    return user


MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
USERNAME_LENGTH = 80  # the column's length: a longer name is no account
LOCKED_MESSAGE = (
    "too many wrong passwords: this account is locked for 15 minutes; ask an administrator if it was not you"
)


class SignInLocked(ServiceError):
    """Too many wrong passwords for this username: every way in is refused until ``locked_until``."""

    code, http_status = "sign_in_locked", 429

    def __init__(self, locked_until: datetime):
        super().__init__(LOCKED_MESSAGE, {"username": ["locked"]})
        self.locked_until = locked_until


def _username_key(username: str | None) -> str:
    return (username or "").strip().lower()


def _locked_counter(name: str) -> User | StaffSignInFailure:
    """The row that counts wrong passwords for ``name``, locked until the transaction ends: the
    account itself, or for a name that is no account its row of failures (created if missing).

    Holding the lock through the password check serialises attempts on one name, so guesses sent
    at the same instant are counted one after another and none gets past the lock. On PostgreSQL
    ``FOR UPDATE`` holds the row (other names go on); SQLite has no row locks, so a write comes
    first to take the database's write lock (other attempts wait for it: busy_timeout).
    """
    is_account_name = len(name) <= USERNAME_LENGTH and "\x00" not in name  # no account has such a name
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":  # for a name that is no account, the insert below takes the lock
        db.session.execute(
            update(User)
            .where(User.username == name)
            .values(failed_sign_ins=User.failed_sign_ins)
            .execution_options(synchronize_session=False)
        )
    user = None
    if is_account_name:
        user = db.session.scalar(
            select(User)
            .where(User.username == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if user is not None:
        return user
    key = name.replace("\x00", "")[:USERNAME_LENGTH]  # PostgreSQL refuses text that holds U+0000
    return locked_row(StaffSignInFailure, "username", key, failed_sign_ins=0)


def sign_in(username: str, password: str, now: datetime) -> User:
    """Check a staff member's password, for the sign-in page and for an API token alike.

    After five wrong passwords in a row the account is locked for fifteen minutes: every attempt
    then, right password or not, raises :class:`SignInLocked` (429) without checking the password,
    and does not extend the lock (or anyone could keep an officer out for good). The count goes on
    until a right password: once the lock ends, each further failure locks the account again. A
    wrong password, an unknown username and an inactive account get the same
    :class:`Unauthenticated` (401); names that are no account are counted and locked like
    accounts, and a password hash is checked in every case, so neither the answers nor their
    timing tell which usernames exist.
    """
    name = _username_key(username)
    try:
        counter = _locked_counter(name)
        if counter.locked_until is not None and counter.locked_until > now:
            check_password_hash(_DUMMY_PASSWORD_HASH, password or "")  # same time as a real check
            locked_until = counter.locked_until
            db.session.commit()
            raise SignInLocked(locked_until)
        user = counter if isinstance(counter, User) else None
        stored = user.password_hash if user is not None else _DUMMY_PASSWORD_HASH
        if check_password_hash(stored, password or "") and user is not None and user.active:
            user.failed_sign_ins, user.locked_until = 0, None
            db.session.commit()
            return user
        counter.failed_sign_ins += 1  # a plain increment is safe: the row is locked
        if counter.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            counter.locked_until = now + LOCKOUT
        db.session.commit()
    except ServiceError:
        raise
    except Exception:
        db.session.rollback()
        raise
    raise Unauthenticated("wrong username or password")


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


@cache
def _token_with_user():
    """The token of a hash, its user and roles in one statement; built once (every API request
    sends it)."""
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user).joinedload(User.role_rows))
    )


def user_for_token(token: str, now: datetime) -> User:
    """The user a bearer token belongs to, if it has not expired."""
    row = db.session.scalars(_token_with_user(), {"token_hash": _token_hash(token or "")}).unique().first()
    if row is None or row.expires_at <= now or not row.user.active:
        raise Unauthenticated("the token is missing, unknown or expired; get one from POST /api/v1/tokens")
    return row.user


STAFF_LANGUAGES = ("kk", "ru", "en")


def choose_language(user: User, language: str | None) -> User:
    """Remember the language of the user's pages: "kk", "ru", "en", or None for the browser's.

    Every staff user may choose their own language; nobody else's.
    """
    language = (language or "").strip() or None
    if language is not None and language not in STAFF_LANGUAGES:
        raise Invalid(
            "choose a language of the list",
            fields={"language": ["one of kk (Kazakh), ru (Russian), en (English), or empty: the browser's"]},
        )
    user.language = language
    db.session.commit()
    return user
