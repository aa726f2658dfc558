"""Applying through the portal: five short steps, a draft kept on the server side, then the claim.

Steps: who you are, the criminal case, contact and bank account, consent, check and send. Each
step's answers go into a draft in the session (never into the address), whether they are right
or not, so Back, Next and the language switch never lose them. The rules are the submission
schema's (``fund/claims/submission_schema.py``): every step runs the whole draft through it
and shows the errors of its own fields. The three-year deadline is explained, not enforced: a
claimant whose deadline passed says a court restored it, or sends the claim anyway for an officer to decide.

What the deployed rules decide on is theirs to say (:mod:`fund.portal.case_rules`): whether the
draft is late, and whether its article and part need a paragraph or the qualifier "committed by a
criminal group". Those questions appear only for such an article and part: without JavaScript, on
the next showing of the step, once the article and part are known; the first time calmly (news,
not a mistake), and a claim is not sent while a question asked is unanswered. Every question has
an "I am not sure" answer: an officer checks the case documents anyway.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, request, session, url_for
from marshmallow import ValidationError

from fund import portal as portal_service
from fund.claims.submission import submit_claim
from fund.claims.submission_messages import HARMS, ROLES, ROLES_ACTING_FOR_VICTIM
from fund.claims.submission_schema import ClaimSubmissionSchema, validation_errors_to_fields
from fund.common.errors import Invalid
from fund.common.time import fund_date, utc_now
from fund.portal import crisis_help
from fund.portal.case_rules import CrimeQuestions, crime_questions, deadline_ended_on, deadline_missed
from fund.portal.check_answers import check_answers
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

DRAFT_KEY = "portal_draft"
NEW_CLAIM_KEY = "portal_new_claim"
DEADLINE_CHOICES = ("restored", "officer")
PARAGRAPH_NOT_SURE = "none"  # "another paragraph, none, or I am not sure": no paragraph is sent
GROUP_ANSWERS = {"yes": True, "no": False, "unknown": None}  # crime.by_criminal_group, None: not stated
ASKED_KEY = "asked"  # hidden inputs naming the crime questions the claimant was shown

VICTIM_FIELDS = ("victim.full_name", "victim.iin", "victim.birth_date")
STEPS: dict[str, tuple[str, ...]] = {
    "who": ("role", "claimant.full_name", "claimant.iin", "claimant.birth_date", "victim", *VICTIM_FIELDS),
    "case": (
        "crime.erdr_number",
        "crime.article",
        "crime.part",
        "crime.paragraph",
        "crime.by_criminal_group",
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
    if step == "case":
        # An answer to a question the rules do not ask for this article and part is not kept.
        questions = _crime_questions(draft)
        if not questions.paragraphs:
            draft["crime.paragraph"] = ""
        if not questions.by_criminal_group:
            draft["crime.by_criminal_group"] = ""
    if step == "consent":  # the optional crisis-centre question, on the same step (fund.portal.crisis_help)
        draft.update(crisis_help.answers_from_form(request.form))
    session[DRAFT_KEY] = draft
    return draft


def _crime_questions(draft: dict[str, str]) -> CrimeQuestions:
    return crime_questions(draft.get("crime.article", ""), draft.get("crime.part", ""))


def _paragraph(value: str) -> Any:
    if value == PARAGRAPH_NOT_SURE:
        return None
    return int(value) if value.isdigit() and len(value) < 4 else value  # not a number: the schema says so


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


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
            "part": draft.get("crime.part", ""),
            "paragraph": _paragraph(draft.get("crime.paragraph", "")),
            "by_criminal_group": GROUP_ANSWERS.get(draft.get("crime.by_criminal_group", "")),
            "committed_on": draft.get("crime.committed_on", ""),
            "recognized_on": draft.get("crime.recognized_on", ""),
            "harm": draft.get("crime.harm", ""),
            "deadline_restored_by_court": draft.get("deadline_choice") == "restored",
        },
        "consent": draft.get("consent") == "yes",
    }
    # The victim's answers only from a claimant who applies for the victim: the first step's hint
    # says to leave them empty otherwise, and a step not yet answered must not ask for them.
    if draft.get("role") in ROLES_ACTING_FOR_VICTIM:
        body["victim"] = {name.split(".")[1]: draft.get(name, "") for name in VICTIM_FIELDS}
    # An unanswered question is missing, not wrong: the schema then says "required" (e-mail may be empty).
    # Paragraph and qualifier are sent only when given (not asked, or "not sure": none).
    for block in ("claimant", "crime", "victim"):
        if block in body:
            body[block] = {
                key: value
                for key, value in body[block].items()
                if (value != "" or key == "email") and value is not None
            }
    if not body["role"]:
        del body["role"]
    return body


def _schema_errors(draft: dict[str, str], today: date) -> dict[str, list[str]]:
    try:
        ClaimSubmissionSchema(today=today).load(submission_body(draft))
    except ValidationError as error:
        return validation_errors_to_fields(error)
    return {}


def _eligibility_facts(draft: dict[str, str]) -> dict[str, Any]:
    """The draft as the eligibility table's facts: None where it has no usable answer yet."""
    crime = submission_body(draft)["crime"]
    birth_date = "claimant.birth_date" if draft.get("role") == "victim" else "victim.birth_date"
    return {
        "article": draft.get("crime.article") or None,
        "article_part": draft.get("crime.part") or None,
        "article_paragraph": crime.get("paragraph") if isinstance(crime.get("paragraph"), int) else None,
        "by_criminal_group": crime.get("by_criminal_group"),
        "harm": draft.get("crime.harm") or None,
        "claimant_role": draft.get("role") or None,
        "victim_birth_date": _date_or_none(draft.get(birth_date, "")),
        "committed_on": _date_or_none(draft.get("crime.committed_on", "")),
        "recognized_on": _date_or_none(draft.get("crime.recognized_on", "")),
    }


def deadline_passed(draft: dict[str, str], today: date) -> bool:
    """True when the deployed rules find the claim, sent today, late (no court restored the deadline)."""
    return deadline_missed(_eligibility_facts(draft), today)


def _unanswered_questions(draft: dict[str, str]) -> list[str]:
    """The crime questions the rules ask for the draft's article and part that have no answer yet."""
    questions = _crime_questions(draft)
    unanswered = []
    if questions.paragraphs and not draft.get("crime.paragraph"):
        unanswered.append("crime.paragraph")
    if questions.by_criminal_group and not draft.get("crime.by_criminal_group"):
        unanswered.append("crime.by_criminal_group")
    return unanswered


def _step_errors(step: str, draft: dict[str, str], today: date) -> dict[str, list[str]]:
    errors = {
        path: problems for path, problems in _schema_errors(draft, today).items() if path in STEPS[step]
    }
    if step == "case":
        for name in _unanswered_questions(draft):
            errors.setdefault(name, []).append("required")
    if step == "consent":
        errors.update(crisis_help.draft_problems(draft))
    if (
        step == "case"
        and deadline_passed(draft, today)
        and draft.get("deadline_choice") not in DEADLINE_CHOICES
    ):
        errors["deadline_choice"] = ["deadline_choice"]
    return errors


def _render_step(
    step: str,
    draft: dict[str, str],
    errors: dict[str, list[str]],
    status: int = 200,
    new_questions: bool = False,
):
    today = fund_date(utc_now())
    deadline_until = deadline_ended_on(_eligibility_facts(draft), today) if step == "case" else None
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
        deadline_passed=deadline_until is not None,
        deadline_until=deadline_until,
        questions=_crime_questions(draft),
        new_questions=new_questions,
        document_codes=document_codes(),
        slots=range(1, SLOTS_AT_SUBMISSION + 1),
        accept=ACCEPT,
        max_file_mb=max_file_mb(),
        answers=check_answers(draft) if step == "check" else (),
    )


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
    # A question that appears only now (the article and part just given need it) is news, not a
    # mistake: it is shown without an error, and the step again.
    shown = request.form.getlist(ASKED_KEY)
    new_questions = (
        [name for name in _unanswered_questions(draft) if name not in shown] if step == "case" else []
    )
    for name in new_questions:
        errors.pop(name, None)
    news = bool(new_questions)
    if errors == {"deadline_choice": ["deadline_choice"]} and not draft.get("deadline_explained"):
        # The first time, the explanation is news, not a mistake: show it calmly, without an error.
        draft["deadline_explained"] = "yes"
        session[DRAFT_KEY] = draft
        return _render_step(step, draft, {}, new_questions=news)
    if errors:
        return _render_step(step, draft, errors, 422, new_questions=news)
    if news:
        return _render_step(step, draft, {}, new_questions=True)
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
    crisis_help.ask_after_submission(portal_session, draft, now)
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
