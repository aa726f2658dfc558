"""The operations' settings: from the application's configuration, else the environment."""

from __future__ import annotations

import os

from flask import current_app, has_app_context

# /readyz and fund doctor: a worker is alive when a round of it started or finished this recently.
DEFAULT_READY_HEARTBEAT_SECONDS = 300
# /readyz: the outbox is stuck when a message has been due this long without being sent.
DEFAULT_READY_OUTBOX_SECONDS = 900


def setting(name: str) -> str | None:
    """A setting's text, or None when it is not set (or blank)."""
    value = current_app.config.get(name) if has_app_context() else None
    if value is None:
        value = os.environ.get(name)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def seconds(name: str, default: int) -> int:
    """A number of seconds from the configuration; the default when unset or not a positive integer."""
    value = setting(name)
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def heartbeat_seconds() -> int:
    """``FUND_READY_HEARTBEAT_SECONDS``: how young the newest worker heartbeat must be."""
    return seconds("FUND_READY_HEARTBEAT_SECONDS", DEFAULT_READY_HEARTBEAT_SECONDS)


def outbox_seconds() -> int:
    """``FUND_READY_OUTBOX_SECONDS``: how long a message may stay due before the outbox counts as stuck."""
    return seconds("FUND_READY_OUTBOX_SECONDS", DEFAULT_READY_OUTBOX_SECONDS)
