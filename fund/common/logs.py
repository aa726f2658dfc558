"""The fund's logs: plain text for a person at a terminal, or JSON lines for a log collector, each
line carrying what it happened in — the request's id, the signed-in user's id, the claim's reference.

``FUND_LOG_FORMAT=json`` (production) writes one JSON object per line (python-json-logger: a
formatter for the standard library's logging, so every logger the fund and its libraries already
use — the worker, Alembic, gunicorn's errors — comes out as JSON without changing a call).
Unset or ``text`` (the quick start), lines stay as they were, readable in a terminal.

What a line carries is set where the work starts (:func:`bind`: a request, a worker's claim) and
added by :class:`ContextFilter`. It never holds personal data: ids and references, not names,
identity numbers, phones, e-mails or bank accounts; messages follow the same rule
(``tests/operations/test_logs.py`` greps a run's log for them).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

# What a log line happened in; None outside it.
request_id: ContextVar[str | None] = ContextVar("fund_request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("fund_user_id", default=None)
claim_reference: ContextVar[str | None] = ContextVar("fund_claim_reference", default=None)
_CONTEXT = {"request_id": request_id, "user_id": user_id, "claim_reference": claim_reference}

JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
_HANDLER_MARK = "_fund_log_handler"  # the root handler this module installed (replaced, never doubled)


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``claim_reference`` to every record, where there are."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, variable in _CONTEXT.items():
            value = variable.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        if not hasattr(record, "user_id") and has_request_context():
            # The user the request signed in with, once loaded (an API token, a staff session);
            # never loaded for a log line.
            user = g.get("user") or g.get("_login_user")
            if isinstance(getattr(user, "id", None), int):
                record.user_id = user.id
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the
    context's fields, any ``extra={...}`` a call gives, and the traceback as ``exc_info``."""
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def wants_json(log_format: str | None) -> bool:
    """``FUND_LOG_FORMAT``: ``json`` for JSON lines; anything else (unset, ``text``) for text."""
    return (log_format or "").strip().lower() == "json"


def configure_logging(level: str, log_format: str | None) -> None:
    """The root logger's level, and its handler: JSON lines on stderr for ``json``; else the
    standard library's text handler, as before (kept when someone set up logging already)."""
    root = logging.getLogger()
    if not wants_json(log_format):
        logging.basicConfig(level=level)
        return
    root.setLevel(level)
    logging.captureWarnings(True)  # Python's warnings (a library's deprecation) as JSON lines too
    for handler in list(root.handlers):  # ours from an earlier create_app, or basicConfig's text one
        plain_stderr = type(handler) is logging.StreamHandler and handler.stream in (
            sys.stderr,
            sys.__stderr__,
        )
        if getattr(handler, _HANDLER_MARK, False) or plain_stderr:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(ContextFilter())
    handler.setFormatter(json_formatter())
    root.addHandler(handler)


@contextmanager
def bind(**values: object) -> Iterator[None]:
    """Within the block, log lines carry these (``request_id``, ``user_id``, ``claim_reference``)."""
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)
