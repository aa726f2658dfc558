"""The supervisors' daily digest of the service levels, queued by the worker once per fund day.

From ``FUND_SLA_DIGEST_HOUR`` (default 8: the start of the working day in Almaty) the worker's
round queues, once per fund day (Asia/Almaty), one e-mail to every active supervisor, in the
supervisor's language, through the notification outbox (sent, retried and shown to
administrators like every other message). A supervisor without a work e-mail (``fund user
email``) gets a row in state ``no_address``, visible on the outbox page.

Once per day however many workers run: the day's row in ``service_level_digests`` is inserted in
the same transaction as the e-mails; a second worker's insert fails on its primary key and its
e-mails are rolled back with it. The e-mail holds counts and claim references only.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.common.time import fund_date
from fund.extensions import db
from fund.letters.service import public_url
from fund.models import Notification, ServiceLevelDigest, User, UserRole
from fund.notifications.digest import DIGEST_KIND, render_digest
from fund.notifications.queue import outbox_row
from fund.officers.service_levels import digest_counts, targets, watch_target
from fund.officers.supervision import SUPERVISOR
from workflows.scripting import FUND_TIME_ZONE

log = logging.getLogger(__name__)

DEFAULT_DIGEST_HOUR = 8
REFERENCES_LISTED = 10  # the claims longest past each target, by reference, in the e-mail
FALLBACK_LANGUAGE = "ru"


def digest_hour() -> int:
    """``FUND_SLA_DIGEST_HOUR``: the hour of the fund's day (0-23, Almaty) from which the digest goes."""
    value = current_app.config.get("FUND_SLA_DIGEST_HOUR") if has_app_context() else None
    if value is None:
        value = os.environ.get("FUND_SLA_DIGEST_HOUR")
    try:
        hour = int(str(value).strip()) if value is not None and str(value).strip() else DEFAULT_DIGEST_HOUR
    except ValueError:
        return DEFAULT_DIGEST_HOUR
    return hour if 0 <= hour <= 23 else DEFAULT_DIGEST_HOUR


def _language(user: User) -> str:
    if user.language in ("kk", "ru", "en"):
        return user.language
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "") or "")
    return default if default in ("kk", "ru", "en") else FALLBACK_LANGUAGE


def queue_daily_digest(now: datetime) -> int | None:
    """Queue today's digest to every active supervisor, once per fund day; one transaction.

    Returns how many e-mails were queued, or None when it is not due (before the digest hour, or
    today's digest is queued already, by this worker or another).
    """
    today = fund_date(now)
    if now.astimezone(FUND_TIME_ZONE).hour < digest_hour():
        return None
    if db.session.get(ServiceLevelDigest, today) is not None:
        db.session.rollback()  # end the look: nothing is held between rounds
        return None
    counts = digest_counts(now)
    references = {}
    for target in targets():
        breaching = [claim.reference for claim in watch_target(target, now).claims if claim.breaching]
        references[target.code] = breaching[:REFERENCES_LISTED]
    supervisors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == SUPERVISOR)
        .order_by(User.id)
    ).all()
    address = public_url()
    digest = ServiceLevelDigest(fund_day=today, queued_at=now, recipients=len(supervisors), counts=counts)
    db.session.add(digest)
    for supervisor in supervisors:
        message = render_digest(_language(supervisor), today, counts, references, address)
        db.session.add(Notification(**outbox_row(None, 0, DIGEST_KIND, message, supervisor.email, now)))
    try:
        db.session.commit()
    except IntegrityError:  # another worker queued today's digest at the same moment: it stands
        db.session.rollback()
        return None
    log.info("service levels digest of %s queued to %s supervisor(s)", today.isoformat(), len(supervisors))
    return len(supervisors)
