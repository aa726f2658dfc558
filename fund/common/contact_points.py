"""Reading the fund's contact points, for the portal's pages and the letters.

No role is needed: contact points are public. Administrators change them through
:mod:`fund.admin.contact_points`. When none is recorded (or all are switched off), pages and
letters print the configured fallback line (:func:`fund.common.fund_settings.contact_fallback`).

Every portal page shows them, so pages read them through a copy kept for a short while in each
server process (FUND_CONTACT_POINTS_CACHE_SECONDS, 60 by default; 0 reads every time): a change
shows at once in the process that made it and within that time in the others. Letters always read
the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from fund.common.fund_settings import contact_fallback, public_url
from fund.extensions import db
from fund.models import ContactPoint

CONTACTS_PATH = "/portal/contacts"
_CACHE = "fund_contact_points"  # app.extensions key: (read at, monotonic seconds; points)
DEFAULT_CACHE_SECONDS = 60


@dataclass(frozen=True)
class ContactLines:
    """A contact point as printed in one language (or None fields and the fallback line)."""

    region: str
    address: str
    phone: str
    email: str
    hours: str


def active_contact_points() -> list[ContactPoint]:
    """The contact points claimants see, in the administrators' order."""
    return list(
        db.session.scalars(
            select(ContactPoint)
            .where(ContactPoint.active.is_(True))
            .order_by(ContactPoint.position, ContactPoint.id)
        )
    )


def main_contact_point() -> ContactPoint | None:
    """The point letters print: the first active one in the administrators' order."""
    points = active_contact_points()
    return points[0] if points else None


def contact_lines(point: ContactPoint, language: str) -> ContactLines:
    """The point's words in ``language``."""
    return ContactLines(**point.words(language))


def contacts_url() -> str:
    """The public address of the page that lists every contact point."""
    return f"{public_url()}{CONTACTS_PATH}"


def fallback_line(language: str) -> str:
    """How to reach the fund when no contact point is recorded (configuration)."""
    return contact_fallback(language)


@dataclass(frozen=True)
class PublicContactPoint:
    """A contact point as the portal shows it: its region code and its words in each language."""

    region_code: str
    lines: dict[str, ContactLines]


def portal_contact_points() -> tuple[PublicContactPoint, ...]:
    """The active contact points for the portal's pages, from the process's short-lived copy."""
    seconds = current_app.config.get("FUND_CONTACT_POINTS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    kept = current_app.extensions.get(_CACHE)
    if kept is not None and seconds > 0 and time.monotonic() - kept[0] < seconds:
        return kept[1]
    points = tuple(
        PublicContactPoint(
            point.region_code,
            {language: contact_lines(point, language) for language in ("kk", "ru", "en")},
        )
        for point in active_contact_points()
    )
    current_app.extensions[_CACHE] = (time.monotonic(), points)
    return points


def forget_portal_contact_points() -> None:
    """Drop this process's copy: the next page reads the contact points again (after a change)."""
    current_app.extensions.pop(_CACHE, None)
