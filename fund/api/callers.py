"""Who calls an operation that both staff and the claimant may use: a staff member with a bearer
token, or the claimant with the claim's access code in ``X-Access-Code``.

The claimant's access code is checked by the portal's sign-in (:func:`fund.portal.sign_in_claimant`):
its lockout per reference applies, and a wrong reference or code gets the same 404 as the status
lookup gives. Requests with the claimant's code count against the portal sign-in's budget per
address (and uploads against the portal upload's too), as the portal's own pages do; staff with a
token are not limited by those budgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, request

from fund import portal
from fund.common import users
from fund.common.errors import Forbidden, NotFound, Unauthenticated
from fund.common.metrics import record_rate_limit_refusal
from fund.common.time import utc_now
from fund.models import User
from fund.web.rate_limits import limiter

ACCESS_CODE_HEADER = "X-Access-Code"
NO_CALLER_MESSAGE = (
    "send 'Authorization: Bearer <token>' (staff; get a token from POST /api/v1/tokens) or the "
    f"claim's access code in '{ACCESS_CODE_HEADER}' (the claimant)"
)


@dataclass(frozen=True)
class Caller:
    """A staff member (``user``) or the claimant of one claim (``session``): exactly one is set."""

    user: User | None = None
    session: portal.PortalSession | None = None


def staff_user() -> User:
    """The user of the request's bearer token (in ``g.user``); 401 without a valid one."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthenticated("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens")
    g.user = users.user_for_token(header.removeprefix("Bearer ").strip(), utc_now())
    return g.user


def staff_or_claimant(reference: str) -> Caller:
    """The staff member of the bearer token, else the claimant signed in to ``reference`` with the
    access code; 401 with neither, 404 for a wrong reference or code, 429 once it is locked."""
    if "Authorization" in request.headers:
        return Caller(user=staff_user())
    code = request.headers.get(ACCESS_CODE_HEADER)
    if code is None:
        raise Unauthenticated(NO_CALLER_MESSAGE)
    try:
        return Caller(session=portal.sign_in_claimant(reference, code[:40], utc_now()))
    except portal.PortalSignInRefused:
        raise NotFound("no claim with this reference and access code") from None


def staff_only_here(what: str) -> User:
    """The staff member of the bearer token, for an operation the claimant may not use: a request
    with only the claimant's access code is refused (403) saying so."""
    if "Authorization" not in request.headers and ACCESS_CODE_HEADER in request.headers:
        raise Forbidden(f"{what} is for the fund's staff only: the claimant's access code does not open it")
    return staff_user()


def claimant_limited(config_name: str, methods: tuple[str, ...]) -> Callable:
    """Limit the claimant's requests (those without a bearer token) per client address by the
    portal's limit ``config_name``, sharing its budget with the portal's pages."""

    def exempt() -> bool:
        return not current_app.config["FUND_RATELIMIT_ENABLED"] or "Authorization" in request.headers

    return limiter.shared_limit(
        lambda: current_app.config[config_name],
        scope=config_name,
        methods=list(methods),
        exempt_when=exempt,
        on_breach=lambda _limit: record_rate_limit_refusal(config_name),
    )
