"""Who may do what: role checks used by every service."""

from __future__ import annotations

from flask_babel import gettext

from fund.common.errors import Forbidden
from fund.models import User


class RoleNeeded(Forbidden):
    """Forbidden for want of a role. The message names the roles by their codes (the API's and the
    CLI's words); ``roles`` keeps them, for a page to name them in its own language."""

    def __init__(self, roles: tuple[str, ...]):
        # In the page's language (English for the API, the CLI and the worker).
        super().__init__(gettext("this needs one of the roles: %(roles)s", roles=", ".join(roles)))
        self.roles = roles


def require_role(user: User | None, *roles: str) -> User:
    """The user, if active and holding one of ``roles``; otherwise :class:`RoleNeeded`."""
    if user is None or not user.active or not user.has_role(*roles):
        raise RoleNeeded(roles)
    return user
