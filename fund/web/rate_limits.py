"""Rate limits per client address (Flask-Limiter), for every public door: portal, API, letter checks.

The limits are configuration (``FUND_RATELIMIT_*``), read on every request; their storage is
``FUND_RATELIMIT_STORAGE_URI`` (``memory://`` by default: one process only; several app servers
need a shared storage such as ``redis://``). Limits are off while testing (``TESTING``) unless
``FUND_RATELIMIT_ENABLED`` is set, so the test suite is not throttled; the rate-limit tests
switch them on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from fund.common.metrics import record_rate_limit_refusal

DEFAULT_LIMITS = {
    "FUND_RATELIMIT_PORTAL_SIGN_IN": "10 per minute;40 per hour",
    "FUND_RATELIMIT_PORTAL_SUBMIT": "10 per hour",
    "FUND_RATELIMIT_PORTAL_UPLOAD": "30 per hour",
    "FUND_RATELIMIT_VERIFY": "30 per minute;300 per hour",
    "FUND_RATELIMIT_API_TOKENS": "10 per minute;60 per hour",
}

limiter = Limiter(key_func=get_remote_address, headers_enabled=False)


def init_limits(app: Flask) -> None:
    """Read the limits and their storage from the environment and bind Flask-Limiter."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("FUND_RATELIMIT_STORAGE_URI", "memory://"))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", os.environ.get("FUND_RATELIMIT_KEY_PREFIX", ""))
    enabled = os.environ.get("FUND_RATELIMIT_ENABLED")
    app.config.setdefault(
        "FUND_RATELIMIT_ENABLED", enabled != "0" if enabled is not None else not app.testing
    )
    for name, default in DEFAULT_LIMITS.items():
        app.config.setdefault(name, os.environ.get(name, default))
    limiter.init_app(app)


def _limits_off() -> bool:
    return not current_app.config["FUND_RATELIMIT_ENABLED"]


def limited(config_name: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Limit a view per client address by the limit named ``config_name`` in the configuration.

    Every view limited by the same name counts against one budget per address (the portal's
    sign-in and the API's status check both take guesses at access codes).
    """
    return limiter.shared_limit(
        lambda: current_app.config[config_name],
        scope=config_name,
        methods=list(methods),
        exempt_when=_limits_off,
        on_breach=lambda _limit: record_rate_limit_refusal(config_name),  # counted for /metrics
    )


def seconds_until_allowed(window_seconds: int = 60) -> int:
    """After a refusal by a rate limit: how long until this address may try again (Retry-After)."""
    breached = limiter.current_limit
    if breached is None:
        return window_seconds
    return max(1, int(breached.reset_at - time.time()))
