"""Task pages: the form generated from the task's JSON Schema, filled and sent as a browser does.

The officer sees the form beside the claim's facts, documents and checklist, the rules' decision
explained, the amount calculation and the history. Mistakes come back inline, naming the field;
a task sent twice, or after a colleague completed it, gets a clear 409 page. The approver sees
who reviewed, and a reviewer who is also an approver is refused the claim they reviewed, with the
reason.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from fund.extensions import db
from fund.models import Claim, HumanTask, WorkflowEvent
from fund.web.forms import build_fields, parse_form
from tests.officer_helpers import (
    browser,
    freeze_clock,
    html,
    main_text,
    open_task_id,
    send,
    text_of,
)


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def claim(submit, web_clock) -> str:
    """A torture claim (art. 146 part 3) waiting for the intake check."""
    return submit()["reference"]


@pytest.fixture
def awaiting_approval(claim, officers) -> str:
    """The claim checked by ivan and reviewed by rita (reviewer and approver): waiting for approval."""
    officers.check_documents(claim)
    officers.review(claim)
    return claim


def status_of(reference: str) -> str:
    db.session.expire_all()
    return db.session.scalar(db.select(Claim.status).where(Claim.reference == reference))


def last_event_input(reference: str) -> dict:
    """The input of the claim's last command (letters issued after it left out)."""
    claim_id = db.session.scalar(db.select(Claim.id).where(Claim.reference == reference))
    event = db.session.scalar(
        db.select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_id, WorkflowEvent.type != "letter_issued")
        .order_by(WorkflowEvent.sequence.desc())
    )
    return event.input


def task_form(page):
    """The task's own form (the page also has forms to take or release the task)."""
    return page.get_element_by_id("task-form")


# --- the generated form ----------------------------------------------------------------------------


def test_the_intake_form_is_generated_from_its_json_schema(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")
    page = html(client.get(f"/tasks/{open_task_id(claim, 'intake_check')}"))
    form = task_form(page)

    assert "Intake check: are the claim's documents complete?" in text_of(page)
    complete = form.xpath(".//fieldset[.//input[@name='documents_complete']]")[0]
    assert text_of(complete.find("legend")) == "All required documents are present (required)"
    assert [(i.get("type"), i.get("value")) for i in complete.xpath(".//input")] == [
        ("radio", "yes"),
        ("radio", "no"),
    ]
    hint_id = complete.get("aria-describedby")
    assert "Tick when every document" in text_of(page.get_element_by_id(hint_id))
    missing = form.xpath(".//input[@name='missing_documents']")
    assert all(box.get("type") == "checkbox" for box in missing) and len(missing) == 8
    labels = [text_of(page.xpath(f"//label[@for='{box.get('id')}']")[0]) for box in missing]
    assert "Forensic medical report" in labels  # the words of codes.json, not the code
    note = form.xpath(".//textarea[@name='note']")[0]
    assert note.get("maxlength") == "2000"
    assert page.xpath(f"//label[@for='{note.get('id')}']/text()")[0].strip() == "Note"
    assert form.xpath(".//input[@name='csrf_token']/@value")


def test_every_control_of_every_task_form_has_a_label(app, staff, awaiting_approval):
    client = browser(app, staff, "alma", "approver")
    page = html(client.get(f"/tasks/{open_task_id(awaiting_approval, 'approval')}"))

    controls = task_form(page).xpath(".//input[not(@type='hidden')] | .//select | .//textarea")
    assert len(controls) == 3 + 12 + 1  # decision radios, reason checkboxes, comment
    for control in controls:
        assert page.xpath(f"//label[@for='{control.get('id')}']"), control.get("id")


def test_schema_types_become_json_types_and_empty_optional_answers_are_left_out():
    schema = {
        "properties": {
            "done": {"type": "boolean", "title": "Done"},
            "count": {"type": "integer", "title": "Count"},
            "codes": {"type": "array", "title": "Codes", "items": {"enum": ["a", "b", "c"]}},
            "note": {"type": "string", "title": "Note"},
        }
    }
    form = MultiDict([("done", "no"), ("count", "12"), ("codes", "c"), ("codes", "a"), ("note", "  ")])

    assert parse_form(schema, form) == {"done": False, "count": 12, "codes": ["a", "c"]}
    # What cannot be converted goes on unchanged, for the schema to name the field.
    unconvertible = MultiDict([("done", "maybe"), ("count", "12a")])
    assert parse_form(schema, unconvertible) == {"done": "maybe", "count": "12a"}
    assert parse_form(schema, MultiDict([("csrf_token", "x"), ("other", "y")])) == {}


def test_a_long_list_of_codes_is_a_select_and_a_short_one_radios():
    codes = [f"code_{i}" for i in range(8)]
    labels = {code: code.upper() for code in codes}
    schema = {
        "required": ["many"],
        "properties": {
            "many": {"type": "string", "title": "Many", "enum": codes, "x-labels": labels},
            "few": {"type": "string", "title": "Few", "enum": ["x", "y"], "x-labels": {"x": "X", "y": "Y"}},
            "iban": {"type": "string", "title": "IBAN", "pattern": "^KZ"},
        },
    }
    many, few, iban = build_fields(schema, {"many": "code_3"}, {"iban": ["is not in the expected format"]})

    assert (many.kind, many.required) == ("select", True)
    assert [option.label for option in many.options if option.selected] == ["CODE_3"]
    assert (few.kind, few.required) == ("radios", False)
    assert (iban.kind, iban.errors) == ("input", ["is not in the expected format"])
    assert iban.described_by == "field-iban-error"


# --- filling it in ---------------------------------------------------------------------------------


def test_an_intake_officer_fills_the_form_as_a_browser_would_and_the_claim_moves_on(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")
    form = task_form(html(client.get(f"/tasks/{open_task_id(claim, 'intake_check')}")))
    form.fields["documents_complete"] = "no"
    form.inputs["missing_documents"].value.add("forensic_medical_report")

    answer = send(client, form)

    assert answer.status_code == 302 and answer.headers["Location"] == "/worklist"
    assert status_of(claim) == "documents_requested"
    # Types from the schema; the empty note was left out.
    assert last_event_input(claim)["data"] == {
        "documents_complete": False,
        "missing_documents": ["forensic_medical_report"],
    }
    assert "Done: 'Check documents' for claim" in main_text(client.get("/worklist"))


def test_a_reviewer_types_the_prosecutors_office_and_recommends(app, staff, claim, officers):
    officers.check_documents(claim)
    client = browser(app, staff, "rosa", "reviewer")
    form = task_form(html(client.get(f"/tasks/{open_task_id(claim, 'review_torture')}")))
    form.fields["prosecutor_office"] = "Prosecutor's office of Almaty"
    form.fields["recommendation"] = "approve"

    assert send(client, form).status_code == 302
    assert status_of(claim) == "awaiting_approval"


def test_an_approver_rejects_with_the_reasons_ticked_in_the_forms_order(app, staff, awaiting_approval):
    client = browser(app, staff, "alma", "approver")
    form = task_form(html(client.get(f"/tasks/{open_task_id(awaiting_approval, 'approval')}")))
    form.fields["decision"] = "reject"
    form.inputs["reasons"].value.add("other")
    form.inputs["reasons"].value.add("documents_inconsistent")
    form.fields["comment"] = "The dates in the forensic report do not match the case file."

    assert send(client, form).status_code == 302
    assert status_of(awaiting_approval) == "rejected"
    assert last_event_input(awaiting_approval)["data"]["reasons"] == ["documents_inconsistent", "other"]


# --- mistakes come back inline ----------------------------------------------------------------------


def test_errors_are_shown_inline_naming_the_field_and_nothing_is_saved(app, staff, awaiting_approval):
    client = browser(app, staff, "alma", "approver")
    form = task_form(html(client.get(f"/tasks/{open_task_id(awaiting_approval, 'approval')}")))
    form.fields["decision"] = "reject"  # without a reason

    answer = send(client, form)

    assert answer.status_code == 422
    page = html(answer)
    error = page.get_element_by_id("field-reasons-error")
    assert text_of(error) == (
        "Error: Reasons for rejection: must list at least one reason when rejecting the claim"
    )
    group = page.xpath("//fieldset[.//input[@name='reasons']]")[0]
    assert "field-reasons-error" in group.get("aria-describedby").split()
    assert all(box.get("aria-invalid") == "true" for box in group.xpath(".//input"))
    summary = page.get_element_by_id("error-summary")
    assert summary.get("role") == "alert"
    assert summary.xpath(".//a/@href") == ["#field-reasons-deadline_missed"]
    # What the officer chose is kept, so only the mistake has to be fixed.
    assert page.xpath("//input[@name='decision'][@checked]/@value") == ["reject"]
    assert status_of(awaiting_approval) == "awaiting_approval"


def test_a_form_sent_empty_names_every_required_field(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")
    task_id = open_task_id(claim, "intake_check")
    form = task_form(html(client.get(f"/tasks/{task_id}")))

    answer = send(client, form)

    assert answer.status_code == 422
    assert "All required documents are present: is required" in main_text(answer)
    assert db.session.get(HumanTask, task_id).state == "open"


def test_an_iban_in_the_wrong_format_is_refused_with_what_is_allowed(app, staff, awaiting_approval, officers):
    officers.approve(awaiting_approval)
    failed = officers.deliver(awaiting_approval, "payment_failed", {"reason": "account closed"}, "farida")
    assert failed.status_code == 200
    client = browser(app, staff, "ivan", "intake")
    form = task_form(html(client.get(f"/tasks/{open_task_id(awaiting_approval, 'correct_bank_details')}")))
    form.fields["iban"] = "DE89 3704 0044 0532 0130 00"

    answer = send(client, form)

    assert answer.status_code == 422
    page = html(answer)
    assert text_of(page.get_element_by_id("field-iban-error")).startswith(
        "Error: IBAN of the claimant's account: must be a Kazakh IBAN"
    )
    assert page.get_element_by_id("field-iban").get("aria-invalid") == "true"
    assert page.get_element_by_id("field-iban").get("value") == "DE89 3704 0044 0532 0130 00"


def test_an_iban_with_wrong_check_digits_is_refused_and_nothing_is_saved(
    app, staff, awaiting_approval, officers
):
    """The claim form refuses a mistyped account; the task that corrects it must refuse it too, or the
    claim returns to "approved" with an account no payout batch can pay.
    """
    officers.approve(awaiting_approval)
    officers.deliver(awaiting_approval, "payment_failed", {"reason": "account closed"}, "farida")
    client = browser(app, staff, "ivan", "intake")
    task_id = open_task_id(awaiting_approval, "correct_bank_details")
    form = task_form(html(client.get(f"/tasks/{task_id}")))
    events = db.session.scalar(db.select(db.func.count()).select_from(WorkflowEvent))

    form.fields["iban"] = "KZ18722S000012345679"
    refused = send(client, form)

    assert refused.status_code == 422
    assert text_of(html(refused).get_element_by_id("field-iban-error")) == (
        "Error: IBAN of the claimant's account: must be a Kazakh IBAN with correct check digits; "
        "this one has a mistyped character: copy it again from the claimant's bank details"
    )
    assert db.session.get(HumanTask, task_id).state == "open"
    assert status_of(awaiting_approval) == "payment_failed"
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkflowEvent)) == events

    form = task_form(html(refused))
    form.fields["iban"] = "KZ18 722S 0000 1234 5678"
    assert send(client, form).status_code == 302
    assert status_of(awaiting_approval) == "approved"


# --- twice, or too late ----------------------------------------------------------------------------


def test_sending_a_form_twice_gives_a_clear_conflict_page_not_an_error(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")
    task_id = open_task_id(claim, "intake_check")
    form = task_form(html(client.get(f"/tasks/{task_id}")))
    form.fields["documents_complete"] = "yes"

    first = send(client, form)
    second = send(client, form)

    assert first.status_code == 302
    assert second.status_code == 409
    says = main_text(second)
    assert "Not saved: the task has changed" in says
    assert "This task was already completed by ivan on 02.03.2026 at 14:00" in says
    assert "Nothing you sent was saved" in says
    assert html(second).xpath(f"//a[@href='/claims/{claim}']")
    reopened = client.get(f"/tasks/{task_id}")
    assert reopened.status_code == 200 and "This task is closed" in main_text(reopened)
    assert not html(reopened).xpath("//form[@id='task-form']")


def test_a_task_a_colleague_completed_meanwhile_gives_the_same_clear_page(app, staff, claim, officers):
    client = browser(app, staff, "dana", "intake")
    form = task_form(html(client.get(f"/tasks/{open_task_id(claim, 'intake_check')}")))
    officers.check_documents(claim)  # ivan, through the API, while dana was reading
    form.fields["documents_complete"] = "yes"

    answer = send(client, form)

    assert answer.status_code == 409
    assert "already completed by ivan" in main_text(answer)
    assert status_of(claim) == "under_review"


def test_an_unknown_task_is_a_404_page(app, staff):
    client = browser(app, staff, "ivan", "intake")
    for task_id in ("no-such-task", "a" * 300, "%00"):
        answer = client.get(f"/tasks/{task_id}")
        assert answer.status_code == 404, task_id
        assert "Traceback" not in answer.get_data(as_text=True)


# --- beside the form: the claim ---------------------------------------------------------------------


def test_beside_the_form_are_the_facts_checklist_rules_amount_and_history(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")

    says = main_text(client.get(f"/tasks/{open_task_id(claim, 'intake_check')}"))

    assert f"Claim {claim}" in says
    assert "Criminal Code art. 146 part 3" in says  # the crime as the law names it
    assert "Forensic medical report — not checked yet" in says  # the checklist from the rules
    assert "Determine eligibility" in says and "Rule 154 matched" in says
    # The rule's own note, and the reason the rules could not decide alone:
    assert "art. 146 part 3, no grave harm or HIV: category 1, 40 MCI. AMOUNT TO VERIFY" in says
    assert "The rules cannot decide this claim from the law alone (amount to verify)" in says
    assert "Criminal Code article is 146 (this claim: 146)" in says  # why it matched
    assert "40 MCI × 4,325 tenge = 173,000 tenge" in says  # MCI of 2026
    assert "Claim submitted — The claimant (online), 02.03.2026 14:00" in says
    assert "••••••••0018" in says and "KZ86••••••••••••0100" in says  # masked here too
    assert "900115" not in says  # the IIN's birth date is not shown


def test_the_approver_sees_who_reviewed_and_what_they_recommended(app, staff, awaiting_approval):
    staff.user("rita", "reviewer", "approver").full_name = "Rita Sadykova"
    db.session.commit()
    client = browser(app, staff, "alma", "approver")

    page = html(client.get(f"/tasks/{open_task_id(awaiting_approval, 'approval')}"))

    prepared = text_of(page.get_element_by_id("checked-title").getparent())
    assert "Review: torture: Rita Sadykova (rita)" in prepared
    assert "Recommendation Recommend approving the claim" in prepared
    assert "Prosecutor's office of Almaty" in prepared
    assert task_form(page) is not None


def test_the_reviewer_may_not_approve_and_the_page_says_why(app, staff, awaiting_approval):
    rita = browser(app, staff, "rita", "reviewer", "approver")
    task_id = open_task_id(awaiting_approval, "approval")

    page = html(rita.get(f"/tasks/{task_id}"))
    refused = rita.post(
        f"/tasks/{task_id}",
        data={"csrf_token": page.xpath("//input[@name='csrf_token']/@value")[0], "decision": "approve"},
    )
    take = rita.post(
        f"/tasks/{task_id}/take", data={"csrf_token": page.xpath("//input[@name='csrf_token']/@value")[0]}
    )

    explanation = text_of(page.get_element_by_id("four-eyes"))
    # The steps are named as the worklist names them ("Review: torture", not the BPMN's "Review claim").
    assert "You did the step 'Review: torture' on this claim" in explanation
    assert "so you may not do 'Approve decision'" in explanation
    assert "four-eyes rule" in explanation and "Another approving officer must do this task" in explanation
    assert not page.xpath("//form[contains(@action,'/tasks/')][.//input[@name='decision']]")
    assert refused.status_code == 403 and "four-eyes rule" in main_text(refused)
    assert take.status_code == 403
    assert status_of(awaiting_approval) == "awaiting_approval"
