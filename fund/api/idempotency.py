"""Safe retries: the ``Idempotency-Key`` header on the API's creating POSTs.

A view marked :func:`idempotent` takes an optional ``Idempotency-Key`` (1 to 200 printable ASCII
characters). The first request with a key runs and its answer (status, body, ``Content-Type``,
``Location``, ``ETag``) is kept 24 hours (:mod:`fund.common.idempotency_keys`); a retry with the
same key and the same request gets that answer again, with ``Idempotent-Replayed: true``, and
nothing is done twice. The same key with another request is refused (422); a retry while the
first request still runs gets 409 with ``Retry-After``. "The same request" is the fingerprint of
the method, the path with its query, the media type, the body (a multipart body by its parts, not
its boundary, which clients choose anew on every send) and the caller: the user of the bearer
token, or, for a claim sent without one, the route alone.

Answers kept: those of a request carried out (2xx) or refused for what it says (400, 404, 413,
415, 422). Refusals that depend on the moment (401, 403, 409, 412, 423, 429) and failures (5xx)
free the key, so that a retry runs again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from fund.common import idempotency_keys, users
from fund.common.errors import BadRequest, Conflict, Invalid
from fund.common.time import utc_now

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
KEPT_STATUSES = frozenset({400, 404, 413, 415, 422})
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
KEY_FORMAT_MESSAGE = f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is a good key)"
OTHER_REQUEST_MESSAGE = (
    "was already used with another request (another body, path or caller) in the last 24 hours; "
    "send a new key for a new request"
)
IN_PROGRESS_MESSAGE = "a request with this key is still being carried out; retry in a moment"


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a creating view: it honours ``Idempotency-Key`` (put it right under the route)."""
    view.idempotent = True  # type: ignore[attr-defined]
    return view


def _key() -> str | None:
    """The request's key, checked; None when it sent none."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise BadRequest(f"the {HEADER} header is not valid", {HEADER: [KEY_FORMAT_MESSAGE]})
    return key


def _caller_scope() -> str:
    """Whose keys these are: the token's user; the claimant's access code (keyed, never stored as
    it is); else (a claim sent by anyone) the route itself.

    A request without a valid token to a staff route runs, and is refused by the route (401).
    """
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = users.user_for_token(header.removeprefix("Bearer ").strip(), utc_now())
        return f"user:{g.user.id}"
    route = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
    access_code = request.headers.get("X-Access-Code")
    if access_code is not None:  # a claimant's request: only the same code gets its answer again
        secret = str(current_app.config["SECRET_KEY"]).encode()
        code = hmac.new(secret, access_code.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
        return f"claimant:{code} {route}"
    return f"anonymous {route}"


def _body_digest() -> bytes:
    """The body as the fingerprint reads it: a multipart body by its parts (names, values, file
    names and contents, in order), anything else byte for byte."""
    if request.mimetype != "multipart/form-data":
        return hashlib.sha256(request.get_data(cache=True)).digest()
    digest = hashlib.sha256()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"form\x00{name}\x00{value}\x00".encode("utf-8", "surrogateescape"))
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        content = upload.stream.read()
        upload.stream.seek(0)
        digest.update(f"file\x00{name}\x00{upload.filename}\x00".encode("utf-8", "surrogateescape"))
        digest.update(hashlib.sha256(content).digest())
    return digest.digest()


def _fingerprint(scope: str) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.full_path.rstrip("?"), request.mimetype, scope):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(_body_digest())
    return digest.hexdigest()


def _replay(answer: idempotency_keys.Answer) -> Response:
    response = Response(answer.body, status=answer.status)
    for name, value in answer.headers:
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _before() -> Response | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or not getattr(view, "idempotent", False):
        return None
    key = _key()
    if key is None:
        return None
    scope = _caller_scope()
    reservation = idempotency_keys.reserve(scope, key, _fingerprint(scope), utc_now())
    if reservation.other_request:
        raise Invalid(f"the {HEADER} was used for another request", {HEADER: [OTHER_REQUEST_MESSAGE]})
    if reservation.answer is not None:
        return _replay(reservation.answer)
    if reservation.row_id is None:
        g.idempotency_in_progress = True
        raise Conflict(IN_PROGRESS_MESSAGE, {HEADER: [IN_PROGRESS_MESSAGE]})
    g.idempotency = (reservation.row_id, scope, key)
    return None


def _after(response: Response) -> Response:
    if g.pop("idempotency_in_progress", False):
        response.headers["Retry-After"] = "1"
    reserved = g.pop("idempotency", None)
    if reserved is None:
        return response
    row_id, scope, key = reserved
    status = response.status_code
    if 200 <= status < 300 or status in KEPT_STATUSES:
        headers = [(name, response.headers[name]) for name in REPLAYED_HEADERS if name in response.headers]
        answer = idempotency_keys.Answer(status, headers, response.get_data())
        idempotency_keys.record(row_id, answer, scope, key)
    else:
        idempotency_keys.release(row_id)
    return response


def install(blueprint: Blueprint) -> None:
    """Honour ``Idempotency-Key`` on the blueprint's views marked :func:`idempotent`."""
    blueprint.before_request(_before)
    blueprint.after_request(_after)
