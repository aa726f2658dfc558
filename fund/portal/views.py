"""The claimant portal: apply, follow the claim, send documents, ask for reconsideration.

In Kazakh, Russian and English (``portal_i18n``), with no personal data in any address: the draft
of an application and the signed-in claim live in the session. Signing in takes the claim's
reference and access code (POST); a wrong reference and a wrong code get the same answer, and the
portal service locks a reference after repeated failures. Each claimant sees only their own claim:
every page asks the portal service with the session's claim, never with an id from the address.
Pages are never cached. The submission steps are in ``portal_submission``.
"""

from __future__ import annotations

import logging
from io import BytesIO

from flask import (
    Flask,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fund import portal as portal_service
from fund.common.errors import Invalid, ServiceError
from fund.common.time import fund_date
from fund.portal import (
    apply_views,  # noqa: F401  (the application steps: their routes are on the same blueprint)
    contacts,  # noqa: F401  (how to reach the fund: the contacts page and every page's footer)
    crisis_help,  # noqa: F401  (help from a crisis centre, if wanted: its route is on the same blueprint)
    lost_code_views,  # noqa: F401  (a lost access code: its routes are on the same blueprint)
    messages,
    own_details,  # noqa: F401  (the claimant's own details: their routes are on the same blueprint)
    sent_documents,
    words,
)
from fund.portal.guard import current_claimant, forget_claimant, init_session, remember_claimant
from fund.portal.pages import claimant_now, portal_blueprint, portal_date, render_portal
from fund.portal.requests import REASON_MAX, REASON_MIN
from fund.portal.uploads import (
    ACCEPT,
    SLOTS_AT_SUBMISSION,
    attached_files,
    document_codes,
    files_for_requested,
    files_with_chosen_kinds,
    max_file_mb,
)
from fund.web.rate_limits import limited

log = logging.getLogger(__name__)


def init_portal(app: Flask) -> None:
    """Bind the claimant's session, register the portal and its kind 429 page (languages: fund.web)."""
    init_session(app)
    app.register_blueprint(portal_blueprint)
    app.register_error_handler(429, _too_many_requests)


# --- errors --------------------------------------------------------------------------------------


def _portal_error(status: int, message: str):
    return render_portal("portal/error.html", status, status=status, message=message)


@portal_blueprint.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    if isinstance(error, portal_service.PortalLocked):
        return _locked(error)
    if error.http_status == 401:  # the session's claim is gone or its access code was replaced
        forget_claimant()
        return redirect(url_for("portal.sign_in"), code=303)
    if error.http_status == 404:
        return _portal_error(404, gettext("We could not find this page. It may belong to another claim."))
    if error.http_status == 409:
        return _portal_error(
            409,
            gettext("This can no longer be done: your claim has moved on. Please look at its status again."),
        )
    log.info("portal refused %s: %s %s", request.path, error.code, error.message)
    return _portal_error(error.http_status, gettext("This could not be done. Please check and try again."))


@portal_blueprint.errorhandler(CSRFError)
def _form_expired(error: CSRFError):
    return _portal_error(
        400,
        gettext("The form expired or was sent from another site. Go back, reload the page and try again."),
    )


@portal_blueprint.errorhandler(404)
def _not_found(error: HTTPException):
    return _portal_error(404, gettext("There is no such page."))


@portal_blueprint.errorhandler(413)
def _too_large(error: HTTPException):
    return _portal_error(413, words.error_text("too_large", limit=max_file_mb()))


def _too_many_requests(error: HTTPException):
    """Too many attempts from this address: a calm page in the claimant's language."""
    return render_portal("portal/too_many.html", 429, locked_until=None)


def _locked(error):
    until = format_datetime(error.locked_until, "short") if getattr(error, "locked_until", None) else None
    return render_portal("portal/too_many.html", 429, locked_until=until)


# --- landing, sign-in, sign-out ------------------------------------------------------------------


@portal_blueprint.get("/portal", endpoint="index")
def index():
    """What the Fund pays, who may apply, and the two ways in: apply, or follow a claim."""
    return render_portal("portal/index.html")


@portal_blueprint.get("/portal/privacy", endpoint="privacy")
def privacy():
    """The privacy notice: what personal data the Fund keeps, why, who sees it, and the claimant's rights."""
    return render_portal("portal/privacy.html")


@portal_blueprint.get("/portal/accessibility", endpoint="accessibility")
def accessibility():
    """The accessibility statement: what was tested, the known limits, how to ask for help."""
    return render_portal("portal/accessibility.html")


@portal_blueprint.route("/portal/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@limited("FUND_RATELIMIT_PORTAL_SIGN_IN")
def sign_in():
    """Follow a claim: its reference and access code, sent by POST only."""
    if request.method == "GET":
        return render_portal("portal/sign_in.html", reference="", error=None)
    reference = request.form.get("reference", "")[:40]
    access_code = request.form.get("access_code", "")[:40]
    now = claimant_now()
    try:
        portal_session = portal_service.sign_in_claimant(reference, access_code, now)
    except portal_service.PortalSignInRefused:
        message = gettext(
            "We could not find a claim with this reference and access code. Please check both and try again."
        )
        return render_portal("portal/sign_in.html", 401, reference=reference.strip(), error=message)
    remember_claimant(portal_session, now)
    return redirect(url_for("portal.status"), code=303)


@portal_blueprint.post("/portal/sign-out", endpoint="sign_out")
def sign_out():
    """End the claimant's portal session."""
    forget_claimant()
    return redirect(url_for("portal.index"), code=303)


def _session_or_sign_in():
    portal_session = current_claimant(claimant_now())
    if portal_session is None:
        return None, redirect(url_for("portal.sign_in"), code=303)
    return portal_session, None


# --- the claim -----------------------------------------------------------------------------------


def _status_page(
    portal_session, status: int = 200, errors: dict | None = None, notice: str = "", message_text: str = ""
):
    now = claimant_now()
    view = portal_service.claimant_view(portal_session, now)
    return render_portal(
        "portal/status.html",
        status,
        view=view,
        today=fund_date(now),
        errors=errors or {},
        notice=notice,
        accept=ACCEPT,
        max_file_mb=max_file_mb(),
        reason_max=REASON_MAX,
        message_max=messages.MAX_MESSAGE,
        message_text=message_text,
        sent=sent_documents,  # the documents section: what was sent, sizes, why it is closed
        # The kinds to choose from, for the upload form while intake's check is to come (read only then).
        document_codes=document_codes() if view.can_upload and not view.requested_documents else (),
        slots=range(1, SLOTS_AT_SUBMISSION + 1),
    )


@portal_blueprint.get("/portal/status", endpoint="status")
def status():
    """The claim's status in plain words, what happens next, letters, requested documents."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    notice = request.args.get("done", "")
    notices = {
        "uploaded": gettext("Thank you. We have received your documents."),
        "reconsideration": gettext(
            "Thank you. Your request has been sent; another officer will look at the claim."
        ),
        "message": gettext("Thank you. Your message has been sent to the Fund."),
        "details": gettext("Your contact details have been changed."),
        "bank_account": gettext(
            "Your request has been sent. An officer of the Fund will check the new account."
        ),
        "withdrawn": gettext("Your claim has been withdrawn. We have sent you a confirmation by e-mail."),
    }
    return _status_page(portal_session, notice=notices.get(notice, ""))


@portal_blueprint.get("/portal/letters/<int:letter_id>", endpoint="letter")
def letter(letter_id: int):
    """One of the claim's letters, as PDF (only a letter of the signed-in claim)."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    filename, pdf = portal_service.claimant_letter(portal_session, letter_id)
    response = send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@portal_blueprint.post("/portal/documents", endpoint="documents")
@limited("FUND_RATELIMIT_PORTAL_UPLOAD")
def documents():
    """Send requested documents (PDF, JPEG or PNG); the process then checks the claim again."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    now = claimant_now()
    view = portal_service.claimant_view(portal_session, now)
    if not view.can_upload:  # the page says why (the claim is closed) and how to reach the fund
        return _status_page(portal_session, 409)
    if view.requested_documents:
        files, errors = files_for_requested(list(view.requested_documents))
    else:  # intake's check is to come: more documents join it, each with the kind chosen
        files, errors = files_with_chosen_kinds(SLOTS_AT_SUBMISSION)
    if not files and not errors:
        errors = {"files": ["required"]}
    if errors:
        return _status_page(portal_session, 422, errors=errors)
    try:
        portal_service.upload_documents(portal_session, files, now)
    except Invalid as refused:  # the service's own checks, e.g. too many files at once
        problems = [problem for found in refused.fields.values() for problem in found]
        return _status_page(portal_session, 422, errors={"files": problems})
    return redirect(url_for("portal.status", done="uploaded") + "#documents", code=303)


@portal_blueprint.post("/portal/reconsideration", endpoint="reconsideration")
def reconsideration():
    """Ask for the rejection to be looked at again, while the 30 days are open."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    reason = request.form.get("reason", "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return _status_page(portal_session, 422, errors={"reason": ["reason_length"]})
    portal_service.request_reconsideration(portal_session, reason, claimant_now())
    return redirect(url_for("portal.status", done="reconsideration"), code=303)


@portal_blueprint.post("/portal/messages", endpoint="message")
def message():
    """Write to the fund about the claim: a message of up to 4,000 characters, read by its officers."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    text = request.form.get("message", "")
    files, problems = attached_files("message_files")
    try:
        if problems:
            raise Invalid("the files were not accepted", problems)
        messages.write_to_fund(portal_session, text, claimant_now(), files)
    except Invalid as refused:
        errors = {  # the service names files by their place; the page has one input for them all
            ("message_files" if name.startswith("files") else name): found
            for name, found in refused.fields.items()
        }
        return _status_page(portal_session, 422, errors=errors, message_text=text[: messages.MAX_MESSAGE * 2])
    return redirect(url_for("portal.status", done="message") + "#messages", code=303)


@portal_blueprint.get("/portal/messages/files/<int:file_id>", endpoint="message_file")
def message_file(file_id: int):
    """A file attached to a message of the signed-in claim (theirs or the fund's), as a download."""
    portal_session, sign_in_first = _session_or_sign_in()
    if sign_in_first:
        return sign_in_first
    found = messages.message_file(portal_session, file_id)
    response = send_file(
        BytesIO(found.content), mimetype=found.content_type, as_attachment=True, download_name=found.filename
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def today_in_almaty() -> str:
    """Today's date in the page's language (for the printable pages)."""
    return portal_date(fund_date(claimant_now()))
