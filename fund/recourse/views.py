"""Recourse (Art. 11) and the fund's ledger: the pages of finance officers and auditors.

Convictions (record one for a criminal case), the recourse cases with their outstanding balances
and a CSV of them, a case's page (offenders, debts, recovered payments, record a payment), and
the ledger (paid by category and month, recovered, outstanding) with its CSV. Every view calls a
service, which checks the roles; offenders' personal data follows
:mod:`fund.recourse.pages`.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.common.time import utc_now
from fund.common.wording import CATEGORY_LABELS, label
from fund.recourse import cases as recourse
from fund.recourse import ledger as ledger_service
from fund.recourse import pages as recourse_views
from fund.web import charts
from fund.web.formatting import day, month, template_helpers, tenge, words

recourse_blueprint = Blueprint("recourse", __name__, template_folder="templates")
recourse_blueprint.context_processor(template_helpers)

CONVICTION_LABELS = {
    "erdr_number": lazy_gettext("Case number (ERDR)"),
    "court": lazy_gettext("Court"),
    "verdict_date": lazy_gettext("Date of the verdict"),
    "verdict_number": lazy_gettext("Number of the verdict"),
    **{
        f"offenders-{i}-full_name": lazy_gettext("Offender %(number)s: full name", number=i + 1)
        for i in range(recourse.MAX_OFFENDERS)
    },
    **{
        f"offenders-{i}-iin": lazy_gettext("Offender %(number)s: IIN", number=i + 1)
        for i in range(recourse.MAX_OFFENDERS)
    },
}
RECOVERY_LABELS = {
    "debt_id": lazy_gettext("Offender who paid"),
    "amount_kzt": lazy_gettext("Amount (tenge)"),
    "received_on": lazy_gettext("Received on"),
    "treasury_reference": lazy_gettext("Treasury document"),
}
OFFENDER_ROWS = 5  # empty rows on the conviction form; more offenders: record a second time


@recourse_blueprint.after_request
def _no_store(response):
    """Offenders' data must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


def _csv(text: str, filename: str) -> Response:
    response = Response("\ufeff" + text, mimetype="text/csv")  # the BOM lets spreadsheets read UTF-8
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- convictions -----------------------------------------------------------------------------------


@recourse_blueprint.route("/recourse/convictions", methods=["GET", "POST"], endpoint="convictions")
@login_required
def convictions_page():
    """The recorded convictions; finance records a new one (and the recourse cases due open)."""
    me, now = _me(), utc_now()
    errors: dict[str, list[str]] = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        require_role(me, *recourse.RECORDING_ROLES)
        offenders = [
            recourse.OffenderInput(
                form.get(f"offenders-{i}-full_name", ""), form.get(f"offenders-{i}-iin", "")
            )
            for i in range(recourse.MAX_OFFENDERS)
        ]
        entered = recourse.ConvictionInput(
            erdr_number=form.get("erdr_number", ""),
            court=form.get("court", ""),
            verdict_date=form.get("verdict_date", ""),
            verdict_number=form.get("verdict_number", ""),
            offenders=offenders,
        )
        try:
            conviction = recourse.record_conviction(me, entered, now)
        except Invalid as error:
            errors = error.fields
        else:
            flash(
                gettext(
                    "The conviction in case %(erdr)s (%(count)s offender(s)) was recorded. "
                    "Recourse cases open for the case's paid claims.",
                    erdr=conviction.erdr_number,
                    count=len(conviction.offenders),
                )
            )
            return redirect(url_for("recourse.cases"))
    rows = recourse_views.convictions(me)
    return render_template(
        "recourse/convictions.html",
        rows=rows,
        form=form,
        errors=errors,
        field_labels=CONVICTION_LABELS,
        offender_rows=OFFENDER_ROWS,
        may_record=me.has_role(*recourse.RECORDING_ROLES),
    ), 422 if errors else 200


# --- recourse cases --------------------------------------------------------------------------------


@recourse_blueprint.get("/recourse", endpoint="cases")
@login_required
def cases_page():
    """The recourse cases with what was paid, recovered and is outstanding (the report)."""
    listing = recourse_views.recourse_cases(_me(), request.args.get("state", "open"))
    return render_template("recourse/cases.html", listing=listing)


@recourse_blueprint.get("/recourse/outstanding.csv", endpoint="outstanding_csv")
@login_required
def outstanding_csv():
    """The open recourse cases as CSV (columns in the README)."""
    now = utc_now()
    text = recourse_views.outstanding_csv(_me(), now)
    return _csv(text, f"outstanding-recourse-{now:%Y-%m-%d}.csv")


@recourse_blueprint.route("/recourse/cases/<reference>", methods=["GET", "POST"], endpoint="case")
@login_required
def case_page(reference: str):
    """A recourse case: offenders, debts, recovered payments; finance records a payment (POST)."""
    me, now = _me(), utc_now()
    errors: dict[str, list[str]] = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        entered = recourse.RecoveryInput(**{name: form.get(name, "") for name in RECOVERY_LABELS})
        try:
            payment = recourse.record_recovered_payment(me, reference, entered, now)
        except Invalid as error:
            errors = error.fields
        else:
            flash(
                gettext(
                    "%(amount)s tenge received on %(date)s was recorded.",
                    amount=tenge(payment.amount_kzt),
                    date=day(payment.received_on),
                )
            )
            return redirect(url_for("recourse.case", reference=reference))
    view = recourse_views.recourse_case_view(me, reference)
    return _case(view, form, errors)


@recourse_blueprint.post("/recourse/cases/<reference>/offenders", endpoint="reveal_offenders")
@login_required
def reveal_offenders(reference: str):
    """The case with the offenders' IINs shown (finance); written to the claim's access log."""
    return _case(recourse_views.reveal_offenders(_me(), reference, utc_now()), {}, {})


def _case(view: recourse_views.CaseView, form, errors: dict):
    return render_template(
        "recourse/case.html", case=view, form=form, errors=errors, field_labels=RECOVERY_LABELS
    ), 422 if errors else 200


# --- the ledger ------------------------------------------------------------------------------------


def ledger_chart(ledger: ledger_service.Ledger, months: int = 12) -> Markup:
    """Paid by month over the last ``months`` months (Almaty), as a server-drawn SVG bar chart."""
    return charts.horizontal_bar_chart(
        gettext("Paid by month, last %(months)s months", months=months),
        [(month(line.month), line.total.paid_kzt) for line in ledger.last_months(months)],
        unit=gettext("tenge paid"),
        chart_id="chart-ledger",
    )


@recourse_blueprint.get("/ledger", endpoint="ledger")
@login_required
def ledger_page():
    """The fund's ledger: paid by category and month, recovered, outstanding."""
    ledger = ledger_service.fund_ledger(_me(), utc_now())
    return render_template(
        "recourse/ledger.html",
        ledger=ledger,
        chart=ledger_chart(ledger),
        category_name=lambda code: (
            words(label(CATEGORY_LABELS, code)) if code != ledger_service.NO_CATEGORY else gettext("None")
        ),
    )


@recourse_blueprint.get("/ledger.csv", endpoint="ledger_csv")
@login_required
def ledger_csv():
    """The ledger as CSV (columns in the README)."""
    now = utc_now()
    return _csv(ledger_service.ledger_csv(_me(), now), f"fund-ledger-{now:%Y-%m-%d}.csv")


def dashboard_ledger_panel(user, now) -> Markup | None:
    """The ledger and its chart on the dashboard (a panel), for those who may read the ledger."""
    if not user.has_role(*ledger_service.LEDGER_ROLES):
        return None
    ledger = ledger_service.fund_ledger(user, now)
    return Markup(
        render_template("recourse/_dashboard_ledger.html", ledger=ledger, ledger_chart=ledger_chart(ledger))
    )


def claim_recourse_panel(user, claim, now) -> Markup | None:
    """The recourse panel of a claim's page (officers' and auditors'), once the claim has a case.

    Whoever may open the claim's page sees it: offenders by initials only.
    """
    recourse = recourse_views.claim_recourse_of(claim.reference)
    if recourse is None:
        return None
    return Markup(render_template("recourse/_claim_panel.html", recourse=recourse, claim=claim))
