"""The fund's application: models, services, web blueprints and command line."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine

from workflows.warm import WarmWorkflows

from .extensions import WARM_WORKFLOWS, db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """FUND_SECRET_KEY, or a key generated once and kept in the instance folder."""
    if os.environ.get("FUND_SECRET_KEY"):
        return os.environ["FUND_SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application. Configuration comes from FUND_* environment variables."""
    app = Flask(__name__, instance_relative_config=True)
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    public_url = os.environ.get("FUND_PUBLIC_URL", "http://127.0.0.1:5000")
    app.config.from_mapping(
        SECRET_KEY=_secret_key(instance_path),
        # Keys of the access and verification codes' hashes (fund/common/keyed_codes.py).
        FUND_CODE_KEY=os.environ.get("FUND_CODE_KEY") or None,
        FUND_OLD_CODE_KEYS=os.environ.get("FUND_OLD_CODE_KEYS", ""),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "FUND_DATABASE_URL", f"sqlite:///{instance_path / 'fund.sqlite3'}"
        ),
        FUND_BPMN_DIR=os.environ.get("FUND_BPMN_DIR", str(PROJECT_ROOT / "bpmn")),
        FUND_TOKEN_HOURS=int(os.environ.get("FUND_TOKEN_HOURS", "8")),
        FUND_PUBLIC_URL=public_url,
        # Cookies only over HTTPS when the site is served over HTTPS (the quick start is plain http).
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(os.environ.get("FUND_SESSION_HOURS", "8"))),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=int(os.environ.get("FUND_MAX_UPLOAD_MB", "15")) * 1024 * 1024,
        # Letters rendered by the workers only, not after each command in the officer's request.
        FUND_LETTERS_BY_WORKER=os.environ.get("FUND_LETTERS_BY_WORKER", "").lower() in ("1", "true", "yes"),
        # Claims' workflows kept live between commands in each server process (0: restore every time).
        FUND_WARM_WORKFLOWS=int(os.environ.get("FUND_WARM_WORKFLOWS", "256")),
    )
    for name in ("FUND_PORTAL_MAX_FAILURES", "FUND_PORTAL_LOCK_MINUTES", "FUND_PORTAL_MAX_FILES"):
        if os.environ.get(name):  # otherwise the portal's services use their documented defaults
            app.config[name] = int(os.environ[name])
    if test_config:
        app.config.update(test_config)
    _no_jit_on_postgresql(app.config)
    app.json.sort_keys = False  # answers keep the documented field order
    logging.basicConfig(level=os.environ.get("FUND_LOG_LEVEL", "INFO"))
    logging.getLogger("spiff").setLevel(logging.WARNING)  # it logs every task state change

    app.extensions["fund_app_factory"] = create_app  # how to make this app again (audit's worker processes)
    app.extensions[WARM_WORKFLOWS] = WarmWorkflows(app.config["FUND_WARM_WORKFLOWS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)

    from . import models  # noqa: F401  (register the tables)
    from .api import api_blueprint
    from .web import csrf, init_web

    app.register_blueprint(api_blueprint)
    init_web(app)
    _register_parts(app)
    csrf.exempt(api_blueprint)  # the API authenticates with bearer tokens, never with cookies
    app.add_url_rule("/", "home", _home)

    from .cli import register_commands

    register_commands(app)
    return app


def _register_parts(app: Flask) -> None:
    """Each part of the fund's work: its blueprint, and the panels it adds to other parts' pages."""
    from .admin.outbox_views import outbox_blueprint
    from .admin.views import admin_blueprint
    from .audit.views import audit_blueprint
    from .letters.views import verify_blueprint
    from .officers.views import officer_blueprint
    from .payouts.views import payouts_blueprint
    from .portal.views import init_portal
    from .recourse.views import claim_recourse_panel, dashboard_ledger_panel, recourse_blueprint
    from .reports.views import dashboard_blueprint
    from .web.panels import CLAIM_PAGE, DASHBOARD, add_panel

    init_portal(app)  # the claimants' pages, their languages and rate limits
    for blueprint in (
        officer_blueprint,
        dashboard_blueprint,
        admin_blueprint,
        audit_blueprint,
        outbox_blueprint,
        recourse_blueprint,
        payouts_blueprint,
        verify_blueprint,
    ):
        app.register_blueprint(blueprint)
    add_panel(app, CLAIM_PAGE, claim_recourse_panel)
    add_panel(app, DASHBOARD, dashboard_ledger_panel)


def _home():
    """Officers land on their worklist, administrators on administration, auditors on the claim search."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if current_user.has_role("intake", "reviewer", "approver", "finance"):
        return redirect(url_for("officer.worklist"))
    if current_user.has_role("admin"):
        return redirect(url_for("admin.index"))
    return redirect(url_for("officer.find_claim"))


def _no_jit_on_postgresql(config) -> None:
    """PostgreSQL: no JIT compilation on the application's connections (unless its engine options are
    configured otherwise). JIT compiles the queries the planner thinks costly; the fund's read
    through indexes, and compiling took longer (0.5 s on the auditors' search) than it saved."""
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"options": "-c jit=off"}})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys and wait for a lock instead of failing at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
