"""``/healthz`` and ``/readyz`` for load balancers and orchestrators: JSON, no sign-in, no rate limit,
no CSRF (they only read), no personal data. ``/metrics`` for Prometheus: the same, but only for the
metrics token or an allowed network (:mod:`fund.operations.metrics`)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from fund.common.time import utc_now

from .health import readiness
from .metrics import CONTENT_TYPE, exposition, may_scrape

operations_blueprint = Blueprint("operations", __name__)


@operations_blueprint.get("/healthz")
def healthz():
    """The process answers (the database is not asked: a load balancer restarts nothing for it)."""
    return jsonify({"alive": True})


@operations_blueprint.get("/readyz")
def readyz():
    """Ready for work: 200 when every check passes, else 503; the same JSON either way."""
    answer = readiness(utc_now())
    response = jsonify(answer.as_json())
    response.status_code = 200 if answer.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@operations_blueprint.get("/metrics")
def metrics():
    """Prometheus' scrape: 404 unless it carries the metrics token or comes from an allowed network."""
    if not may_scrape():
        abort(404)
    return exposition(), 200, {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}
