"""Applying through the portal: five short steps, a draft kept on the server side, then the claim.

Steps: who you are, the criminal case, contact and bank account, consent, check and send. Each
step's answers go into a draft in the session (never into the address), whether they are right
or not, so Back, Next and the language switch never lose them. The rules are the submission
schema's (``fund/claims/submission_schema.py``): every step runs the whole draft through it
and shows the errors of its own fields. The three-year deadline is explained, not enforced: a
claimant whose deadline passed says a court restored it, or sends the claim anyway for an officer to decide.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, request, session, url_for
from marshmallow import ValidationError

from fund import portal as portal_service
from fund.claims.submission import submit_claim
from fund.claims.submission_messages import HARMS, ROLES
from fund.claims.submission_schema import ClaimSubmissionSchema, validation_errors_to_fields
from fund.common.errors import Invalid
from fund.common.time import fund_date, utc_now
from fund.portal.guard import current_claimant, remember_claimant
from fund.portal.i18n import PORTAL_LANGUAGES, claimant_language
from fund.portal.pages import claimant_now, portal_blueprint, render_portal
from fund.portal.uploads import (
    ACCEPT,
    SLOTS_AT_SUBMISSION,
    document_codes,
    files_with_chosen_kinds,
    max_file_mb,
)
from fund.web.rate_limits import limited
from workflows.scripting import add_years

DRAFT_KEY = "portal_draft"
NEW_CLAIM_KEY = "portal_new_claim"
DEADLINE_YEARS = (
    3  # bpmn/eligibility.dmn: submitted_on <= add_years(recognized_on, 3), unless a court restored it
)
DEADLINE_CHOICES = ("restored", "officer")

VICTIM_FIELDS = ("victim.full_name", "victim.iin", "victim.birth_date")
STEPS: dict[str, tuple[str, ...]] = {
    "who": ("role", "claimant.full_name", "claimant.iin", "claimant.birth_date", "victim", *VICTIM_FIELDS),
    "case": (
        "crime.erdr_number",
        "crime.article",
        "crime.part",
        "crime.committed_on",
        "crime.recognized_on",
        "crime.harm",
        "deadline_choice",
    ),
    "contact": ("claimant.phone", "claimant.email", "claimant.language", "claimant.iban"),
    "consent": ("consent",),
    "check": (),
}
STEP_NAMES = tuple(STEPS)


def _draft() -> dict[str, str]:
    draft = session.get(DRAFT_KEY)
    return dict(draft) if isinstance(draft, dict) else {}


def _save_answers(step: str) -> dict[str, str]:
    """Keep this step's answers in the draft, as typed (trimmed, at most 300 characters each)."""
    draft = _draft()
    for name in STEPS[step]:
        if name == "consent":
            draft[name] = "yes" if request.form.get(name) == "yes" else ""
        elif name != "victim":
            draft[name] = request.form.get(name, "").strip()[:300]
    session[DRAFT_KEY] = draft
    return draft


def _part(value: str) -> Any:
    return int(value) if value.isdigit() and len(value) < 4 else value


def submission_body(draft: dict[str, str]) -> dict[str, Any]:
    """The draft as the submission schema (and the JSON API) takes it."""
    body: dict[str, Any] = {
        "claimant": {
            "full_name": draft.get("claimant.full_name", ""),
            "iin": draft.get("claimant.iin", ""),
            "birth_date": draft.get("claimant.birth_date", ""),
            "phone": draft.get("claimant.phone", ""),
            "email": draft.get("claimant.email", ""),
            "language": draft.get("claimant.language") or claimant_language(),
            "iban": draft.get("claimant.iban", ""),
        },
        "role": draft.get("role", ""),
        "crime": {
            "erdr_number": draft.get("crime.erdr_number", ""),
            "article": draft.get("crime.article", ""),
            "part": _part(draft.get("crime.part", "")),
            "committed_on": draft.get("crime.committed_on", ""),
            "recognized_on": draft.get("crime.recognized_on", ""),
            "harm": draft.get("crime.harm", ""),
            "deadline_restored_by_court": draft.get("deadline_choice") == "restored",
        },
        "consent": draft.get("consent") == "yes",
    }
    if draft.get("role") != "victim":
        body["victim"] = {name.split(".")[1]: draft.get(name, "") for name in VICTIM_FIELDS}
    # An unanswered question is missing, not wrong: the schema then says "required" (e-mail may be empty).
    for block in ("claimant", "crime", "victim"):
        if block in body:
            body[block] = {key: value for key, value in body[block].items() if value != "" or key == "email"}
    if not body["role"]:
        del body["role"]
    return body


def _schema_errors(draft: dict[str, str], today: date) -> dict[str, list[str]]:
    try:
        ClaimSubmissionSchema(today=today).load(submission_body(draft))
    except ValidationError as error:
        return validation_errors_to_fields(error)
    return {}


def deadline_passed(draft: dict[str, str], today: date) -> bool:
    """True when the claim comes more than three years after the recognition as a victim."""
    deadline = _deadline_until(draft)
    return deadline is not None and today > deadline


def _step_errors(step: str, draft: dict[str, str], today: date) -> dict[str, list[str]]:
    errors = {
        path: problems for path, problems in _schema_errors(draft, today).items() if path in STEPS[step]
    }
    if (
        step == "case"
        and deadline_passed(draft, today)
        and draft.get("deadline_choice") not in DEADLINE_CHOICES
    ):
        errors["deadline_choice"] = ["deadline_choice"]
    return errors


def _render_step(step: str, draft: dict[str, str], errors: dict[str, list[str]], status: int = 200):
    today = fund_date(utc_now())
    return render_portal(
        f"portal/apply_{step}.html",
        status,
        step=step,
        step_number=STEP_NAMES.index(step) + 1,
        step_count=len(STEP_NAMES),
        draft=draft,
        errors=errors,
        roles=ROLES,
        harms=HARMS,
        languages=PORTAL_LANGUAGES,
        today=today.isoformat(),
        deadline_passed=deadline_passed(draft, today),
        deadline_until=_deadline_until(draft),
        document_codes=document_codes(),
        slots=range(1, SLOTS_AT_SUBMISSION + 1),
        accept=ACCEPT,
        max_file_mb=max_file_mb(),
    )


def _deadline_until(draft: dict[str, str]) -> date | None:
    """The last day of the three years, or None when the recognition date is not a date.

    None too when the three years would end after 9999-12-31, the calendar's last day (the
    date is then in the future, and the schema says so): ``add_years`` cannot name that day.
    """
    try:
        return add_years(date.fromisoformat(draft.get("crime.recognized_on", "")), DEADLINE_YEARS)
    except ValueError:  # not a date, or a year past 9999
        return None


def _first_step_with_errors(draft: dict[str, str], today: date) -> str | None:
    for step in STEP_NAMES:
        if _step_errors(step, draft, today):
            return step
    return None


@portal_blueprint.get("/portal/apply", endpoint="apply")
def apply_start():
    """The first step of a new application."""
    return redirect(url_for("portal.apply_step", step="who"), code=303)


@portal_blueprint.route("/portal/apply/<step>", methods=["GET", "POST"], endpoint="apply_step")
def apply_step(step: str):
    """One step of the application: GET shows it with the draft's answers, POST keeps them and moves on."""
    if step not in STEPS:
        abort(404)
    if request.method == "GET" or step == "check":
        return _render_step(step, _draft(), {})
    draft = _save_answers(step)
    index = STEP_NAMES.index(step)
    if request.form.get("go") == "back":
        return redirect(url_for("portal.apply_step", step=STEP_NAMES[max(index - 1, 0)]), code=303)
    errors = _step_errors(step, draft, fund_date(utc_now()))
    if errors == {"deadline_choice": ["deadline_choice"]} and not draft.get("deadline_explained"):
        # The first time, the explanation is news, not a mistake: show it calmly, without an error.
        draft["deadline_explained"] = "yes"
        session[DRAFT_KEY] = draft
        return _render_step(step, draft, {})
    if errors:
        return _render_step(step, draft, errors, 422)
    return redirect(url_for("portal.apply_step", step=STEP_NAMES[index + 1]), code=303)


@portal_blueprint.post("/portal/apply/check", endpoint="apply_send")
@limited("FUND_RATELIMIT_PORTAL_SUBMIT")
def apply_send():
    """Send the claim: check every step again, then the files, then submit and upload."""
    draft = _draft()
    now = utc_now()
    first_wrong = _first_step_with_errors(draft, fund_date(now))
    if first_wrong is not None:
        return _render_step(first_wrong, draft, _step_errors(first_wrong, draft, fund_date(now)), 422)
    files, file_errors = files_with_chosen_kinds(SLOTS_AT_SUBMISSION)
    if file_errors:
        return _render_step("check", draft, file_errors, 422)
    try:
        submitted = submit_claim(submission_body(draft), now)
    except Invalid as error:  # the same schema as the steps: only a date that moved past midnight
        step = _first_step_with_errors(draft, fund_date(now)) or "check"
        return _render_step(step, draft, error.fields, 422)
    portal_session = portal_service.session_for_new_claim(submitted, now)
    if files:
        portal_service.upload_documents(portal_session, files, now)
    remember_claimant(portal_session, now)
    session.pop(DRAFT_KEY, None)
    session[NEW_CLAIM_KEY] = {"reference": submitted.reference, "access_code": submitted.access_code}
    return redirect(url_for("portal.submitted"), code=303)


@portal_blueprint.get("/portal/apply/sent", endpoint="submitted")
def submitted_page():
    """The reference and access code, shown once; then the acknowledgement letter."""
    new_claim = session.pop(NEW_CLAIM_KEY, None)
    now = claimant_now()
    acknowledgement = None
    portal_session = current_claimant(now)
    if portal_session is not None:
        view = portal_service.claimant_view(portal_session, now)
        acknowledgement = next((letter for letter in view.letters if letter.kind == "acknowledgement"), None)
    return render_portal("portal/submitted.html", 200, new_claim=new_claim, acknowledgement=acknowledgement)
