"""Routes of the JSON API v1. Views parse the request, call one service, and shape the answer."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..models import User
from ..services import claims as claim_service
from ..services import history, messages, tasks, users
from ..services.access import require_role
from ..services.errors import BadRequest, ServiceError, Unauthenticated
from ..services.time import utc_now

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None, status: int = 400):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


@api_blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    return error_body(error.code, error.message, error.fields, error.http_status)


@api_blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_body(
        error.name.lower().replace(" ", "_"), error.description or error.name, None, error.code or 500
    )


@api_blueprint.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_body("internal_error", "the fund's system failed; the error was logged", None, 500)


def json_body() -> Any:
    """The request's JSON; a clear 400 when it is not JSON."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body must be JSON (Content-Type: application/json)", {"": ["must be JSON"]})
    return data


def staff_only(view):
    """Require a valid bearer token; the user is in ``g.user``. Roles are checked by services."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthenticated(
                "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens"
            )
        g.user = users.user_for_token(header.removeprefix("Bearer ").strip(), utc_now())
        return view(*args, **kwargs)

    return wrapper


@api_blueprint.post("/claims")
def submit_claim():
    """Submit a claim (public). Answers with the reference and the access code, shown once."""
    submitted = claim_service.submit_claim(json_body(), utc_now())
    body = {
        "reference": submitted.reference,
        "access_code": submitted.access_code,
        "status": submitted.status,
    }
    return jsonify(body), 201


@api_blueprint.get("/claims/<reference>/status")
def claim_status(reference: str):
    """A claim's status for the claimant, with header X-Access-Code."""
    claim = claim_service.claim_for_claimant(reference, request.headers.get("X-Access-Code", ""))
    return jsonify(claim_service.public_status(claim))


@api_blueprint.post("/tokens")
def create_token():
    """Exchange a username and password for a bearer token."""
    data = json_body()
    if not isinstance(data, dict):
        raise Unauthenticated("wrong username or password")
    user = users.authenticate(str(data.get("username", "")), str(data.get("password", "")))
    token, expires_at = users.issue_token(user, utc_now(), current_app.config["FUND_TOKEN_HOURS"])
    return jsonify({"token": token, "expires_at": expires_at.isoformat()}), 201


def _task_json(task) -> dict[str, Any]:
    return {
        "id": task.id,
        "claim_reference": task.claim.reference,
        "name": task.name,
        "title": task.title,
        "role": task.role,
        "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "form": tasks.task_form(task),
    }


@api_blueprint.get("/tasks")
@staff_only
def list_tasks():
    """Ready tasks the caller's roles may work (optional ?role=)."""
    user: User = g.user
    return jsonify([_task_json(t) for t in tasks.open_tasks(user, request.args.get("role"))])


@api_blueprint.post("/tasks/<task_id>/complete")
@staff_only
def complete_task(task_id: str):
    """Complete a task with its form data."""
    claim = tasks.complete_task(g.user, task_id, json_body(), utc_now())
    return jsonify({"claim_reference": claim.reference, "status": claim.status})


@api_blueprint.get("/claims/<reference>")
@staff_only
def claim_detail(reference: str):
    """A claim for staff: status, category, amounts and open tasks."""
    return jsonify(claim_service.claim_summary(g.user, reference))


@api_blueprint.get("/claims/<reference>/events")
@staff_only
def claim_events(reference: str):
    """A claim's full history with the hash chain (auditors and admins)."""
    require_role(g.user, "auditor", "admin")
    claim = claim_service.get_claim(g.user, reference)
    return jsonify(
        {
            "reference": claim.reference,
            "events": [
                {
                    "sequence": e.sequence,
                    "type": e.type,
                    "actor": e.actor,
                    "occurred_at": e.occurred_at.isoformat(),
                    "input": e.input,
                    "result": e.result,
                    "state_digest": e.state_digest,
                    "previous_hash": e.previous_hash,
                    "hash": e.hash,
                }
                for e in history.claim_events(claim)
            ],
        }
    )


@api_blueprint.post("/claims/<reference>/messages/<name>")
@staff_only
def deliver_message(reference: str, name: str):
    """Deliver a message (documents_submitted, payment_confirmed, ...) to the claim's process."""
    body = request.get_json(silent=True)
    claim = messages.deliver_message(g.user, reference, name, {} if body is None else body, utc_now())
    return jsonify({"claim_reference": claim.reference, "status": claim.status})
