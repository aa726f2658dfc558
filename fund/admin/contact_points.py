"""Administration of the fund's contact points by region (address, phone, e-mail, opening hours).

For administrators only (checked here), one transaction each. A point is never deleted: it is
switched off, so it stops appearing on the portal and in new letters (letters already issued keep
what they printed). Who changed a point last, and when, is kept on its row and in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from fund.admin.accounts import ADMIN
from fund.common.access import require_role
from fund.common.contact_points import forget_portal_contact_points
from fund.common.errors import Invalid, NotFound
from fund.extensions import db
from fund.models import ContactPoint, User

log = logging.getLogger(__name__)

LANGUAGES = ("kk", "ru", "en")
# The form's fields in the order the page shows them, with the longest text each may hold.
WORDED_FIELDS = {"region": 120, "address": 300, "hours": 200}
TEXT_FIELDS = {
    **{f"{name}_{language}": limit for name, limit in WORDED_FIELDS.items() for language in LANGUAGES},
    "phone": 40,
    "email": 254,
}
FIELDS = ("region_code", *TEXT_FIELDS, "position", "active")
REGION_CODE = re.compile(r"[a-z][a-z0-9-]{1,39}")
# Digits with the spaces, dashes, brackets and leading + that people write phone numbers with.
PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,38}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_POSITION = 999


def list_contact_points(actor: User) -> list[ContactPoint]:
    """Every contact point, switched-off ones included, in the order the portal lists them."""
    require_role(actor, ADMIN)
    return list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.position, ContactPoint.id)))


def get_contact_point(actor: User, point_id: int) -> ContactPoint:
    """One contact point; NotFound if there is none with this id."""
    require_role(actor, ADMIN)
    point = db.session.get(ContactPoint, point_id)
    if point is None:
        raise NotFound(f"no contact point {point_id}")
    return point


def _parsed(form: Mapping[str, str], point_id: int | None) -> tuple[dict, dict[str, list[str]]]:
    """The form's values, cleaned, and the problems with them by field name."""
    values: dict = {}
    problems: dict[str, list[str]] = {}
    code = (form.get("region_code") or "").strip().lower()
    if not code:
        problems["region_code"] = ["is required: a short code in Latin letters, e.g. almaty"]
    elif not REGION_CODE.fullmatch(code):
        problems["region_code"] = [
            "must be 2 to 40 Latin small letters, digits or dashes, starting with a letter (e.g. almaty)"
        ]
    else:
        taken = db.session.scalar(select(ContactPoint.id).where(ContactPoint.region_code == code))
        if taken is not None and taken != point_id:
            problems["region_code"] = ["another contact point has this code already: choose another"]
    values["region_code"] = code
    for name, limit in TEXT_FIELDS.items():
        text = " ".join((form.get(name) or "").split())
        if not text:
            problems[name] = ["is required"]
        elif len(text) > limit:
            problems[name] = [f"must be at most {limit} characters"]
        values[name] = text
    if "phone" not in problems and not PHONE.fullmatch(values["phone"]):
        problems["phone"] = [
            "must be a phone number: digits, with spaces, dashes or brackets, e.g. +7 7172 55 00 00"
        ]
    if "email" not in problems and not EMAIL.fullmatch(values["email"]):
        problems["email"] = ["must be an e-mail address, e.g. astana@fund.kz"]
    position = (form.get("position") or "").strip()
    if not position:
        values["position"] = 100
    elif not (position.isascii() and position.isdigit()) or int(position) > MAX_POSITION:
        problems["position"] = [f"must be a whole number from 0 to {MAX_POSITION}"]
    else:
        values["position"] = int(position)
    values["active"] = (form.get("active") or "") in ("1", "on", "yes", "true")
    return values, problems


def save_contact_point(
    actor: User, form: Mapping[str, str], now: datetime, point_id: int | None = None
) -> ContactPoint:
    """Add a contact point (``point_id`` None) or change one; Invalid names each wrong field."""
    require_role(actor, ADMIN)
    point = get_contact_point(actor, point_id) if point_id is not None else None
    values, problems = _parsed(form, point_id)
    if problems:
        raise Invalid("the contact point was not saved", problems)
    before = None if point is None else {name: getattr(point, name) for name in values}
    if point is None:
        point = ContactPoint(**values, updated_at=now, updated_by=actor.username)
        db.session.add(point)
    else:
        for name, value in values.items():
            setattr(point, name, value)
        point.updated_at, point.updated_by = now, actor.username
    db.session.commit()
    forget_portal_contact_points()  # this process's pages show the change at once
    if before is None:
        log.info("admin %s added the contact point %s", actor.username, point.region_code)
    else:
        changed = sorted(name for name, value in values.items() if before[name] != value)
        log.info(
            "admin %s changed the contact point %s: %s",
            actor.username,
            point.region_code,
            ", ".join(changed) or "nothing",
        )
    return point
