"""Staff users, their roles and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime

# A supervisor (head of unit) gives open tasks to named colleagues and sees each officer's load.
ROLES = ("intake", "reviewer", "approver", "finance", "auditor", "admin", "supervisor")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Sign-in protection: failed attempts in a row, and until when sign-in is refused.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Raised by "sign out everywhere": sessions carrying an older epoch are no longer valid.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The language of staff pages chosen on the profile page ("kk", "ru", "en"); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(2))
    # A work address for the fund's own messages to staff (the supervisors' daily digest); set
    # with ``fund user email``. None: the person gets no e-mail from the fund.
    email: Mapped[str | None] = mapped_column(String(254))
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def get_id(self) -> str:
        """The session's user id carries the epoch, so "sign out everywhere" ends old sessions."""
        return f"{self.id}:{self.session_epoch}"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class StaffSignInFailure(db.Model):
    """Wrong passwords in a row for a username that is no staff account, and until when it is locked.

    A real account keeps its count on its own row (``User.failed_sign_ins``, ``User.locked_until``);
    names that are no account are counted and locked here exactly the same way, so the answers
    never tell which usernames exist. Keyed by the name as typed (normalised, at most 80
    characters, the length of a username).
    """

    __tablename__ = "staff_sign_in_failures"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
