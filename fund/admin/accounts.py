"""Administration: staff accounts and roles, MCI rates, process versions.

Every function is for administrators only (checked here with ``require_role``, not only in pages)
and is one transaction. Nothing here reads or returns a claimant's personal data: process versions
list claims by reference, status and category only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from fund.claims.process_versions import claims_per_version, current_process_version, deploy_process
from fund.common import users
from fund.common.access import require_role
from fund.common.errors import Invalid, NotFound
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import ROLES, Claim, HumanTask, MciRate, ProcessVersion, User, UserRole, WorkflowInstance

log = logging.getLogger(__name__)
ADMIN = "admin"
MAX_USERNAME_LENGTH = 80
MAX_FULL_NAME_LENGTH = 200
MAX_MCI_KZT = 1_000_000  # a typo guard: the MCI of 2026 is 4,325 tenge
CLAIMS_PAGE_SIZE = 100


# --- users -----------------------------------------------------------------------------------------


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


# --- MCI rates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MciRateRow:
    """One MCI rate, the period it is the rate in force, and how many approvals used it."""

    effective_from: date
    amount_kzt: int
    until: date | None  # the day before the next rate; None for the latest
    in_force_today: bool
    approvals: int


@dataclass(frozen=True)
class AddedMciRate:
    rate: MciRate
    # Approvals already decided on or after the new rate's date: they keep the amount decided.
    approvals_kept: int
    # A later rate already in force: the new rate is the rate in force only until the day before it.
    next_rate_from: date | None
    # Its date is today or earlier: decisions from now on may use it at once.
    in_force_already: bool


def list_mci_rates(actor: User, now: datetime) -> list[MciRateRow]:
    """The MCI table, latest first, with the approvals decided while each rate was in force."""
    require_role(actor, ADMIN)
    rates = list(
        db.session.execute(
            select(MciRate.effective_from, MciRate.amount_kzt).order_by(MciRate.effective_from)
        )
    )
    approvals_by_day = dict(
        db.session.execute(
            select(Claim.decision_date, func.count())
            .where(Claim.decision_date.is_not(None), Claim.amount_kzt.is_not(None))
            .group_by(Claim.decision_date)
        ).all()
    )
    today = fund_date(now)
    rows = []
    for index, (effective_from, amount) in enumerate(rates):
        next_from = rates[index + 1][0] if index + 1 < len(rates) else None
        used = sum(
            count
            for day, count in approvals_by_day.items()
            if day >= effective_from and (next_from is None or day < next_from)
        )
        until = date.fromordinal(next_from.toordinal() - 1) if next_from else None
        in_force = effective_from <= today and (next_from is None or today < next_from)
        rows.append(MciRateRow(effective_from, amount, until, in_force, used))
    return list(reversed(rows))


def _parse_rate(effective_from: str | date, amount_kzt: str | int) -> tuple[date | None, int | None, dict]:
    problems: dict[str, list[str]] = {}
    day = None
    if isinstance(effective_from, date):
        day = effective_from
    elif not (effective_from or "").strip():
        problems["effective_from"] = ["is required: the first day the rate is in force, e.g. 2027-01-01"]
    else:
        try:
            day = date.fromisoformat(effective_from.strip())
        except ValueError:
            problems["effective_from"] = ["must be a date written as year-month-day, e.g. 2027-01-01"]
    amount = None
    text = amount_kzt if isinstance(amount_kzt, str) else str(amount_kzt)
    text = text.strip()
    if isinstance(amount_kzt, bool) or not text:
        problems["amount_kzt"] = ["is required: the MCI in whole tenge, e.g. 4325"]
    elif text.lstrip("+-").isdigit() and text.isascii():
        amount = int(text)
        if amount <= 0:
            problems["amount_kzt"] = ["must be greater than 0 tenge"]
        elif amount > MAX_MCI_KZT:
            problems["amount_kzt"] = [f"must be at most {MAX_MCI_KZT:,} tenge: check the number"]
    elif _is_number(text):
        problems["amount_kzt"] = ["must be a whole number of tenge, without fractions (e.g. 4325)"]
    else:
        problems["amount_kzt"] = ["must be a whole number of tenge, digits only (e.g. 4325)"]
    return day, amount, problems


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def add_mci_rate(
    actor: User, effective_from: str | date, amount_kzt: str | int, now: datetime
) -> AddedMciRate:
    """Add an MCI rate in force from ``effective_from``; rates are never changed or deleted.

    A decision records the rate it used when it is taken (and replay uses the recorded one), so a
    new rate changes no decision already taken, even when its date is in the past: it is used only
    by decisions taken after it is added whose decision date falls in its period.
    """
    require_role(actor, ADMIN)
    day, amount, problems = _parse_rate(effective_from, amount_kzt)
    if day is not None and "effective_from" not in problems:
        existing = db.session.scalar(select(MciRate).where(MciRate.effective_from == day))
        if existing is not None:
            problems["effective_from"] = [
                f"a rate in force from {day.isoformat()} exists already ({existing.amount_kzt:,} tenge); "
                "rates are never changed: choose another date"
            ]
    if problems:
        raise Invalid("the MCI rate was not added", problems)
    next_rate_from = db.session.scalar(
        select(func.min(MciRate.effective_from)).where(MciRate.effective_from > day)
    )
    kept = select(func.count()).where(Claim.decision_date >= day, Claim.amount_kzt.is_not(None))
    if next_rate_from is not None:
        kept = kept.where(Claim.decision_date < next_rate_from)
    approvals_kept = db.session.scalar(kept.select_from(Claim))
    rate = MciRate(effective_from=day, amount_kzt=amount)
    db.session.add(rate)
    db.session.commit()
    log.info("admin %s added the MCI rate %s tenge from %s", actor.username, amount, day)
    return AddedMciRate(rate, approvals_kept, next_rate_from, day <= fund_date(now))


# --- process versions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessVersionRow:
    version: str
    process_id: str
    deployed_at: datetime
    deployed_by: str
    files: int
    claims: int
    open_claims: int
    current: bool


@dataclass(frozen=True)
class Deployment:
    version: ProcessVersion
    new: bool
    current: ProcessVersion  # the version new claims start on after this deploy


@dataclass(frozen=True)
class ClaimOnVersion:
    reference: str
    status: str
    category: str | None
    submitted_at: datetime
    completed: bool


def list_process_versions(actor: User) -> list[ProcessVersionRow]:
    """Every deployed version, newest first, with how many claims run on it (and how many are open)."""
    require_role(actor, ADMIN)
    claims = claims_per_version()
    open_claims = dict(
        db.session.execute(
            select(WorkflowInstance.process_version, func.count())
            .where(WorkflowInstance.completed.is_(False))
            .group_by(WorkflowInstance.process_version)
        ).all()
    )
    current = current_process_version()
    return [
        ProcessVersionRow(
            version=row.version,
            process_id=row.process_id,
            deployed_at=row.deployed_at,
            deployed_by=row.deployed_by,
            files=len(row.files),
            claims=claims.get(row.version, 0),
            open_claims=open_claims.get(row.version, 0),
            current=current is not None and row.version == current.version,
        )
        for row in db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.deployed_at.desc()))
    ]


def get_process_version(actor: User, version: str) -> ProcessVersion:
    """One deployed version with its files; NotFound when there is none with this sha256."""
    require_role(actor, ADMIN)
    row = db.session.get(ProcessVersion, version) if "\x00" not in version else None
    if row is None:
        raise NotFound(f"no process version {version}")
    return row


def claims_on_version(actor: User, version: str, page: int = 1) -> tuple[list[ClaimOnVersion], int]:
    """The claims running on ``version`` (newest first, one page), and how many there are in all."""
    get_process_version(actor, version)
    on_version = WorkflowInstance.process_version == version
    total = db.session.scalar(select(func.count()).select_from(WorkflowInstance).where(on_version))
    rows = db.session.execute(
        select(Claim.reference, Claim.status, Claim.category, Claim.submitted_at, WorkflowInstance.completed)
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(on_version)
        .order_by(Claim.submitted_at.desc(), Claim.id.desc())
        .offset((max(page, 1) - 1) * CLAIMS_PAGE_SIZE)
        .limit(CLAIMS_PAGE_SIZE)
    )
    return [ClaimOnVersion(*row) for row in rows], total


def deploy(actor: User, now: datetime, directory: Path | None = None) -> Deployment:
    """Deploy the files under bpmn/ (as ``fund deploy`` does); unchanged files store nothing.

    Files that fail the checks are refused with every problem listed under ``bpmn``.
    """
    require_role(actor, ADMIN)
    try:
        version, new = deploy_process(actor.username, now, directory)
    except Exception:
        db.session.rollback()
        raise
    if new:
        log.info("admin %s deployed process version %s", actor.username, version.version)
    return Deployment(version, new, current_process_version())
