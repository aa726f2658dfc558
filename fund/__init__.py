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

from .common.fund_settings import DEFAULT_PUBLIC_URL, PER_LANGUAGE_SETTINGS, warn_about_defaults
from .common.logs import configure_logging
from .common.row_ids import install as install_row_ids
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
    install_row_ids(app)  # `<int:…>` in URLs: ids a table can hold, so a huge one is 404, not 500
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    public_url = os.environ.get("FUND_PUBLIC_URL", DEFAULT_PUBLIC_URL)
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
        # Incidents page: a payment exported this many days ago with no answer from the Treasury, and
        # timers or letters due this many minutes ago that no worker round has handled.
        FUND_TREASURY_WAIT_DAYS=int(os.environ.get("FUND_TREASURY_WAIT_DAYS", "10")),
        FUND_WORKER_GRACE_MINUTES=int(os.environ.get("FUND_WORKER_GRACE_MINUTES", "60")),
        # Claims' workflows kept live between commands in each server process (0: restore every time).
        FUND_WARM_WORKFLOWS=int(os.environ.get("FUND_WARM_WORKFLOWS", "256")),
        # The key that signs letters (PKCS#12) and its passphrase; none: letters are issued unsigned.
        FUND_SIGNING_KEY=os.environ.get("FUND_SIGNING_KEY") or None,
        FUND_SIGNING_KEY_PASSPHRASE=os.environ.get("FUND_SIGNING_KEY_PASSPHRASE", ""),
        # The root certificate (PEM) `fund audit verify` validates letters' signatures against.
        FUND_SIGNING_TRUST_ROOT=os.environ.get("FUND_SIGNING_TRUST_ROOT") or None,
        # An RFC 3161 timestamp server for letters' signatures (PAdES B-T); none: B-B, see README.
        FUND_TSA_URL=os.environ.get("FUND_TSA_URL") or None,
        FUND_TSA_TIMEOUT_SECONDS=int(os.environ.get("FUND_TSA_TIMEOUT_SECONDS", "10")),
    )
    for name in ("FUND_PORTAL_MAX_FAILURES", "FUND_PORTAL_LOCK_MINUTES", "FUND_PORTAL_MAX_FILES"):
        if os.environ.get(name):  # otherwise the portal's services use their documented defaults
            app.config[name] = int(os.environ[name])
    # Who signs letters, the route of appeal, the line that says how to reach the fund when no
    # contact point is recorded: each also per language (FUND_APPEAL_TEXT_KK ...), see fund_settings.
    for name in PER_LANGUAGE_SETTINGS:
        for key in (name, *(f"{name}_{language.upper()}" for language in ("kk", "ru", "en"))):
            if os.environ.get(key):
                app.config[key] = os.environ[key]
    if os.environ.get("FUND_CONTACT_POINTS_CACHE_SECONDS"):  # otherwise 60 (fund.common.contact_points)
        app.config["FUND_CONTACT_POINTS_CACHE_SECONDS"] = int(os.environ["FUND_CONTACT_POINTS_CACHE_SECONDS"])
    if test_config:
        app.config.update(test_config)
    _no_jit_on_postgresql(app.config)
    app.json.sort_keys = False  # answers keep the documented field order
    # Text for a terminal, or JSON lines with each request's id (FUND_LOG_FORMAT=json): fund.common.logs.
    app.config.setdefault("FUND_LOG_FORMAT", os.environ.get("FUND_LOG_FORMAT", "text"))
    configure_logging(os.environ.get("FUND_LOG_LEVEL", "INFO"), app.config["FUND_LOG_FORMAT"])
    logging.getLogger("spiff").setLevel(logging.WARNING)  # it logs every task state change

    app.extensions["fund_app_factory"] = create_app  # how to make this app again (audit's worker processes)
    app.extensions[WARM_WORKFLOWS] = WarmWorkflows(app.config["FUND_WARM_WORKFLOWS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)

    from . import models  # noqa: F401  (register the tables)
    from .api import api_blueprint, docs_blueprint
    from .web import csrf, init_web

    app.register_blueprint(api_blueprint)
    app.register_blueprint(docs_blueprint)  # /api/docs: the API's document, browsable; public
    init_web(app)
    _register_parts(app)
    csrf.exempt(api_blueprint)  # the API authenticates with bearer tokens, never with cookies
    from .operations.metrics import init_request_metrics
    from .operations.request_logs import init_request_logs
    from .operations.views import operations_blueprint

    app.register_blueprint(operations_blueprint)  # /healthz, /readyz, /metrics: no sign-in, no rate limit
    init_request_metrics(app)  # every request counted and timed by its URL rule, for /metrics
    init_request_logs(app)  # every request's id, in its log lines and its X-Request-Id header
    csrf.exempt(operations_blueprint)
    app.add_url_rule("/", "home", _home)

    from .cli import register_commands

    register_commands(app)
    warn_about_defaults(app)
    from .letters.signing import warn_about_demo_key

    warn_about_demo_key(app)  # also loads the key: a wrong passphrase stops the start, not a letter
    return app


def _register_parts(app: Flask) -> None:
    """Each part of the fund's work: its blueprint, and the panels it adds to other parts' pages."""
    from .admin.contact_point_views import contact_points_blueprint
    from .admin.crisis_centre_views import crisis_centres_blueprint
    from .admin.outbox_views import outbox_blueprint
    from .admin.views import admin_blueprint
    from .audit.views import audit_blueprint
    from .incidents.views import incidents_blueprint
    from .letters.views import verify_blueprint
    from .officers.access_code_views import access_codes_blueprint
    from .officers.bank_account_views import bank_account_panel, bank_accounts_blueprint
    from .officers.crisis_referral_views import crisis_referral_panel, crisis_referrals_blueprint
    from .officers.desk_views import desk_blueprint, messages_panel, note_panel
    from .officers.views import officer_blueprint
    from .payouts.views import payouts_blueprint
    from .portal.views import init_portal
    from .recourse.views import claim_recourse_panel, dashboard_ledger_panel, recourse_blueprint
    from .reports.views import dashboard_blueprint
    from .web.panels import CLAIM_PAGE, DASHBOARD, add_panel

    init_portal(app)  # the claimants' pages, their languages and rate limits
    for blueprint in (
        officer_blueprint,
        desk_blueprint,
        bank_accounts_blueprint,
        access_codes_blueprint,
        incidents_blueprint,
        dashboard_blueprint,
        admin_blueprint,
        audit_blueprint,
        outbox_blueprint,
        contact_points_blueprint,
        crisis_centres_blueprint,
        crisis_referrals_blueprint,
        recourse_blueprint,
        payouts_blueprint,
        verify_blueprint,
    ):
        app.register_blueprint(blueprint)
    add_panel(app, CLAIM_PAGE, claim_recourse_panel)
    add_panel(app, CLAIM_PAGE, messages_panel)
    add_panel(app, CLAIM_PAGE, note_panel)
    add_panel(app, CLAIM_PAGE, bank_account_panel)
    add_panel(app, CLAIM_PAGE, crisis_referral_panel)
    add_panel(app, DASHBOARD, dashboard_ledger_panel)


def _home():
    """A visitor finds the claimant portal (in their language; its footer links to staff sign-in);
    signed-in staff land on the page their work starts from (the rule: fund.web.landing)."""
    from flask_login import current_user

    from .web.landing import landing_url

    if not current_user.is_authenticated:
        return redirect(url_for("portal.index"))
    return redirect(landing_url(current_user))


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


@event.listens_for(Engine, "connect")
def _lz4_for_long_values(dbapi_connection, connection_record) -> None:
    """PostgreSQL: long values (a claim's snapshot, 7 KB at submission, 70 KB late in the longest
    claim) compressed with lz4, not pglz. The values read back are the same; pglz took ~1-2 ms of
    the server's CPU to store a late snapshot, which made every step of a long claim slower than an
    early one (issue 13); lz4 takes a tenth of it at the same size. A server built without lz4 keeps pglz."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    import psycopg

    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_toast_compression = lz4")
        dbapi_connection.commit()
    except psycopg.Error:
        dbapi_connection.rollback()
