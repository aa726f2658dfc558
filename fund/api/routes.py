"""Routes of the JSON API v1. Views parse the request, call one service, and shape the answer."""

from __future__ import annotations

import json
import logging
import math
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, make_response, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from fund import portal
from fund.api import idempotency, paging
from fund.api import paper_claims as paper_claim_parts
from fund.audit import replay
from fund.claims import history, messages, paper_claims, tasks
from fund.claims import submission as claim_service
from fund.common import users
from fund.common.access import require_role
from fund.common.errors import BadRequest, Invalid, ServiceError, Unauthenticated
from fund.common.time import utc_now
from fund.officers import search as claim_search
from fund.web.rate_limits import limited, seconds_until_allowed

from ..extensions import db
from ..models import User

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
idempotency.install(api_blueprint)
log = logging.getLogger(__name__)

# No request body of this API is nested more than three levels; deeper is a mistake or an attack
# (Python's JSON parser and serializer recurse, and fail at about a thousand levels).
MAX_JSON_DEPTH = 20
NOT_JSON_MESSAGE = "the body must be JSON (Content-Type: application/json)"
NUL_MESSAGE = "must not contain the character U+0000 (NUL)"
SURROGATE_MESSAGE = (
    "must not contain an unpaired UTF-16 surrogate (\\ud800 to \\udfff not part of a pair): "
    "it is not a character, and cannot be stored"
)
NUMBER_RANGE_MESSAGE = "must be a number within a float's range (at most about 1.8e308 either side of 0)"


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None, status: int = 400):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


@api_blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    db.session.rollback()  # a refused command keeps nothing, and releases its locks now
    response = make_response(error_body(error.code, error.message, error.fields, error.http_status))
    locked_until = getattr(error, "locked_until", None)  # a locked account or claim reference
    if locked_until is not None:
        seconds = math.ceil((locked_until - utc_now()).total_seconds())
        response.headers["Retry-After"] = str(max(1, seconds))
    return response


@api_blueprint.errorhandler(429)
def _too_many_requests(error: HTTPException):
    """A rate limit per address refused the request: in the API's JSON, not the portal's page."""
    db.session.rollback()
    seconds = seconds_until_allowed()
    response = make_response(
        error_body(
            "too_many_requests",
            f"too many requests from this address: try again in {seconds} seconds",
            None,
            429,
        )
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def _http_error_body(error: HTTPException):
    return error_body(
        error.name.lower().replace(" ", "_"), error.description or error.name, None, error.code or 500
    )


@api_blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    return _http_error_body(error)


@api_blueprint.before_app_request
def _routing_error():
    """Unknown URLs and methods under /api/ fail before any blueprint is chosen, so the web pages'
    HTML error handlers would answer them: answer them here, in the API's JSON, instead.
    """
    error = request.routing_exception
    prefix = api_blueprint.url_prefix
    under_api = request.path == prefix or request.path.startswith(prefix + "/")
    if under_api and isinstance(error, HTTPException) and error.code in (404, 405):
        response = make_response(_http_error_body(error))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    return None


@api_blueprint.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_body("internal_error", "the fund's system failed; the error was logged", None, 500)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _text_problem(text: str) -> str | None:
    """Why no database can store this text, or None.

    A JSON string may spell an unpaired surrogate (``"\\ud800"``); it is not a character, so it
    has no UTF-8 form and fails wherever the text is encoded: the database, a password hash.
    """
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _shown(key: str) -> str:
    """A key as an error names it: a surrogate in it spelled as its JSON escape, so the answer
    itself can be encoded."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _unstorable_value(data: Any) -> tuple[str, str] | None:
    """(field path, problem) for the first value no database can hold or no client meant, else None.

    Walked without recursion, so that depth itself is what is reported. Besides text, a number
    beyond a float's range: ``json.loads`` reads ``1e400`` as infinity without asking
    ``parse_constant``, and infinity is not JSON (PostgreSQL refuses it; SQLite would keep it and
    the claim's history would then answer with ``Infinity``).
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path or "_schema", f"must not be nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(value, str) and (problem := _text_problem(value)) is not None:
            return path or "_schema", problem
        if isinstance(value, float) and not math.isfinite(value):
            return path or "_schema", NUMBER_RANGE_MESSAGE
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{_shown(key)}" if path else _shown(key)
                if (problem := _text_problem(key)) is not None:
                    return child, problem
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):  # reported on the list, as the form checks do
            stack.extend((item, path, depth + 1) for item in value)
    return None


def json_body(*, optional: bool = False) -> Any:
    """The request's JSON body, refused with a clear 400 or 422 when the fund cannot take it.

    Refused: a body that is not JSON; NaN and Infinity (not JSON, and PostgreSQL rejects them), and
    numbers so large they would be read as infinity; nesting deeper than MAX_JSON_DEPTH; text, in
    values or keys, containing U+0000 (PostgreSQL cannot store it) or an unpaired surrogate (no
    database can). Every JSON body of the API comes through here, so these are decided once.
    With ``optional``, an empty body is taken as ``{}``.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    if not request.is_json:
        raise BadRequest(NOT_JSON_MESSAGE, {"": ["must be JSON"]})
    return parse_json(raw)


def parse_json(raw: bytes | str, part: str = "") -> Any:
    """JSON text checked as :func:`json_body` checks a body; ``part`` names the multipart part it
    came in (problems are then named under it)."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep to parse
        raise BadRequest(NOT_JSON_MESSAGE, {part: ["must be JSON"]}) from error
    problem = _unstorable_value(data)
    if problem is not None:
        field, message = problem
        raise Invalid("the request has errors", {".".join(filter(None, (part, field))): [message]})
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
@idempotency.idempotent
def submit_claim():
    """Submit a claim (public). Answers with the reference and the access code, shown once.

    With a bearer token, an intake officer registers a paper or walk-in claim (multipart parts:
    :mod:`fund.api.paper_claims`): the same answer, the officer the actor, channel ``office``.
    """
    if "Authorization" in request.headers:
        return _register_paper_claim()
    submitted = claim_service.submit_claim(json_body(), utc_now())
    body = {
        "reference": submitted.reference,
        "access_code": submitted.access_code,
        "status": submitted.status,
    }
    return jsonify(body), 201


@staff_only
def _register_paper_claim():
    require_role(g.user, paper_claims.INTAKE_ROLE)
    if request.mimetype != "multipart/form-data":
        raise BadRequest(paper_claim_parts.MULTIPART_MESSAGE, {"": ["must be multipart/form-data"]})
    paper, numbers = paper_claim_parts.paper_application(request.form, request.files, parse_json)
    try:
        submitted = paper_claims.register_paper_claim(g.user, paper, utc_now())
    except Invalid as error:
        raise Invalid(error.message, paper_claim_parts.renamed_fields(error.fields, numbers)) from error
    body = {
        "reference": submitted.reference,
        "access_code": submitted.access_code,
        "status": submitted.status,
    }
    return jsonify(body), 201


@api_blueprint.get("/claims")
@staff_only
def search_claims():
    """Find claims as the officers' page does (fund/officers/search.py): ``q`` (a reference, an IIN,
    a name or part of one, an ERDR number or a phone) and the filters ``status``, ``category``,
    ``task``, ``officer``, ``from`` and ``to``; newest first, a page at a time (``next`` and
    ``previous`` are the links to the pages beside). Masked as the officer's roles require."""
    args = request.args
    wanted = claim_search.ClaimSearch(
        text=args.get("q", "")[:200],
        status=args.get("status", "")[:40],
        category=args.get("category", "")[:40],
        task=args.get("task", "")[:120],
        officer=args.get("officer", "")[:120],
        submitted_from=claim_search.read_day(args.get("from"), "from"),
        submitted_to=claim_search.read_day(args.get("to"), "to"),
        after=args.get("after", "")[:80],
        before=args.get("before", "")[:80],
    )
    results = claim_search.search_claims(g.user, wanted, utc_now())
    keep = {
        name: args[name]
        for name in ("q", "status", "category", "task", "officer", "from", "to")
        if args.get(name)
    }
    return jsonify(
        {
            "claims": [
                {
                    "reference": row.reference,
                    "submitted_at": row.submitted_at.isoformat(),
                    "status": row.status,
                    "category": row.category,
                    "claimant": {"name": row.claimant_name, "iin": row.claimant_iin},
                    "victim": {"name": row.victim_name, "iin": row.victim_iin} if row.victim_iin else None,
                    "erdr_number": row.erdr_number,
                    "open_tasks": list(row.open_tasks),
                }
                for row in results.rows
            ],
            "total": results.total,
            "more_than_counted": results.more_than_counted,
            "sampled": results.sampled,
            "next": url_for("api.search_claims", after=results.next_cursor, **keep)
            if results.next_cursor
            else None,
            "previous": (
                url_for("api.search_claims", before=results.previous_cursor, **keep)
                if results.previous_cursor
                else None
            ),
        }
    )


ACCESS_CODE_HEADER = "X-Access-Code"
ACCESS_CODE_MESSAGE = "is required: the claim's access code, given once when the claim was submitted"


@api_blueprint.get("/claims/<reference>/status")
# The portal sign-in's budget per address; HEAD runs the same check, so it is a guess too.
@limited("FUND_RATELIMIT_PORTAL_SIGN_IN", methods=("GET", "HEAD"))
def claim_status(reference: str):
    """A claim's status for the claimant, with header X-Access-Code (the portal's lockout applies).

    Without the header at all: 401 saying what to send (no guess is taken, whatever the reference).
    """
    access_code = request.headers.get(ACCESS_CODE_HEADER, "")
    if not access_code.strip():
        raise Unauthenticated(
            f"send '{ACCESS_CODE_HEADER}: <the access code given when the claim was submitted>'",
            {ACCESS_CODE_HEADER: [ACCESS_CODE_MESSAGE]},
        )
    return jsonify(portal.claim_status_for_claimant(reference, access_code, utc_now()))


@api_blueprint.post("/tokens")
@limited("FUND_RATELIMIT_API_TOKENS")
def create_token():
    """Exchange a username and password for a bearer token (the sign-in page's lockout applies)."""
    data = json_body()
    if not isinstance(data, dict):
        raise Unauthenticated("wrong username or password")
    now = utc_now()
    user = users.sign_in(str(data.get("username", "")), str(data.get("password", "")), now)
    token, expires_at = users.issue_token(user, now, current_app.config["FUND_TOKEN_HOURS"])
    return jsonify({"token": token, "expires_at": expires_at.isoformat()}), 201


TASKS_PAGE_SIZE = 200

# A form id names one form of one deployed version, which never changes: cache it for a year.
FORM_CACHE_CONTROL = "private, max-age=31536000, immutable"


def _task_json(task, form_id: str, user: User, barred_because: str | None = None) -> dict[str, Any]:
    return {
        "id": task.id,
        "claim_reference": task.claim.reference,
        "name": task.name,
        "title": task.title,
        "role": task.role,
        "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        # The form by reference: one schema serves many tasks, and clients cache it (GET /forms/<id>).
        "form": {"id": form_id, "url": url_for("api.form", form_id=form_id)},
        "assignee": task.assignee,
        # Listed, but the caller may not work it when a colleague took it or the four-eyes rule
        # bars them (``barred_because`` says why, in the worklist's words).
        "can_take": barred_because is None and task.assignee in (None, user.username),
        "barred_because": barred_because,
    }


@api_blueprint.get("/tasks")
@staff_only
def list_tasks():
    """Ready tasks the caller's roles may work (optional ?role=), each naming its form by id;
    oldest first, ``limit`` (1 to 200, 200 unless told) at a time: when more follow, the ``Link``
    header's ``rel="next"`` is the next page (``?after=<cursor>``; the body stays a list).

    A task the four-eyes rule bars the caller from is listed with ``"can_take": false`` and the
    reason in ``barred_because`` (the words the worklist shows and a completion is refused with);
    a task a colleague took, with ``"can_take": false`` and its ``assignee``.
    """
    user: User = g.user
    role = request.args.get("role")
    limit = paging.page_size(request.args.get("limit"), TASKS_PAGE_SIZE)
    after = paging.read_task_cursor(request.args.get("after"))
    ready = tasks.open_tasks_with_versions(user, role, limit + 1, after)
    more, ready = len(ready) > limit, ready[:limit]
    barred = tasks.barred_tasks(user, ready)
    response = jsonify(
        [
            _task_json(task, tasks.form_id(version, task.form), user, barred.get(task.id))
            for task, version in ready
        ]
    )
    if more:
        keep = {name: request.args[name] for name in ("role", "limit") if request.args.get(name)}
        last, _version = ready[-1]
        cursor = paging.task_cursor(last.created_at, last.id)
        response.headers["Link"] = f'<{url_for("api.list_tasks", after=cursor, **keep)}>; rel="next"'
    return response


@api_blueprint.get("/forms/<path:form_id>")
@staff_only
def form(form_id: str):
    """A task's JSON Schema form by its id (``<process version>/<form>.json``); never changes."""
    response = jsonify(tasks.form_by_id(g.user, form_id))
    response.headers["Cache-Control"] = FORM_CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@api_blueprint.post("/tasks/<task_id>/complete")
@idempotency.idempotent
@staff_only
def complete_task(task_id: str):
    """Complete a task: the body is the task's form as JSON (``Content-Type: application/json``)."""
    claim = tasks.complete_task(g.user, task_id, json_body(), utc_now())
    return jsonify({"claim_reference": claim.reference, "status": claim.status})


@api_blueprint.get("/claims/<reference>")
@staff_only
def claim_detail(reference: str):
    """A claim for staff: status, category, amounts, open tasks, and flags with links to the other
    claims of the same victim and criminal case; with its ``ETag`` (304 on ``If-None-Match``)."""
    return _claim_detail(reference).make_conditional(request)


def _claim_detail(reference: str):
    """The claim as ``g.user`` sees it, with its ``ETag`` (a digest of this very answer: it changes
    whenever anything in it does, the claim's ``updated_at`` included)."""
    summary = claim_service.claim_summary(g.user, reference)
    for other in summary["same_victim_and_case"]:
        other["url"] = url_for("api.claim_detail", reference=other["reference"])
    response = jsonify(summary)
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response


class PreconditionFailed(ServiceError):
    code, http_status = "precondition_failed", 412


IF_MATCH_MESSAGE = (
    "does not match the claim's current ETag: the claim changed since you read it; "
    "read it again (GET /api/v1/claims/<reference>) and decide on what it says now"
)


def _check_if_match(reference: str) -> None:
    """With ``If-Match``, act only if the claim is still as the client last read it (else 412)."""
    if "If-Match" not in request.headers:
        return
    current, _weak = _claim_detail(reference).get_etag()
    if not request.if_match.contains(current):
        raise PreconditionFailed("the claim changed since it was read", {"If-Match": [IF_MATCH_MESSAGE]})


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


@api_blueprint.post("/claims/<reference>/replay")
@staff_only
def replay_claim(reference: str):
    """Replay a claim's recorded commands and check every state (auditors and admins; read-only)."""
    return jsonify(replay.replay_claim(g.user, reference).to_json())


@api_blueprint.post("/claims/<reference>/messages/<name>")
@idempotency.idempotent
@staff_only
def deliver_message(reference: str, name: str):
    """Deliver a message (documents_submitted, payment_confirmed, ...) to the claim's process; with
    ``If-Match``, only while the claim is as the client read it (its ``ETag``), else 412."""
    payload = json_body(optional=True)  # a message may carry no payload; a broken one is refused
    if not isinstance(payload, dict):  # refused as it is, before the claim is compared (If-Match)
        raise Invalid("the message payload must be a JSON object", {"": ["must be a JSON object"]})
    _check_if_match(reference)
    claim = messages.deliver_message(g.user, reference, name, payload, utc_now())
    return jsonify({"claim_reference": claim.reference, "status": claim.status})


@api_blueprint.get("/")
def index():
    """What the API offers, for a person exploring it."""
    return jsonify(
        {
            "service": "Victims Compensation Fund: claims API v1",
            "public": {
                "submit a claim": "POST /api/v1/claims",
                "a claim's status": "GET /api/v1/claims/<reference>/status (header X-Access-Code)",
                "this API's OpenAPI 3.1 document": "GET /api/v1/openapi.json (browsable at /api/docs)",
                "my claim's documents and letters (header X-Access-Code)": (
                    "GET, POST /api/v1/claims/<reference>/documents; GET …/letters, …/letters/<id>/pdf"
                ),
                "my messages with the fund (header X-Access-Code)": (
                    "GET, POST /api/v1/claims/<reference>/conversation; GET …/conversation/files/<id>"
                ),
            },
            "staff (Authorization: Bearer <token>)": {
                "get a token": "POST /api/v1/tokens",
                "register a paper or walk-in claim (intake)": "POST /api/v1/claims (multipart/form-data)",
                "ready tasks for my roles": "GET /api/v1/tasks",
                "a task's form (JSON Schema)": "GET /api/v1/forms/<process version>/<form>.json",
                "complete a task": "POST /api/v1/tasks/<id>/complete",
                "find claims": "GET /api/v1/claims?q=<reference, IIN, name, ERDR number or phone>",
                "a claim": "GET /api/v1/claims/<reference>",
                "a claim's history": "GET /api/v1/claims/<reference>/events",
                "replay a claim": "POST /api/v1/claims/<reference>/replay",
                "deliver a message": "POST /api/v1/claims/<reference>/messages/<name>",
                "payout batches (finance)": "GET /api/v1/payout-batches",
                "build a payout batch (finance)": "POST /api/v1/payout-batches",
                "a payout batch": "GET /api/v1/payout-batches/<id>",
                "approve a payout batch (not its builder)": "POST /api/v1/payout-batches/<id>/approve",
                "cancel a payout batch not yet exported": "POST /api/v1/payout-batches/<id>/cancel",
                "the Treasury's files": "POST /api/v1/payout-batches/<id>/register.csv and …/pain001.xml",
                "import the Treasury's status file": "POST /api/v1/payout-results (multipart: status_file)",
                "a claim's documents": "GET, POST /api/v1/claims/<reference>/documents; GET …/documents/<id>",
                "a claim's letters": "GET /api/v1/claims/<reference>/letters; GET …/letters/<id>/pdf",
                "the messages with a claim's claimant": (
                    "GET, POST /api/v1/claims/<reference>/conversation; GET …/conversation/files/<id>"
                ),
                "record a conviction (finance)": "POST /api/v1/convictions",
                "a claim's recourse case": "GET /api/v1/claims/<reference>/recourse",
                "record money paid back (finance)": "POST /api/v1/claims/<reference>/recourse/payments",
                "the fund's ledger": "GET /api/v1/ledger",
            },
        }
    )
