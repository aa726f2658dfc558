"""The officers' pages: the worklist, task pages with their generated forms, and the claim page.

Every view calls a service, which checks the user's roles (and four eyes, and who holds a task);
the templates only decide what to show. Pages that show a claim are never cached, and personal
data is shown unmasked only in the answer to a POST that the access log records.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from fund.claims import claim_file, claimant_requests, late_documents, paper_claims, tasks
from fund.claims import personal_data as personal_data_service
from fund.claims.prior_claims import CompensationRefused
from fund.common.errors import Conflict, Forbidden, Invalid
from fund.common.time import utc_now
from fund.officers import assignment, paper_claim_page, search, task_page, worklist
from fund.web import forms
from fund.web.downloads import attachment, inline
from fund.web.formatting import category_labels, status_label, words
from fund.web.panels import CLAIM_PAGE, panels

officer_blueprint = Blueprint("officer", __name__, template_folder="templates")


@officer_blueprint.after_request
def _no_store(response):
    """Claim data must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@officer_blueprint.context_processor
def _labels():
    return {"category_labels": category_labels()}


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
        late_documents=late_documents.claims_with_unseen_documents(_me()),  # received after a decision
        bank_account_requests=claimant_requests.worklist_bank_requests(_me()),  # new accounts to check
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
    flash(
        gettext(
            "You took the task '%(task)s' of claim %(reference)s. Colleagues see it is yours.",
            task=words(task.title),
            reference=task.claim.reference,
        )
    )
    return redirect(_back(url_for("officer.task", task_id=task_id)))


@officer_blueprint.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    """Give a task you took back to the worklist."""
    task = assignment.release_task(_me(), task_id)
    flash(
        gettext(
            "You released the task '%(task)s' of claim %(reference)s.",
            task=words(task.title),
            reference=task.claim.reference,
        )
    )
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
            return _task_closed(view.claim.reference, words(view.closed), 200, gettext("This task is closed"))
        return _task_page(view, {}, {}, 200)

    data = forms.parse_form(view.form, request.form)
    try:
        assignment.ensure_may_complete(_me(), task_id)
        completed = tasks.complete_task(_me(), task_id, data, now)
    except Invalid as error:
        return _task_page(view, data, error.fields, 422)
    except CompensationRefused as error:  # the task is still open: the officer chooses again
        return _task_page(view, data, {}, 409, refusal=words(error.message))
    except Conflict as error:
        return _task_closed(
            view.claim.reference, words(error.message), 409, gettext("Not saved: the task has changed")
        )
    flash(
        gettext(
            "Done: '%(task)s' for claim %(reference)s. The claim is now: %(status)s.",
            task=words(view.label),
            reference=completed.reference,
            status=status_label(completed.status),
        )
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


# --- paper and walk-in claims (intake) -------------------------------------------------------------

REGISTERED_KEY = "paper_claim_registered"  # the new claim's reference and access code, until shown


@officer_blueprint.route("/claims/new", methods=["GET", "POST"], endpoint="register_paper_claim")
@login_required
def register_paper_claim():
    """Intake registers a paper or walk-in claim: one form with the scanned application and documents."""
    paper_claims.require_intake(_me())  # the form is intake's; the service checks again when it is sent
    if request.method == "GET":
        return _paper_claim_form({}, {}, 200)
    application, slots = paper_claim_page.paper_application(request.form, request.files)
    try:
        submitted = paper_claims.register_paper_claim(_me(), application, utc_now())
    except Invalid as error:
        errors = paper_claim_page.field_errors(error.fields, slots)
        return _paper_claim_form(paper_claim_page.answers_of(request.form), errors, 422)
    session[REGISTERED_KEY] = {"reference": submitted.reference, "access_code": submitted.access_code}
    return redirect(url_for("officer.paper_claim_registered", reference=submitted.reference), code=303)


def _paper_claim_form(answers: dict, errors: dict, status: int):
    page = render_template(
        "officer/paper_claim.html",
        answers=answers,
        errors=errors,
        labels=paper_claim_page.labels(),
        label_of=paper_claim_page.label_of,
        choices=paper_claim_page.choices(),
    )
    return page, status


@officer_blueprint.get("/claims/<reference>/registered", endpoint="paper_claim_registered")
@login_required
def paper_claim_registered(reference: str):
    """The acknowledgement to print for the claimant; the access code only once, right after registering."""
    receipt = paper_claims.paper_claim_receipt(_me(), reference)
    registered = session.pop(REGISTERED_KEY, None) or {}
    access_code = registered.get("access_code") if registered.get("reference") == receipt.reference else None
    slip = paper_claim_page.acknowledgement_slip(receipt, access_code)
    return render_template(
        "officer/paper_claim_registered.html", receipt=receipt, access_code=access_code, slip=slip
    )


# --- claim page ------------------------------------------------------------------------------------


@officer_blueprint.get("/claims")
@login_required
def find_claim():
    """Find a claim: one box (reference, IIN, name, ERDR number or phone) and filters, paged.

    A whole reference opens its claim; ``?reference=`` (the earlier form) is read as the box.
    """
    args = request.args
    text = args.get("q", args.get("reference", ""))[:200]
    fields: dict[str, list[str]] = {}
    dates = {}
    for name in ("from", "to"):
        try:
            dates[name] = search.read_day(args.get(name), name)
        except Invalid as error:
            fields.update(error.fields)
            dates[name] = None
    wanted = search.ClaimSearch(
        text=text,
        status=args.get("status", "")[:40],
        category=args.get("category", "")[:40],
        task=args.get("task", "")[:120],
        officer=args.get("officer", "")[:120],
        submitted_from=dates["from"],
        submitted_to=dates["to"],
        after=args.get("after", "")[:80],
        before=args.get("before", "")[:80],
        page=min(max(1, args.get("page", 1, type=int)), 10**6),
    )
    status, results = 200, None
    try:
        if fields:
            raise Invalid(search.SEARCH_HAS_ERRORS, fields)
        results = search.search_claims(_me(), wanted, utc_now())
    except Invalid as error:
        status, fields = 422, error.fields
    except Forbidden as error:
        if error.message != search.NOT_YOUR_SEARCH:
            raise
        status, fields = 403, error.fields
    if results is not None and results.query is not None and results.query.kind == "reference":
        if results.rows:
            return redirect(url_for("officer.claim", reference=results.query.value))
        if wanted == search.ClaimSearch(text=text):  # the reference alone, and no such claim
            status = 404
            fields = {"q": [gettext("There is no claim %(reference)s.", reference=results.query.value)]}
    keep = {
        key: value
        for key, value in (
            ("q", text.strip()),
            ("status", wanted.status),
            ("category", wanted.category),
            ("task", wanted.task),
            ("officer", wanted.officer.strip()),
            ("from", args.get("from", "").strip()),
            ("to", args.get("to", "").strip()),
        )
        if value
    }
    return render_template(
        "officer/search.html",
        results=results,
        wanted=wanted,
        keep=keep,
        errors=fields,
        statuses={code: status_label(code) for code in search.STATUS_CODES},
        task_choices=search.task_choices(),
    ), status


@officer_blueprint.get("/claims/<reference>")
@login_required
def claim(reference: str):
    """A claim: details with personal data masked, documents, letters, history and diagram."""
    now = utc_now()
    view = claim_file.claim_view(_me(), reference, now)
    return _claim_page(view, now)


def claim_page_answer(reference: str, status: int):
    """The claim page (personal data masked) with ``status``: for a form on it that was refused."""
    now = utc_now()
    page = _claim_page(claim_file.claim_view(_me(), reference, now), now)
    return page, status


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


@officer_blueprint.get("/claims/<reference>/documents/<int:document_id>/view")
@login_required
def view_document(reference: str, document_id: int):
    """A document shown in the page (a PDF or an image), with a link to download it."""
    details = personal_data_service.document_details(_me(), reference, document_id)
    return render_template("officer/document.html", document=details)


@officer_blueprint.get("/claims/<reference>/documents/<int:document_id>/inline")
@login_required
def document_inline(reference: str, document_id: int):
    """The file the document page shows: inline if it is a PDF or an image, else a download.

    Logged like a download. Sandboxed and never sniffed (fund.web.downloads.inline).
    """
    found = personal_data_service.open_document(_me(), reference, document_id, utc_now(), viewing=True)
    if not found.viewable:
        return _download(found)
    return inline(found.content, found.content_type, found.filename)


@officer_blueprint.get("/claims/<reference>/letters/<int:letter_id>.pdf")
@login_required
def letter(reference: str, letter_id: int):
    """Download an issued letter's PDF (personal data: the download is logged)."""
    found = personal_data_service.open_letter(_me(), reference, letter_id, utc_now())
    return _download(found)


def _download(found: personal_data_service.DownloadedFile):
    return attachment(found.content, found.content_type, found.filename)
