"""The officers' forms: what each accepts, what it refuses, and how it says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from workflows.form_checks import check_forms
from workflows.forms import (
    FORM_LEVEL,
    FormDataInvalid,
    FormDefinitionError,
    FormNotFound,
    clean_form_data,
    form_names,
    load_form,
    resolve_form,
    validate_form_data,
)

FORMS_DIR = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
SHIPPED_FORMS = [
    "approval",
    "approve_reopen_payment",
    "correct_bank_details",
    "final_decision",
    "intake_check",
    "reopen_payment",
    "review",
    "review_torture",
]
CODES = json.loads((FORMS_DIR / "codes.json").read_text(encoding="utf-8"))["$defs"]
DOCUMENT_CODES = CODES["document_code"]["enum"]
REASON_CODES = CODES["rejection_reason"]["enum"]

VALID_SUBMISSIONS: list[tuple[str, dict[str, Any]]] = [
    ("intake_check", {"documents_complete": True}),
    ("intake_check", {"documents_complete": True, "missing_documents": [], "note": "All scanned."}),
    (
        "intake_check",
        {"documents_complete": False, "missing_documents": ["death_certificate", "kinship_proof"]},
    ),
    ("review", {"recommendation": "approve"}),
    ("review", {"recommendation": "approve", "reasons": [], "note": "Category 2, 40 MCI."}),
    ("review", {"recommendation": "reject", "reasons": ["deadline_missed"]}),
    (
        "review",
        {"recommendation": "reject", "reasons": ["other", "documents_missing"], "note": "Duplicate claim."},
    ),
    ("review_torture", {"prosecutor_office": "Prosecutor's Office of Almaty", "recommendation": "approve"}),
    (
        "review_torture",
        {
            "prosecutor_office": "Prosecutor's Office of Almaty",
            "recommendation": "reject",
            "reasons": ["other"],
            "note": "The case was closed.",
        },
    ),
    ("approval", {"decision": "approve"}),
    ("approval", {"decision": "reject", "reasons": ["already_compensated"]}),
    ("approval", {"decision": "return", "comment": "Check the date of recognition as a victim."}),
    ("final_decision", {"decision": "approve"}),
    ("final_decision", {"decision": "reject", "reasons": ["crime_not_covered"]}),
    ("correct_bank_details", {"iban": "KZ86125KZT5004100100"}),
    ("correct_bank_details", {"iban": "KZ86 125K ZT50 0410 0100", "note": "Confirmed by phone."}),
    (
        "reopen_payment",
        {"reopen_decision": "reopen", "iban": "KZ86125KZT5004100100", "reopen_reason": "Bank confirmed."},
    ),
    ("reopen_payment", {"reopen_decision": "close", "reopen_reason": "The claimant asked to close it."}),
    ("approve_reopen_payment", {"reopen_approval": "approve"}),
    ("approve_reopen_payment", {"reopen_approval": "refuse", "reopen_comment": "Account not confirmed."}),
]

# (form, submission, field that must carry the error, words the message must contain)
RULE_BREAKS: list[tuple[str, dict[str, Any], str, str]] = [
    ("intake_check", {}, "documents_complete", "is required"),
    ("intake_check", {"documents_complete": "yes"}, "documents_complete", "must be true or false"),
    ("intake_check", {"documents_complete": False}, "missing_documents", "at least one document"),
    (
        "intake_check",
        {"documents_complete": False, "missing_documents": []},
        "missing_documents",
        "at least one",
    ),
    (
        "intake_check",
        {"documents_complete": True, "missing_documents": ["death_certificate"]},
        "missing_documents",
        "must be empty when all documents are present",
    ),
    (
        "intake_check",
        {"documents_complete": False, "missing_documents": ["passport"]},
        "missing_documents",
        "item 1 ('passport') must be one of: identity_document, victim_recognition_decision",
    ),
    (
        "intake_check",
        {"documents_complete": False, "missing_documents": ["death_certificate", "death_certificate"]},
        "missing_documents",
        "'death_certificate' repeated",
    ),
    ("intake_check", {"documents_complete": True, "note": "x" * 2001}, "note", "at most 2000 characters"),
    ("review", {}, "recommendation", "is required"),
    ("review", {"recommendation": "maybe"}, "recommendation", "must be one of: approve, reject"),
    ("review", {"recommendation": "reject"}, "reasons", "at least one reason when recommending rejection"),
    ("review", {"recommendation": "reject", "reasons": []}, "reasons", "at least one reason"),
    ("review", {"recommendation": "approve", "reasons": ["deadline_missed"]}, "reasons", "must be empty"),
    (
        "review",
        {"recommendation": "reject", "reasons": ["bored"]},
        "reasons",
        "deadline_missed, crime_not_covered",
    ),
    ("review", {"recommendation": "reject", "reasons": ["other"]}, "note", "when one reason is 'other'"),
    (
        "review",
        {"recommendation": "reject", "reasons": ["other"], "note": "no"},
        "note",
        "at least 3 characters",
    ),
    ("review", {"recommendation": "approve", "amount": 173000}, "amount", "is not a field of this form"),
    ("review_torture", {"recommendation": "approve"}, "prosecutor_office", "is required"),
    (
        "review_torture",
        {"prosecutor_office": "AB", "recommendation": "approve"},
        "prosecutor_office",
        "at least 3 characters",
    ),
    (
        "review_torture",
        {"prosecutor_office": "P" * 201, "recommendation": "approve"},
        "prosecutor_office",
        "at most 200 characters",
    ),
    (
        "review_torture",
        {"prosecutor_office": "Almaty", "recommendation": "reject"},
        "reasons",
        "at least one",
    ),
    ("approval", {}, "decision", "is required"),
    (
        "final_decision",
        {"decision": "return", "comment": "Again?"},
        "decision",
        "must be one of: approve, reject",
    ),
    ("final_decision", {"decision": "reject"}, "reasons", "at least one reason when rejecting"),
    ("approval", {"decision": "postpone"}, "decision", "must be one of: approve, reject, return"),
    ("approval", {"decision": "reject"}, "reasons", "at least one reason when rejecting"),
    ("approval", {"decision": "return"}, "comment", "when returning the claim"),
    ("approval", {"decision": "return", "comment": "?"}, "comment", "at least 3 characters"),
    (
        "approval",
        {"decision": "return", "reasons": ["other"], "comment": "Recheck."},
        "reasons",
        "must be empty",
    ),
    ("approval", {"decision": "reject", "reasons": ["other"]}, "comment", "when one reason is 'other'"),
    ("approval", {"decision": "approve", "note": "ok"}, "note", "is not a field of this form"),
    ("correct_bank_details", {}, "iban", "is required"),
    ("correct_bank_details", {"iban": "KZ86125KZT500410010"}, "iban", "must be a Kazakh IBAN"),
    ("correct_bank_details", {"iban": "DE89370400440532013000"}, "iban", "must be a Kazakh IBAN"),
    ("correct_bank_details", {"iban": "kz86125kzt5004100100"}, "iban", "capital letters"),
    ("correct_bank_details", {"iban": "KZ8612-5KZT5004100100"}, "iban", "must be a Kazakh IBAN"),
    ("correct_bank_details", {"iban": "KZ86125KZT5004100100\n"}, "iban", "must be a Kazakh IBAN"),
    ("correct_bank_details", {"iban": 8612}, "iban", "must be text"),
    # The shape is right but a character is mistyped: the ISO 13616 check digits say so.
    ("correct_bank_details", {"iban": "KZ18722S000012345679"}, "iban", "correct check digits"),
    ("correct_bank_details", {"iban": "KZ86 125K ZT50 0410 0101"}, "iban", "correct check digits"),
    (
        "reopen_payment",
        {"reopen_decision": "reopen", "reopen_reason": "Bank confirmed."},
        "iban",
        "must give the account to pay",
    ),
    (
        "reopen_payment",
        {"reopen_decision": "reopen", "iban": "KZ18722S000012345679", "reopen_reason": "ok!"},
        "iban",
        "correct check digits",
    ),
    ("reopen_payment", {"reopen_decision": "close"}, "reopen_reason", "is required"),
    ("approve_reopen_payment", {"reopen_approval": "maybe"}, "reopen_approval", "must be one of"),
]

JSONSCHEMA_JARGON = [
    "is not one of",
    "is a required property",
    "Additional properties",
    "is not of type",
    "is too short",
    "is too long",
    "does not match",
    "should be non-empty",
    "has non-unique",
]


def submit(form_name: str, data: Any) -> dict[str, list[str]]:
    """Validate a submission against a shipped form."""
    return validate_form_data(load_form(FORMS_DIR, form_name), data)


# --- what each form accepts and refuses ---------------------------------------------------------


@pytest.mark.parametrize(("form_name", "data"), VALID_SUBMISSIONS)
def test_a_complete_and_consistent_submission_passes(form_name: str, data: dict[str, Any]) -> None:
    assert submit(form_name, data) == {}


def test_every_shipped_form_has_at_least_one_valid_example() -> None:
    assert sorted({name for name, _ in VALID_SUBMISSIONS}) == SHIPPED_FORMS == form_names(FORMS_DIR)


@pytest.mark.parametrize(("form_name", "data", "field", "words"), RULE_BREAKS)
def test_each_broken_rule_is_reported_on_the_field_concerned(
    form_name: str, data: dict[str, Any], field: str, words: str
) -> None:
    errors = submit(form_name, data)
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


@pytest.mark.parametrize(("form_name", "data", "field", "words"), RULE_BREAKS)
def test_messages_are_plain_english_not_validator_jargon(
    form_name: str, data: dict[str, Any], field: str, words: str
) -> None:
    for messages in submit(form_name, data).values():
        for message in messages:
            assert not any(jargon in message for jargon in JSONSCHEMA_JARGON), message


def test_an_unknown_field_names_the_fields_the_form_does_have() -> None:
    errors = submit("intake_check", {"documents_complete": True, "docs_ok": True})
    assert errors == {
        "docs_ok": [
            "is not a field of this form (the fields are: documents_complete, missing_documents, note)"
        ]
    }


def test_a_conditional_requirement_is_not_blamed_on_the_whole_form() -> None:
    errors = submit("review", {"recommendation": "reject"})
    assert list(errors) == ["reasons"]


def test_a_missing_decision_does_not_also_complain_about_the_rules_that_depend_on_it() -> None:
    assert submit("approval", {"reasons": ["other"], "comment": "Explained."}) == {
        "decision": ["is required"],
    }


def test_every_broken_rule_of_a_submission_is_reported_at_once() -> None:
    errors = submit(
        "review", {"recommendation": "reject", "reasons": ["other", "other", "bored"], "extra": 1}
    )
    assert set(errors) == {"reasons", "note", "extra"}


def test_data_that_is_not_an_object_is_a_form_level_error() -> None:
    assert submit("review", ["approve"]) == {FORM_LEVEL: ["the form data must be an object"]}


def test_every_iban_field_of_every_form_is_checked_like_the_claimants_own_account() -> None:
    """The claim form refuses an IBAN whose check digits are wrong; so must every task form."""
    iban_fields = [
        (name, field, spec.get("format"))
        for name in form_names(FORMS_DIR)
        for field, spec in load_form(FORMS_DIR, name)["properties"].items()
        if "iban" in field
    ]
    assert iban_fields == [("correct_bank_details", "iban", "kz-iban"), ("reopen_payment", "iban", "kz-iban")]


def test_any_form_may_declare_a_kazakh_iban_and_gets_the_submissions_check() -> None:
    form = with_changes(properties={"account": {"title": "Account", "type": "string", "format": "kz-iban"}})

    assert validate_form_data(form, {"account": "kz86 125k zt50 0410 0100"}) == {}
    assert validate_form_data(form, {"account": "KZ18722S000012345679"}) == {
        "account": [
            "must be a Kazakh IBAN with correct check digits; this one has a mistyped character: "
            "copy it again from the claimant's bank details"
        ]
    }
    assert validate_form_data(form, {"account": "DE89370400440532013000"}) == {
        "account": ["must be a Kazakh IBAN: KZ, 2 check digits and 16 letters or digits (20 characters)"]
    }
    assert validate_form_data(form, {"account": 8612}) == {"account": ["must be text"]}


def test_an_iban_in_the_wrong_shape_gets_one_message_not_also_one_about_check_digits() -> None:
    assert submit("correct_bank_details", {"iban": "DE89370400440532013000"}) == {
        "iban": [
            "must be a Kazakh IBAN: KZ, 2 digits and 16 capital letters or digits "
            "(20 characters, spaces between groups allowed)"
        ]
    }


def test_review_torture_is_the_review_plus_the_prosecutors_office() -> None:
    review = load_form(FORMS_DIR, "review")
    torture = load_form(FORMS_DIR, "review_torture")
    torture_fields = dict(torture["properties"])
    prosecutor_office = torture_fields.pop("prosecutor_office")
    assert torture_fields == review["properties"]
    assert torture["allOf"] == review["allOf"]
    assert set(torture["required"]) == set(review["required"]) | {"prosecutor_office"}
    assert (prosecutor_office["minLength"], prosecutor_office["maxLength"]) == (3, 200)


# --- code lists ---------------------------------------------------------------------------------


def test_forms_take_their_code_lists_from_codes_json() -> None:
    intake = load_form(FORMS_DIR, "intake_check")
    assert intake["properties"]["missing_documents"]["items"]["enum"] == DOCUMENT_CODES
    assert (
        intake["properties"]["missing_documents"]["items"]["x-labels"] == CODES["document_code"]["x-labels"]
    )
    for form_name in ("review", "review_torture", "approval"):
        reasons = load_form(FORMS_DIR, form_name)["properties"]["reasons"]["items"]
        assert reasons["enum"] == REASON_CODES
        assert reasons["x-labels"] == CODES["rejection_reason"]["x-labels"]


def test_a_loaded_form_is_self_contained() -> None:
    for form_name in SHIPPED_FORMS:
        assert "$ref" not in json.dumps(load_form(FORMS_DIR, form_name))


def test_the_code_lists_are_the_ones_the_fund_uses() -> None:
    labels = CODES["document_code"]["x-labels"]
    assert labels["identity_document"] == "Identity document of the claimant"
    assert labels["court_deadline_restoration"] == "Court decision restoring the three-year deadline"
    assert set(DOCUMENT_CODES) == {
        "identity_document",
        "victim_recognition_decision",
        "forensic_medical_report",
        "death_certificate",
        "kinship_proof",
        "representative_authority",
        "victim_identity_document",
        "court_deadline_restoration",
    }
    assert REASON_CODES == [
        "deadline_missed",
        "crime_not_covered",
        "not_recognised_as_victim",
        "documents_missing",
        "documents_inconsistent",
        "successor_requires_death",
        "death_requires_successor",
        "article_part_not_covered",
        "already_compensated",
        "duplicate_claim",
        "false_information",
        "other",
    ]


def test_every_choice_an_officer_makes_has_words_for_letters_and_pages() -> None:
    assert load_form(FORMS_DIR, "review")["properties"]["recommendation"]["x-labels"] == {
        "approve": "Recommend approving the claim",
        "reject": "Recommend rejecting the claim",
    }
    assert set(load_form(FORMS_DIR, "approval")["properties"]["decision"]["x-labels"]) == {
        "approve",
        "reject",
        "return",
    }


# --- loading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["no_such_form", "codes", "../forms/review", "Review", ""])
def test_only_shipped_forms_can_be_loaded(name: str) -> None:
    with pytest.raises(FormNotFound):
        load_form(FORMS_DIR, name)


def test_a_form_whose_code_list_is_missing_cannot_be_loaded(tmp_path: Path) -> None:
    shutil.copy(FORMS_DIR / "review.json", tmp_path)
    with pytest.raises(FormDefinitionError, match="codes.json#/\\$defs/rejection_reason"):
        load_form(tmp_path, "review")


def test_a_reference_cannot_reach_outside_the_forms_folder(tmp_path: Path) -> None:
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    (tmp_path / "secret.json").write_text('{"type": "string"}', encoding="utf-8")
    write_form(
        forms_dir,
        "sneaky",
        {"title": "Sneaky", "properties": {"x": {"title": "X", "$ref": "../secret.json"}}},
    )
    with pytest.raises(FormDefinitionError, match="does not resolve"):
        load_form(forms_dir, "sneaky")


def test_a_form_held_in_memory_resolves_like_one_in_the_folder() -> None:
    documents = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in FORMS_DIR.glob("*.json")}
    for form_name in SHIPPED_FORMS:
        assert resolve_form(documents, f"{form_name}.json") == load_form(FORMS_DIR, form_name)
    with pytest.raises(FormNotFound):
        resolve_form(documents, "codes.json")
    del documents["codes.json"]
    with pytest.raises(FormDefinitionError, match="does not resolve"):
        resolve_form(documents, "review.json")


# --- cleaning -----------------------------------------------------------------------------------


def test_clean_form_data_keeps_the_declared_fields_in_form_order() -> None:
    form = load_form(FORMS_DIR, "review")
    data = {"note": "Recognised in 2025.", "recommendation": "approve"}
    cleaned = clean_form_data(form, data)
    assert cleaned == data
    assert list(cleaned) == ["recommendation", "note"]


def test_clean_form_data_drops_fields_a_lenient_form_does_not_declare() -> None:
    lenient = {
        "type": "object",
        "title": "Lenient",
        "properties": {"note": {"type": "string", "title": "Note"}},
    }
    assert clean_form_data(lenient, {"note": "kept", "debug": True}) == {"note": "kept"}


def test_clean_form_data_refuses_invalid_data_with_the_same_errors() -> None:
    form = load_form(FORMS_DIR, "approval")
    with pytest.raises(FormDataInvalid) as refused:
        clean_form_data(form, {"decision": "return"})
    assert refused.value.errors == validate_form_data(form, {"decision": "return"})
    assert "comment" in refused.value.errors


# --- deploy-time check --------------------------------------------------------------------------


def test_the_shipped_forms_pass_the_deploy_check() -> None:
    assert check_forms(FORMS_DIR) == []


def write_form(forms_dir: Path, name: str, form: dict[str, Any] | str) -> None:
    """Write a form file (a dict as JSON, a str as is) into ``forms_dir``."""
    text = form if isinstance(form, str) else json.dumps(form)
    (forms_dir / f"{name}.json").write_text(text, encoding="utf-8")


def a_good_form() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Broken on purpose",
        "type": "object",
        "properties": {"note": {"title": "Note", "type": "string"}},
        "additionalProperties": False,
    }


def with_changes(**changes: Any) -> dict[str, Any]:
    form = a_good_form()
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


BROKEN_FORMS: list[tuple[str, dict[str, Any] | str, str]] = [
    ("not JSON", '{"title": "Half a form",', "not valid JSON"),
    ("not a schema", with_changes(type="text"), "not a valid JSON Schema"),
    ("bad keyword value", with_changes(required="note"), "not a valid JSON Schema at required"),
    ("no title", with_changes(title=None), "has no title"),
    ("blank title", with_changes(title="  "), "has no title"),
    (
        "untitled property",
        with_changes(properties={"note": {"type": "string"}}),
        "property 'note' has no title",
    ),
    ("unknown fields allowed", with_changes(additionalProperties=None), "additionalProperties"),
    ("no properties", with_changes(properties={}), "declares no properties"),
    (
        "reference to nothing",
        with_changes(properties={"doc": {"title": "Doc", "$ref": "codes.json#/$defs/no_such_list"}}),
        "does not resolve",
    ),
    (
        "enum without labels",
        with_changes(properties={"colour": {"title": "Colour", "enum": ["red", "blue"]}}),
        "enum has no x-labels",
    ),
    (
        "label missing",
        with_changes(
            properties={"colour": {"title": "Colour", "enum": ["red", "blue"], "x-labels": {"red": "Red"}}}
        ),
        "no words for blue",
    ),
    (
        "rule on a misspelt field",
        with_changes(allOf=[{"if": {"required": ["note"]}, "then": {"required": ["notes"]}}]),
        "requires undeclared field 'notes'",
    ),
    ("older draft", with_changes(**{"$schema": "http://json-schema.org/draft-07/schema#"}), "draft/2020-12"),
    (
        "format the engine does not check",
        with_changes(properties={"iban": {"title": "IBAN", "type": "string", "format": "kz-ibn"}}),
        "format 'kz-ibn' at #/properties/iban is not one the engine checks (it checks: kz-iban)",
    ),
]


@pytest.mark.parametrize(
    ("form", "problem"),
    [(form, problem) for _, form, problem in BROKEN_FORMS],
    ids=[case for case, _, _ in BROKEN_FORMS],
)
def test_the_deploy_check_reports_a_broken_form(
    tmp_path: Path, form: dict[str, Any] | str, problem: str
) -> None:
    for path in FORMS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path)
    write_form(tmp_path, "broken", form)
    problems = check_forms(tmp_path)
    assert problems, "the broken form was not reported"
    assert all(p.startswith("broken.json: ") for p in problems), problems
    assert any(problem in p for p in problems), problems


def test_the_deploy_check_reports_broken_code_lists(tmp_path: Path) -> None:
    for path in FORMS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path)
    (tmp_path / "codes.json").write_text("{not json", encoding="utf-8")
    problems = check_forms(tmp_path)
    assert any(p.startswith("codes.json: not valid JSON") for p in problems), problems
    assert any(p.startswith("review.json: codes.json: not valid JSON") for p in problems), problems


def test_the_deploy_check_reports_an_empty_folder(tmp_path: Path) -> None:
    assert check_forms(tmp_path) == ["codes.json: missing", f"{tmp_path}: no forms found"]
