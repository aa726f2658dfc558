"""The officers' pages: the worklist, task pages with their generated forms, and the claim page.

Every view calls a service, which checks the user's roles (and four eyes, and who holds a task);
the templates only decide what to show. Pages that show a claim are never cached, and personal
data is shown unmasked only in the answer to a POST that the access log records.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fund.claims import claim_file, tasks
from fund.claims import personal_data as personal_data_service
from fund.claims.prior_claims import CompensationRefused
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.time import utc_now
from fund.common.wording import CATEGORY_LABELS, STATUS_LABELS, label
from fund.models import ROLES
from fund.officers import assignment, task_page, worklist
from fund.web import forms
from fund.web.downloads import attachment
from fund.web.panels import CLAIM_PAGE, panels

officer_blueprint = Blueprint("officer", __name__, template_folder="templates")


@officer_blueprint.after_request
def _no_store(response):
    """Claim data must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@officer_blueprint.context_processor
def _labels():
    return {"category_labels": CATEGORY_LABELS}


def _me():
    """The signed-in user itself (services get a User, not Flask-Login's proxy)."""
    return current_user._get_current_object()


def _back(default: str) -> str:
    """The page a take/release form came from, if it is on this site; ``default`` otherwise."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


# --- worklist --------------------------------------------------------------------------------------


@officer_blueprint.get("/worklist", endpoint="worklist")
@login_required
def worklist_page():
    """Ready tasks for the signed-in officer's roles: filter, sort, page, take and release."""
    args = request.args
    filters = worklist.WorklistFilters(
        category=args.get("category", ""),
        task=args.get("task", ""),
        assigned=args.get("assigned", ""),
        sort=args.get("sort", "oldest"),
        after=args.get("after", ""),
        before=args.get("before", ""),
        per_page=args.get("per_page", worklist.PAGE_SIZES[0], type=int),
        page=args.get("page", 1, type=int),
    )
    page = worklist.worklist(_me(), filters, utc_now())
    shown = page.filters
    keep = {  # the filters that links to other pages carry on
        name: value
        for name, value in (
            ("category", shown.category),
            ("task", shown.task),
            ("assigned", shown.assigned),
            ("sort", shown.sort),
            ("per_page", shown.per_page),
        )
        if value and (name, value) not in (("sort", "oldest"), ("per_page", worklist.PAGE_SIZES[0]))
    }
    return render_template(
        "officer/worklist.html",
        page=page,
        keep=keep,
        sort_orders=worklist.SORT_ORDERS,
        assignment_filters=worklist.ASSIGNMENT_FILTERS,
        page_sizes=worklist.PAGE_SIZES,
    )


@officer_blueprint.post("/tasks/<task_id>/take")
@login_required
def take(task_id: str):
    """Take a task: colleagues see it is being worked by you."""
    task = assignment.take_task(_me(), task_id, utc_now())
    flash(f"You took the task '{task.title}' of claim {task.claim.reference}. Colleagues see it is yours.")
    return redirect(_back(url_for("officer.task", task_id=task_id)))


@officer_blueprint.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    """Give a task you took back to the worklist."""
    task = assignment.release_task(_me(), task_id)
    flash(f"You released the task '{task.title}' of claim {task.claim.reference}.")
    return redirect(_back(url_for("officer.worklist")))


# --- task page -------------------------------------------------------------------------------------


@officer_blueprint.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str):
    """A task's form, generated from its JSON Schema, beside the claim; POST completes the task."""
    now = utc_now()
    view = task_page.task_view(_me(), task_id, now)
    if request.method == "GET":
        if view.closed:
            return _task_closed(view.claim.reference, view.closed, 200, "This task is closed")
        return _task_page(view, {}, {}, 200)

    data = forms.parse_form(view.form, request.form)
    try:
        assignment.ensure_may_complete(_me(), task_id)
        completed = tasks.complete_task(_me(), task_id, data, now)
    except Invalid as error:
        return _task_page(view, data, error.fields, 422)
    except CompensationRefused as error:  # the task is still open: the officer chooses again
        return _task_page(view, data, {}, 409, refusal=error.message)
    except Conflict as error:
        return _task_closed(view.claim.reference, error.message, 409, "Not saved: the task has changed")
    flash(
        f"Done: '{view.label}' for claim {completed.reference}. "
        f"The claim is now: {label(STATUS_LABELS, completed.status)}."
    )
    return redirect(url_for("officer.worklist"))


def _task_page(view: task_page.TaskView, values: dict, errors: dict, status: int, refusal: str | None = None):
    fields = forms.build_fields(view.form, values, errors)
    return render_template(
        "officer/task.html",
        view=view,
        claim=view.claim,
        fields=fields,
        form_problems=forms.form_errors(view.form, errors),
        has_errors=bool(errors),
        refusal=refusal,
    ), status


def _task_closed(reference: str, message: str, status: int, heading: str):
    page = render_template("officer/task_closed.html", reference=reference, message=message, heading=heading)
    return page, status


# --- claim page ------------------------------------------------------------------------------------


@officer_blueprint.get("/claims")
@login_required
def find_claim():
    """Find a claim by its reference (a form that works without JavaScript)."""
    reference = request.args.get("reference", "").strip().upper()
    error = None
    require_role(_me(), *ROLES)
    if reference:
        try:
            get_claim(_me(), reference)
        except NotFound:
            error = f"There is no claim {reference}. A reference looks like VCF-2026-000123."
        else:
            return redirect(url_for("officer.claim", reference=reference))
    return render_template("officer/find_claim.html", reference=reference, error=error), 404 if error else 200


@officer_blueprint.get("/claims/<reference>")
@login_required
def claim(reference: str):
    """A claim: details with personal data masked, documents, letters, history and diagram."""
    now = utc_now()
    view = claim_file.claim_view(_me(), reference, now)
    return _claim_page(view, now)


def _claim_page(view: claim_file.ClaimView, now):
    added_panels = panels(CLAIM_PAGE, _me(), view, now)  # e.g. recourse, once the claim has a case
    return render_template("officer/claim.html", claim=view, added_panels=added_panels)


@officer_blueprint.post("/claims/<reference>/personal-data")
@login_required
def personal_data(reference: str):
    """The claim with personal data shown, for roles that need it; written to the access log."""
    now = utc_now()
    view = claim_file.reveal_personal_data(_me(), reference, now)
    return _claim_page(view, now)


@officer_blueprint.get("/claims/<reference>/documents/<int:document_id>")
@login_required
def document(reference: str, document_id: int):
    """Download a document of the claim (personal data: the download is logged)."""
    found = personal_data_service.open_document(_me(), reference, document_id, utc_now())
    return _download(found)


@officer_blueprint.get("/claims/<reference>/letters/<int:letter_id>.pdf")
@login_required
def letter(reference: str, letter_id: int):
    """Download an issued letter's PDF (personal data: the download is logged)."""
    found = personal_data_service.open_letter(_me(), reference, letter_id, utc_now())
    return _download(found)


def _download(found: personal_data_service.DownloadedFile):
    return attachment(found.content, found.content_type, found.filename)


# --- template helpers ------------------------------------------------------------------------------


@officer_blueprint.app_template_filter("almaty_time")
def almaty_time(moment) -> str:
    """A stored UTC time as people in the fund read it: Almaty, day.month.year hours:minutes."""
    if moment is None:
        return ""
    from workflows.scripting import FUND_TIME_ZONE

    return moment.astimezone(FUND_TIME_ZONE).strftime("%d.%m.%Y %H:%M")


@officer_blueprint.app_template_filter("almaty_date")
def almaty_date(moment) -> str:
    if moment is None:
        return ""
    from workflows.scripting import FUND_TIME_ZONE

    return moment.astimezone(FUND_TIME_ZONE).strftime("%d.%m.%Y")


@officer_blueprint.app_template_filter("tenge")
def tenge(amount) -> str:
    """173000 -> "173,000" (money is whole tenge)."""
    return "" if amount is None else f"{int(amount):,}"


@officer_blueprint.app_template_filter("age")
def age(delta: timedelta) -> str:
    """How long a task has waited, in the largest unit that says it."""
    if delta.days >= 1:
        return f"{delta.days} day{'s' if delta.days != 1 else ''}"
    hours = delta.seconds // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "under an hour"
