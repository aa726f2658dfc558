"""Administration of staff accounts and their roles.

Every function is for administrators only (checked here with ``require_role``, not only in pages)
and is one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from fund.common import users
from fund.common.access import require_role
from fund.common.errors import Invalid, NotFound
from fund.extensions import db
from fund.models import ROLES, HumanTask, User, UserRole

log = logging.getLogger(__name__)
ADMIN = "admin"
MAX_USERNAME_LENGTH = 80
MAX_FULL_NAME_LENGTH = 200


def authorize(actor: User) -> User:
    """The actor, if an active administrator; Forbidden otherwise (for pages that show only a form)."""
    return require_role(actor, ADMIN)


def list_users(actor: User) -> list[User]:
    """Every staff account with its roles, by user name."""
    require_role(actor, ADMIN)
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(actor: User, user_id: int) -> User:
    """One staff account; NotFound when there is none with this id."""
    require_role(actor, ADMIN)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"there is no user with id {user_id}")
    return user


def _role_problems(roles: list[str]) -> list[str]:
    if not roles or set(roles) - set(ROLES):
        return [f"must be one or more of: {', '.join(ROLES)}"]
    return []


def create_user(
    actor: User, username: str, full_name: str, password: str, roles: list[str], now: datetime
) -> User:
    """Create a staff account. Every problem is reported at once, each under its field's name."""
    require_role(actor, ADMIN)
    username = (username or "").strip().lower()
    full_name = (full_name or "").strip()
    problems: dict[str, list[str]] = {}
    if not username:
        problems["username"] = ["is required: letters, digits, '.', '_' or '-'"]
    elif len(username) > MAX_USERNAME_LENGTH:
        problems["username"] = [f"must be at most {MAX_USERNAME_LENGTH} characters"]
    elif not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        problems["username"] = ["must be letters, digits, '.', '_' or '-' (no spaces)"]
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        problems["username"] = [f"'{username}' is taken by another account: choose another user name"]
    if not full_name:
        problems["full_name"] = ["is required: the person's name as colleagues know it"]
    elif len(full_name) > MAX_FULL_NAME_LENGTH:
        problems["full_name"] = [f"must be at most {MAX_FULL_NAME_LENGTH} characters"]
    if len(password or "") < users.MIN_PASSWORD_LENGTH:
        problems["password"] = [f"must be at least {users.MIN_PASSWORD_LENGTH} characters"]
    if role_problems := _role_problems(roles):
        problems["roles"] = role_problems
    if problems:
        raise Invalid("the user cannot be created", problems)
    user = users.create_user(username, password, roles, now, full_name=full_name)
    log.info("admin %s created user %s with roles %s", actor.username, user.username, sorted(user.roles))
    return user


def _release_tasks(user: User, keep_roles: set[str]) -> int:
    """Give back to the worklist the open tasks ``user`` took, except those of ``keep_roles``.

    Only the officer who took a task may complete or release it, so a task held by someone who
    may no longer work it would otherwise wait for nobody.
    """
    released = db.session.execute(
        update(HumanTask)
        .where(
            HumanTask.assignee == user.username,
            HumanTask.state == "open",
            HumanTask.role.not_in(sorted(keep_roles)),
        )
        .values(assignee=None, assigned_at=None)
        .execution_options(synchronize_session=False)
    )
    return released.rowcount or 0


@dataclass(frozen=True)
class AccountChange:
    user: User
    tasks_released: int = 0


def set_roles(actor: User, user_id: int, roles: list[str]) -> AccountChange:
    """Give a user exactly ``roles``; tasks they took under a role they lose go back to the worklist.

    An administrator cannot take the admin role from themself (someone must stay able to give it).
    """
    user = get_user(actor, user_id)
    problems = _role_problems(roles)
    if not problems and user.id == actor.id and ADMIN not in roles:
        problems = ["must keep admin on your own account: ask another administrator to remove it"]
    if problems:
        raise Invalid("the roles were not changed", {"roles": problems})
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - user.roles)
    ]
    released = _release_tasks(user, wanted)
    db.session.commit()
    log.info("admin %s set the roles of %s to %s", actor.username, user.username, sorted(wanted))
    return AccountChange(user, released)


def deactivate_user(actor: User, user_id: int) -> AccountChange:
    """Stop a user from signing in, end their sessions and API tokens on every device, and give the
    tasks they took back to the worklist."""
    user = get_user(actor, user_id)
    if user.id == actor.id:
        raise Invalid(
            "you cannot deactivate your own account",
            {"active": ["you cannot deactivate your own account: ask another administrator"]},
        )
    user.active = False
    released = _release_tasks(user, set())
    users.sign_out_everywhere(user)  # commits the deactivation with the end of the sessions
    log.info("admin %s deactivated user %s", actor.username, user.username)
    return AccountChange(user, released)


def reactivate_user(actor: User, user_id: int) -> User:
    """Let a deactivated user sign in again (with the password they had)."""
    user = get_user(actor, user_id)
    user.active = True
    db.session.commit()
    log.info("admin %s reactivated user %s", actor.username, user.username)
    return user


def reset_password(actor: User, user_id: int, password: str, password_again: str) -> User:
    """Set a new password chosen by the administrator.

    The account's lock after wrong passwords is lifted, and its sessions and API tokens end: whoever
    knew the old password is signed out.
    """
    user = get_user(actor, user_id)
    problems: dict[str, list[str]] = {}
    if len(password or "") < users.MIN_PASSWORD_LENGTH:
        problems["password"] = [f"must be at least {users.MIN_PASSWORD_LENGTH} characters"]
    elif password != password_again:
        problems["password_again"] = ["must be the same password typed again"]
    if problems:
        raise Invalid("the password was not changed", problems)
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.failed_sign_ins = 0
    user.locked_until = None
    users.sign_out_everywhere(user)  # commits the new password with the end of the sessions
    log.info("admin %s reset the password of %s", actor.username, user.username)
    return user
