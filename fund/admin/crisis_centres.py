"""Administration of the directory of crisis centres by region (issue 15, point 8).

For administrators only (checked here), one transaction each. A centre is never deleted: it is
switched off, so the portal stops offering its region (unless another centre is there) and officers
stop passing referrals to it; referrals already passed to it keep naming it. Who changed a centre
last, and when, is kept on its row and in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from fund.admin.accounts import ADMIN
from fund.admin.contact_points import EMAIL, MAX_POSITION, PHONE, REGION_CODE
from fund.claims.crisis_referrals import forget_crisis_regions
from fund.common.access import require_role
from fund.common.errors import Invalid, NotFound
from fund.extensions import db
from fund.models import HELP_KINDS, CrisisCentre, User

log = logging.getLogger(__name__)

LANGUAGES = ("kk", "ru", "en")
# The form's worded fields in the order the page shows them, with the longest text each may hold.
WORDED_FIELDS = {"region": 120, "name": 200, "address": 300}
TEXT_FIELDS = {
    **{f"{name}_{language}": limit for name, limit in WORDED_FIELDS.items() for language in LANGUAGES},
    "phone": 40,
}
FIELDS = ("region_code", *TEXT_FIELDS, "email", "kinds", "position", "active")


def list_crisis_centres(actor: User) -> list[CrisisCentre]:
    """Every crisis centre, switched-off ones included, in the order lists show them."""
    require_role(actor, ADMIN)
    return list(db.session.scalars(select(CrisisCentre).order_by(CrisisCentre.position, CrisisCentre.id)))


def get_crisis_centre(actor: User, centre_id: int) -> CrisisCentre:
    """One crisis centre; NotFound if there is none with this id."""
    require_role(actor, ADMIN)
    centre = db.session.get(CrisisCentre, centre_id)
    if centre is None:
        raise NotFound(f"no crisis centre {centre_id}")
    return centre


def _parsed(form: Mapping[str, str], kinds: list[str]) -> tuple[dict, dict[str, list[str]]]:
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
    email = (form.get("email") or "").strip()
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        problems["email"] = ["must be an e-mail address, e.g. centre@example.kz, or empty"]
    values["email"] = email
    unknown = [kind for kind in kinds if kind not in HELP_KINDS]
    if unknown or not kinds:
        problems["kinds"] = [f"choose at least one of: {', '.join(HELP_KINDS)}"]
    values["kinds"] = ",".join(kind for kind in HELP_KINDS if kind in kinds)
    position = (form.get("position") or "").strip()
    if not position:
        values["position"] = 100
    elif not (position.isascii() and position.isdigit()) or int(position) > MAX_POSITION:
        problems["position"] = [f"must be a whole number from 0 to {MAX_POSITION}"]
    else:
        values["position"] = int(position)
    values["active"] = (form.get("active") or "") in ("1", "on", "yes", "true")
    return values, problems


def save_crisis_centre(
    actor: User,
    form: Mapping[str, str],
    kinds: list[str],
    now: datetime,
    centre_id: int | None = None,
) -> CrisisCentre:
    """Add a crisis centre (``centre_id`` None) or change one; Invalid names each wrong field.

    ``kinds`` are the kinds of help ticked (at least one of HELP_KINDS).
    """
    require_role(actor, ADMIN)
    centre = get_crisis_centre(actor, centre_id) if centre_id is not None else None
    values, problems = _parsed(form, kinds)
    if problems:
        raise Invalid("the crisis centre was not saved", problems)
    before = None if centre is None else {name: getattr(centre, name) for name in values}
    if centre is None:
        centre = CrisisCentre(**values, updated_at=now, updated_by=actor.username)
        db.session.add(centre)
    else:
        for name, value in values.items():
            setattr(centre, name, value)
        centre.updated_at, centre.updated_by = now, actor.username
    db.session.commit()
    forget_crisis_regions()  # this process's portal pages offer the change at once
    if before is None:
        log.info("admin %s added the crisis centre %s in %s", actor.username, centre.id, centre.region_code)
    else:
        changed = sorted(name for name, value in values.items() if before[name] != value)
        log.info(
            "admin %s changed the crisis centre %s: %s",
            actor.username,
            centre.id,
            ", ".join(changed) or "nothing",
        )
    return centre
