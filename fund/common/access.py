"""Who may do what: role checks used by every service."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from fund.common.errors import Forbidden
from fund.models import User


def roles_needed(role_names: Iterable[str]) -> str:
    """ "this needs one of the roles: …", in the page's language (English for the API, the CLI and
    the worker), naming the roles as given: by code, or by the words a page gives them."""
    return gettext("this needs one of the roles: %(roles)s", roles=", ".join(role_names))


class RoleNeeded(Forbidden):
    """Forbidden for want of a role. The message names the roles by their codes (the API's and the
    CLI's words); ``roles`` keeps them, for a page to name them in its own language."""

    def __init__(self, roles: tuple[str, ...]):
        super().__init__(roles_needed(roles))
        self.roles = roles


def require_role(user: User | None, *roles: str) -> User:
    """The user, if active and holding one of ``roles``; otherwise :class:`RoleNeeded`."""
    if user is None or not user.active or not user.has_role(*roles):
        raise RoleNeeded(roles)
    return user
