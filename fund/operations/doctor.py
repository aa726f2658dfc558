"""``fund doctor``: what is not ready for production, each with what to do.

It reads the configuration the application was created with (``FUND_*``), the database and the
workers' heartbeats. A quick start (SQLite, generated key, demo data) finds nearly everything, on
purpose: it is a development installation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from fund.common.fund_settings import DEFAULT_PUBLIC_URL
from fund.extensions import db
from fund.models import Claimant, User
from fund.notifications.smtp import smtp_settings

from .health import check_worker, readiness
from .settings import setting

# A secret key shorter than this, or a word anyone would try, is not a secret.
MIN_SECRET_KEY_LENGTH = 32
MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'
KNOWN_KEYS = {"dev", "demo", "secret", "changeme", "change-me", "test", "development", "key"}


@dataclass(frozen=True)
class Finding:
    """One thing not ready for production: its name, what is wrong and what to do."""

    name: str
    problem: str
    remedy: str


def _secret_key() -> Finding | None:
    key = str(current_app.config.get("SECRET_KEY") or "")
    key_file = Path(current_app.instance_path) / "secret_key"
    if not os.environ.get("FUND_SECRET_KEY") and key_file.exists() and key_file.read_text().strip() == key:
        return Finding(
            "secret key",
            "FUND_SECRET_KEY is not set: the key generated into instance/secret_key is used "
            "(fine for development on one machine, not for production)",
            f"set FUND_SECRET_KEY to 64 hex digits ({MAKE_KEY}), the same on every app server and worker",
        )
    if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in KNOWN_KEYS or "demo" in key.lower():
        return Finding(
            "secret key",
            f"FUND_SECRET_KEY is a demo or guessable key "
            f"(shorter than {MIN_SECRET_KEY_LENGTH} characters, or a known word)",
            "set FUND_SECRET_KEY to 64 random hex digits, and FUND_CODE_KEY to the old key (see the README)",
        )
    return None


def _public_url() -> Finding | None:
    url = setting("FUND_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    if url.rstrip("/") == DEFAULT_PUBLIC_URL or not url.startswith("https://"):
        return Finding(
            "public address",
            f"FUND_PUBLIC_URL is {url}: letters and e-mails would print it",
            "set FUND_PUBLIC_URL to the https:// address claimants use",
        )
    return None


def _database() -> Finding | None:
    if db.engine.dialect.name == "sqlite":
        return Finding(
            "database",
            "the database is SQLite (one machine, one worker)",
            "use PostgreSQL: FUND_DATABASE_URL=postgresql+psycopg://user@host/db, then fund init",
        )
    return None


def _rate_limits() -> Finding | None:
    storage = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        return Finding(
            "rate limits",
            "the portal's rate limits are counted in each process's memory (FUND_RATELIMIT_STORAGE_URI "
            "unset): with several gunicorn processes or app servers, each counts on its own",
            "set FUND_RATELIMIT_STORAGE_URI to a shared store (redis://host:6379/0)",
        )
    return None


def _smtp() -> Finding | None:
    if smtp_settings() is None:
        return Finding(
            "e-mail",
            "no SMTP server is configured (FUND_SMTP_HOST): messages to claimants stay in the outbox",
            "set FUND_SMTP_HOST (and FUND_SMTP_PORT, FUND_SMTP_USER, FUND_SMTP_PASSWORD, FUND_MAIL_FROM)",
        )
    return None


def _letters_by_worker() -> Finding | None:
    if not current_app.config.get("FUND_LETTERS_BY_WORKER"):
        return Finding(
            "letters",
            "FUND_LETTERS_BY_WORKER is not set: letters are rendered in the officers' requests",
            "set FUND_LETTERS_BY_WORKER=1 so that the workers render them",
        )
    return None


def _treasury_account() -> Finding | None:
    if not setting("FUND_TREASURY_IBAN") or not setting("FUND_TREASURY_BIC"):
        return Finding(
            "treasury account",
            "FUND_TREASURY_IBAN or FUND_TREASURY_BIC is not set: payment registers carry the demo account",
            "set FUND_NAME, FUND_TREASURY_IBAN and FUND_TREASURY_BIC to the Fund's account",
        )
    return None


def _worker(now: datetime) -> Finding | None:
    check = check_worker(now)
    if not check.ok:
        return Finding("worker", check.detail, "run fund worker (at least one; see the systemd units)")
    return None


def _demo_users(demo_accounts: Iterable[tuple[str, str]]) -> Finding | None:
    passwords = dict(demo_accounts)
    users = db.session.scalars(select(User).where(User.username.in_(passwords), User.active.is_(True))).all()
    still_demo = sorted(
        u.username for u in users if check_password_hash(u.password_hash, passwords[u.username])
    )
    if still_demo:
        return Finding(
            "demo users",
            f"{len(still_demo)} account(s) sign in with the published demo password: {', '.join(still_demo)}",
            "never load demo data into production: start from an empty database, or deactivate them",
        )
    return None


def _demo_claims(demo_email_domain: str) -> Finding | None:
    count = db.session.scalar(
        select(func.count()).select_from(Claimant).where(Claimant.email.like(f"%@{demo_email_domain}"))
    )
    if count:
        return Finding(
            "demo claims",
            f"{count} demo claimant(s) are in the database",
            "start production from an empty database (fund init), never one fund demo loaded",
        )
    return None


def production_findings(
    now: datetime, demo_accounts: Iterable[tuple[str, str]], demo_email_domain: str
) -> list[Finding]:
    """Everything not ready for production, in the order an operator would fix it.

    ``demo_accounts``: the demo users' names and their published passwords; ``demo_email_domain``:
    the domain of the demo claimants' e-mail addresses (both from :mod:`fund.demo`).
    """
    ready = readiness(now)
    if not ready.checks["database"].ok:
        return [
            Finding("database", ready.checks["database"].detail, "check FUND_DATABASE_URL and the server")
        ]
    found = [
        _secret_key(),
        _public_url(),
        _database(),
        _rate_limits(),
        _smtp(),
        _letters_by_worker(),
        _treasury_account(),
        _worker(now),
        _demo_users(demo_accounts),
        _demo_claims(demo_email_domain),
    ]
    for name in ("migrations", "process_version", "outbox"):
        check = ready.checks[name]
        if not check.ok:
            found.append(
                Finding(name.replace("_", " "), check.detail, "see /readyz and the README's deployment guide")
            )
    db.session.rollback()
    return [finding for finding in found if finding is not None]
