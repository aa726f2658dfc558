"""Who may do what: role checks used by every service."""

from __future__ import annotations

from flask_babel import gettext

from fund.common.errors import Forbidden
from fund.models import User


def require_role(user: User | None, *roles: str) -> User:
    """The user, if active and holding one of ``roles``; otherwise Forbidden."""
    if user is None or not user.active or not user.has_role(*roles):
        # In the page's language (English for the API, the CLI and the worker).
        raise Forbidden(gettext("this needs one of the roles: %(roles)s", roles=", ".join(roles)))
    return user
