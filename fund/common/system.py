"""The system's own identity, for the command line run by the fund's IT staff on the server."""

from __future__ import annotations

from fund.models import ROLES, User, UserRole


def system_user() -> User:
    """An in-memory user with every role, for CLI reports (never stored, cannot sign in)."""
    user = User(username="cli", full_name="Command line", password_hash="!", active=True)
    user.role_rows = [UserRole(role=role) for role in ROLES]
    return user
