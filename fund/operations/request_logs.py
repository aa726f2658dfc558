"""Every request's id, in its log lines and its answer's ``X-Request-Id`` header.

The id is the caller's ``X-Request-Id`` when it is sane (1 to 100 letters, digits and ``.-_:``,
as proxies and load balancers make them), else a new random one. While the request runs, every
log line carries it, with the claim's reference when the URL names one (``/claims/<reference>``)
and the signed-in user's id (:class:`fund.common.logs.ContextFilter`). With JSON logs, one line
per request says what was answered (method, URL rule, status, milliseconds): the access log, with
the request id and user id gunicorn's own does not have, and without the query string (a search
for an identity number must not reach the logs).
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid

from flask import Flask, request

from fund.common import logs

log = logging.getLogger("fund.requests")

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_TOKENS = "fund.log_context"  # the WSGI environ key of the context's tokens, reset at the request's end


def request_id_of(header: str | None) -> str:
    """The caller's request id when sane, else a new one (32 hex digits)."""
    if header and SANE_REQUEST_ID.fullmatch(header.strip()):
        return header.strip()
    return uuid.uuid4().hex


def init_request_logs(app: Flask) -> None:
    """Give each request its id; with JSON logs (``FUND_LOG_FORMAT``), log one line per answer."""

    def bind_request() -> None:
        reference = (request.view_args or {}).get("reference")
        request.environ[_TOKENS] = [
            (logs.request_id, logs.request_id.set(request_id_of(request.headers.get("X-Request-Id")))),
            (
                logs.claim_reference,
                logs.claim_reference.set(reference if isinstance(reference, str) else None),
            ),
        ]
        request.environ["fund.request_clock"] = time.perf_counter()

    def answer_with_id(response):
        response.headers["X-Request-Id"] = logs.request_id.get() or ""
        if logs.wants_json(app.config.get("FUND_LOG_FORMAT")):
            started = request.environ.get("fund.request_clock", time.perf_counter())
            log.info(
                "answered",
                extra={
                    "method": request.method,
                    "route": request.url_rule.rule if request.url_rule is not None else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response

    def unbind_request(_error: BaseException | None) -> None:
        for variable, token in reversed(request.environ.pop(_TOKENS, [])):
            with contextlib.suppress(ValueError):  # set in another context: nothing of ours to undo
                variable.reset(token)

    app.before_request_funcs.setdefault(None, []).insert(0, bind_request)
    app.after_request(answer_with_id)
    app.teardown_request(unbind_request)
