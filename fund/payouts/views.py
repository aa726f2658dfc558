"""Payout pages for finance officers: batches, building one, approving it (another officer), the
Treasury's files to download, and the Treasury's status file to upload.

Every view calls a service in ``fund.payouts.batches``, ``payment_register`` or
``payment_results``, which checks the finance role and the four-eyes rule. The register and the
pain.001 file are downloaded with a POST (with its CSRF token): the first download marks the
batch exported, and a link that changes things must not be followed by a prefetcher. Pages show
IBANs masked; the downloads carry them in full and are written to each claim's access log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from fund.claims.personal_data import mask_iban
from fund.common.errors import Conflict, Invalid
from fund.common.time import utc_now
from fund.payouts import batches as payout_batches
from fund.payouts.batches import CATEGORIES
from fund.payouts.register import RegisterFile, export_pain001, export_register_csv
from fund.payouts.results import STATUS_FILE_COLUMNS, import_payment_results
from fund.web.downloads import attachment
from fund.web.formatting import template_helpers, words

payouts_blueprint = Blueprint("payouts", __name__, template_folder="templates", url_prefix="/payouts")
payouts_blueprint.context_processor(template_helpers)

FIELD_LABELS = {
    "decided_from": lazy_gettext("Decided from"),
    "decided_to": lazy_gettext("Decided to"),
    "category": lazy_gettext("Category"),
    "status_file": lazy_gettext("Status file"),
    "claims": lazy_gettext("Claims"),
    "file": lazy_gettext("Status file"),
}


@payouts_blueprint.context_processor
def _payouts_context() -> dict:
    return {"field_labels": FIELD_LABELS, "categories": CATEGORIES, "mask_iban": mask_iban}


@payouts_blueprint.after_request
def _no_store(response):
    """Pages and files with claimants' accounts must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


@payouts_blueprint.get("", endpoint="index")
@login_required
def index():
    """Every payout batch, newest first, with its state and total."""
    return render_template("payouts/index.html", batches=payout_batches.list_payout_batches(_me()))


@payouts_blueprint.route("/new", methods=["GET", "POST"], endpoint="new_batch")
@login_required
def new_batch():
    """Build a batch from approved, unpaid claims chosen by decision date and category; the claims a
    build leaves out (an account that is not a valid IBAN) are listed with why.
    """
    me = _me()
    form = {name: request.form.get(name, "") for name in ("decided_from", "decided_to", "category")}
    errors: dict[str, list[str]] = {}
    refusal = ""
    status = 200
    if request.method == "POST":
        try:
            filters = payout_batches.parse_batch_filters(form)
            batch = payout_batches.build_payout_batch(me, filters, utc_now())
        except Invalid as error:
            errors, status = error.fields, 422
        except Conflict as error:
            refusal, errors, status = words(error.message), error.fields, 409
        else:
            flash(
                gettext(
                    "Batch %(reference)s was built: %(count)s payment(s). "
                    "Another finance officer must approve it.",
                    reference=batch.reference,
                    count=batch.payment_count,
                )
            )
            for reference, why in payout_batches.claims_left_out(me, filters):
                flash(gettext("Left out: %(reference)s: %(why)s.", reference=reference, why=words(why)))
            return redirect(url_for("payouts.batch", batch_id=batch.id))
    left_out = payout_batches.claims_left_out(me, payout_batches.BatchFilters())  # checks the role first
    page = render_template("payouts/new.html", form=form, errors=errors, refusal=refusal, left_out=left_out)
    return page, status


@payouts_blueprint.get("/<int:batch_id>", endpoint="batch")
@login_required
def batch_page(batch_id: int):
    """A batch: its payments, totals, who built and approved it, and what can be done next."""
    batch = payout_batches.get_payout_batch(_me(), batch_id)
    payments = payout_batches.batch_payments(batch)
    by_status: dict[str, list[int]] = {}
    for payment in payments:
        by_status.setdefault(payment.status, []).append(payment.amount_kzt)
    totals = {status: (len(amounts), sum(amounts)) for status, amounts in sorted(by_status.items())}
    return render_template("payouts/batch.html", batch=batch, payments=payments, totals=totals)


@payouts_blueprint.post("/<int:batch_id>/approve", endpoint="approve")
@login_required
def approve(batch_id: int):
    """Approve the batch (not its builder); every amount is checked against its claim first."""
    batch = payout_batches.approve_payout_batch(_me(), batch_id, utc_now())
    flash(
        gettext(
            "Batch %(reference)s is approved: its register and pain.001 file can be downloaded.",
            reference=batch.reference,
        )
    )
    return redirect(url_for("payouts.batch", batch_id=batch_id))


@payouts_blueprint.post("/<int:batch_id>/cancel", endpoint="cancel")
@login_required
def cancel(batch_id: int):
    """Cancel a batch not yet exported; its claims can go into another batch."""
    batch = payout_batches.cancel_payout_batch(_me(), batch_id, utc_now())
    flash(
        gettext(
            "Batch %(reference)s was cancelled; its claims can go into another batch.",
            reference=batch.reference,
        )
    )
    return redirect(url_for("payouts.batch", batch_id=batch_id))


@payouts_blueprint.post("/<int:batch_id>/register.csv", endpoint="register_csv")
@login_required
def register_csv(batch_id: int):
    """Download the payment register (CSV) of an approved batch; logged for each claim."""
    return _download(export_register_csv(_me(), batch_id, utc_now()))


@payouts_blueprint.post("/<int:batch_id>/pain001.xml", endpoint="pain001")
@login_required
def pain001(batch_id: int):
    """Download the ISO 20022 pain.001.001.09 file of an approved batch; logged for each claim."""
    return _download(export_pain001(_me(), batch_id, utc_now()))


@payouts_blueprint.route("/results", methods=["GET", "POST"], endpoint="results")
@login_required
def results():
    """Upload the Treasury's status file; the answer lists what was applied and what already was."""
    me = _me()
    errors: dict[str, list[str]] = {}
    report = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("status_file")
        try:
            content = upload.read() if upload is not None and upload.filename else b""
            report = import_payment_results(me, content, utc_now())
        except Invalid as error:
            errors, status = error.fields, 422
    else:
        payout_batches.authorize(me)  # before showing the form
    return render_template(
        "payouts/results.html", errors=errors, report=report, columns=STATUS_FILE_COLUMNS
    ), status


def _download(found: RegisterFile):
    return attachment(found.content, found.content_type, found.filename)
