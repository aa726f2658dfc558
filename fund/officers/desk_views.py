"""The supervisor's desk and internal notes: pages beside the officers' worklist and claim page.

========================================  =====  ===========================================
/supervision                              GET    each officer's load; open tasks to assign
/supervision/tasks/<task_id>/assign       POST   give an open task to a named colleague
/supervision/service-levels               GET    claims breaching or about to breach a target
/claims/<reference>/notes                 POST   write an internal note on the claim
/claims/<reference>/messages              POST   answer the claimant (they read it on the portal)
/claims/<reference>/message-files/<id>    GET    a file of a message (logged as personal data)
========================================  =====  ===========================================

The services check roles (supervisor; the officers who work claims for notes) and four eyes.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.claims import claimant_messages, internal_notes, message_files
from fund.claims.claim_file import ClaimView
from fund.claims.personal_data import PERSONAL_DATA_ROLES
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.time import utc_now
from fund.common.wording import task_labels
from fund.models import User
from fund.officers import message_file_pages, service_levels, supervision
from fund.web.downloads import attachment
from fund.web.formatting import words

desk_blueprint = Blueprint("desk", __name__, template_folder="templates")


@desk_blueprint.after_request
def _no_store(response):
    """Pages naming claims and officers must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me() -> User:
    return current_user._get_current_object()


@desk_blueprint.get("/supervision", endpoint="supervision")
@login_required
def supervision_page():
    """Each officer's load by role, and the open tasks with a form to give each to a colleague."""
    return _supervision_page(request.args.get("role", ""), None, 200)


@desk_blueprint.get("/supervision/service-levels", endpoint="service_levels")
@login_required
def service_levels_page():
    """The claims past or near their decision and payment targets, and overdue tasks by role."""
    pages = {code: request.args.get(f"{code}_page", 1, type=int) for code in ("decision", "payment")}
    levels = service_levels.service_levels(_me(), utc_now(), pages)
    return render_template("supervision/service_levels.html", levels=levels)


def _supervision_page(role: str, problem: dict | None, status: int):
    user = _me()
    loads = supervision.officer_load(user)
    open_tasks = supervision.open_tasks_to_assign(user, role or None, limit=100)
    choices = supervision.colleagues_for(open_tasks)
    labels: dict[str, str] = {}
    for task in open_tasks:  # the worklist's names of the steps ("Review: torture")
        if task.name not in labels:
            labels.update(task_labels(supervision.process_of(task)))
    page = render_template(
        "supervision/index.html",
        loads=loads,
        roles=supervision.WORKING_ROLES,
        role=role if role in supervision.WORKING_ROLES else "",
        tasks=open_tasks,
        choices=choices,
        labels=labels,
        problem=problem,
    )
    return page, status


@desk_blueprint.post("/supervision/tasks/<task_id>/assign")
@login_required
def assign(task_id: str):
    """Give the task to the colleague chosen in the form; the page again with the reason if refused."""
    role = request.form.get("role", "")
    try:
        task = supervision.assign_task(_me(), task_id, request.form.get("assignee", ""), utc_now())
    except (Invalid, Conflict, NotFound) as error:
        problem = {"task_id": task_id, "message": words(error.message), "fields": error.fields}
        return _supervision_page(role, problem, error.http_status)
    flash(
        gettext(
            "The task '%(task)s' of claim %(reference)s is now %(name)s's.",
            task=words(task.title),
            reference=task.claim.reference,
            name=task.assignee,
        )
    )
    return redirect(url_for("desk.supervision", role=role or None))


@desk_blueprint.post("/claims/<reference>/notes")
@login_required
def add_note(reference: str):
    """Write an internal note on the claim; back to the claim page, at its history."""
    try:
        internal_notes.add_note(_me(), reference, request.form.get("note", ""), utc_now())
    except Invalid as error:
        flash(gettext("The note was not saved: it %(problem)s.", problem=error.fields["note"][0]))
    else:
        flash(gettext("Your internal note was added to the claim's history. The claimant never sees it."))
    return redirect(url_for("officer.claim", reference=reference) + "#history-title")


def note_panel(user: User, claim: ClaimView, now) -> Markup | None:
    """On the claim page: the form to write an internal note, for the officers who work claims."""
    if not user.has_role(*internal_notes.NOTE_ROLES):
        return None
    return Markup(
        render_template(
            "supervision/_note_form.html", reference=claim.reference, most=internal_notes.MAX_NOTE
        )
    )


@desk_blueprint.post("/claims/<reference>/messages")
@login_required
def answer_claimant(reference: str):
    """Send an answer to the claimant; back to the claim page at the messages, or the page again (422)
    with the problem beside the answer when it is empty or too long."""
    text = request.form.get("message", "")
    try:
        files = message_file_pages.chosen_files("files")
        claimant_messages.answer_claimant(_me(), reference, text, utc_now(), files)
    except Invalid as error:
        from fund.officers.views import claim_page_answer  # the claim page, drawn the officers' way

        g.message_problem = {
            "text": text[: claimant_messages.MAX_MESSAGE * 2],
            "problem": error.fields["message"][0]
            if "message" in error.fields
            else message_file_pages.file_problem(error.fields),
        }
        return claim_page_answer(reference, 422)
    flash(
        gettext(
            "Your answer was sent to the claimant. They read it on their claim's page and get an "
            "e-mail that a message is waiting."
        )
    )
    return redirect(url_for("officer.claim", reference=reference) + "#messages-title")


@desk_blueprint.get("/claims/<reference>/message-files/<int:file_id>")
@login_required
def message_file(reference: str, file_id: int):
    """Download a file attached to a message with the claimant (personal data: the download is logged)."""
    found = message_files.file_for_staff(_me(), reference, file_id, utc_now())
    return attachment(found.content, found.content_type, found.filename)


def messages_panel(user: User, claim: ClaimView, now) -> Markup | None:
    """On the claim page: the messages with the claimant (a logged view of personal data; an officer
    who works claims marks the claimant's messages read), and the form to answer them."""
    if not user.has_role(*claimant_messages.READ_ROLES):
        return None
    rows = claimant_messages.messages_for_staff(user, claim.reference, now)
    return Markup(
        render_template(
            "officer/_messages_panel.html",
            reference=claim.reference,
            messages=rows,
            may_answer=user.has_role(*claimant_messages.ANSWER_ROLES),
            may_open_files=user.has_role(*PERSONAL_DATA_ROLES),
            accept=message_file_pages.ACCEPT,
            most=claimant_messages.MAX_MESSAGE,
            problem=g.get("message_problem"),
        )
    )
