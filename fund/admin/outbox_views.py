"""The notification outbox page for administrators: /admin/outbox.

Lists the messages to claimants with their state, counts per state, and a "Retry now" button for
failed, given-up or interrupted ones. Roles are checked in :mod:`fund.notifications.outbox`;
the page shows claim references and masked addresses, never a message's body.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from fund.common.errors import Conflict
from fund.common.time import utc_now
from fund.notifications import outbox as notifications_outbox
from fund.web.formatting import template_helpers, words

outbox_blueprint = Blueprint("outbox", __name__, template_folder="templates", url_prefix="/admin/outbox")
outbox_blueprint.context_processor(template_helpers)

# What each kind of message tells the claimant, in the staff's words.
KIND_LABELS = {
    "claim_received": lazy_gettext("Claim received"),
    "documents_requested": lazy_gettext("Documents requested"),
    "documents_reminder": lazy_gettext("Reminder: documents still needed"),
    "documents_received": lazy_gettext("Documents received"),
    "review_started": lazy_gettext("Claim being examined"),
    "approved": lazy_gettext("Compensation granted"),
    "payment_failed": lazy_gettext("Payment did not go through"),
    "payment_retried": lazy_gettext("Payment to be made again"),
    "paid": lazy_gettext("Compensation paid"),
    "rejected": lazy_gettext("Rejected (reconsideration possible)"),
    "rejected_final": lazy_gettext("Rejected after reconsideration"),
    "reconsideration_started": lazy_gettext("Reconsideration started"),
    "closed_incomplete": lazy_gettext("Closed: documents did not come"),
    "claim_withdrawn": lazy_gettext("Claim withdrawn"),
    "contact_details_changed": lazy_gettext("Contact details changed"),
    "contact_details_changed_old": lazy_gettext("Contact details changed (to the old address)"),
    "bank_account_confirmed": lazy_gettext("New bank account confirmed"),
    "bank_account_refused": lazy_gettext("New bank account refused"),
    "service_level_digest": lazy_gettext("Service levels: daily digest to a supervisor"),
}
STATE_LABELS = {
    "queued": lazy_gettext("Queued"),
    "sending": lazy_gettext("Sending"),
    "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Failed, will retry"),
    "given_up": lazy_gettext("Given up"),
    "no_address": lazy_gettext("No e-mail address"),
}


@outbox_blueprint.after_request
def _no_store(response):
    """The outbox names claims and (masked) addresses: keep it out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


@outbox_blueprint.get("", endpoint="index")
@login_required
def index():
    """The outbox, newest first, filtered by state, with counts per state."""
    page = notifications_outbox.outbox(
        current_user._get_current_object(),
        utc_now(),
        state=request.args.get("state") or None,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "admin/outbox.html", outbox=page, kind_labels=KIND_LABELS, state_labels=STATE_LABELS
    )


@outbox_blueprint.post("/<int:notification_id>/retry", endpoint="retry")
@login_required
def retry(notification_id: int):
    """Queue a failed, given-up or interrupted message again; the worker sends it on its next round."""
    try:
        message = notifications_outbox.retry_notification(
            current_user._get_current_object(), notification_id, utc_now()
        )
    except Conflict as error:  # sent or taken meanwhile: say so on the outbox page
        flash(words(error.message))
    else:
        flash(
            gettext("Message %(id)s is queued again; the worker sends it on its next round.", id=message.id)
        )
    return redirect(url_for("outbox.index", state=request.form.get("return_state") or None))
