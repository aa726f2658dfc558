"""Applying through the portal's pages: the steps, the draft, every validation rule with a kind
message, the deadline explained, documents at submission, and the code shown once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from lxml import html as lxml_html

from fund.extensions import db
from fund.models import Claim, Document
from fund.portal.apply_views import STEP_NAMES
from tests.conftest import make_iin
from tests.web_helpers import CSRF_FIELD

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_NAMED_PDF = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20 + b"IEND\xaeB`\x82"


def answers(**overrides: str) -> dict[str, dict[str, str]]:
    """Right answers for every step (a torture victim, art. 146 part 3, recognised in 2025)."""
    steps = {
        "who": {
            "role": "victim",
            "claimant.full_name": "Айгүл Сәрсенова",
            "claimant.iin": make_iin(date(1990, 1, 15), female=True),
            "claimant.birth_date": "1990-01-15",
        },
        "case": {
            "crime.erdr_number": "251750010001234",
            "crime.article": "146",
            "crime.part": "3",
            "crime.committed_on": "2025-05-01",
            "crime.recognized_on": "2025-06-01",
            "crime.harm": "none",
        },
        "contact": {
            "claimant.phone": "+7 701 234 56 78",
            "claimant.email": "aigul@example.kz",
            "claimant.language": "ru",
            "claimant.iban": "KZ86125KZT5004100100",
        },
        "consent": {"consent": "yes"},
    }
    for name, value in overrides.items():
        for fields in steps.values():
            if name in fields or any(name.startswith(prefix) for prefix in ()):
                fields[name] = value
    return steps


def page(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def token(client, path: str = "/portal/apply/who") -> str:
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def post_step(client, step: str, fields: dict[str, str], language: str = "en", go: str = "next"):
    headers = {"Accept-Language": language}
    return client.post(
        f"/portal/apply/{step}", data={"csrf_token": token(client), "go": go, **fields}, headers=headers
    )


def apply(
    client,
    steps: dict[str, dict[str, str]] | None = None,
    files: dict[str, Any] | None = None,
    language: str = "en",
):
    """Go through every step with ``steps`` and send; returns the answer to sending."""
    for step, fields in (steps or answers()).items():
        answer = post_step(client, step, fields, language)
        assert answer.status_code == 303, (step, answer.get_data(as_text=True)[:3000])
    data = {"csrf_token": token(client), **(files or {})}
    return client.post(
        "/portal/apply/check",
        data=data,
        headers={"Accept-Language": language},
        content_type="multipart/form-data",
    )


@pytest.fixture
def portal_clock(monkeypatch):
    """The portal's clock, frozen at Monday 2 March 2026, 14:00 in Almaty."""
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: NOW)
    monkeypatch.setattr("fund.portal.apply_views.utc_now", lambda: NOW)
    return NOW


def test_a_claim_goes_through_the_five_steps_and_shows_its_code_once(client, portal_clock):
    sent = apply(
        client,
        files={
            "document_code_1": "identity_document",
            "document_file_1": (__import__("io").BytesIO(PDF), "паспорт.pdf"),
        },
    )
    assert sent.status_code == 303
    shown = client.get(sent.headers["Location"])
    text = shown.get_data(as_text=True)
    reference = page(shown).get_element_by_id("reference").text
    code = page(shown).get_element_by_id("access-code").text
    assert re.fullmatch(r"VCF-2026-\d{6}", reference) and re.fullmatch(
        r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code
    )
    assert "acknowledgement letter" in text
    again = client.get("/portal/apply/sent").get_data(as_text=True)
    assert code not in again and "shown once" in again
    claim = db.session.scalar(db.select(Claim).where(Claim.reference == reference))
    assert claim.claimant.language == "ru"
    document = db.session.scalar(db.select(Document).where(Document.claim_id == claim.id))
    assert (document.code, document.content) == ("identity_document", PDF)


# Every rule of the submission schema, through the page of its step, with its kind message.
RULES = [
    ("who", {"claimant.iin": "12345"}, "claimant.iin", "An IIN has 12 digits"),
    (
        "who",
        {"claimant.iin": make_iin(date(1991, 2, 3))},
        "claimant.iin",
        "This IIN belongs to a person born on",
    ),
    ("who", {"claimant.birth_date": "2030-01-01"}, "claimant.birth_date", "This date is in the future"),
    ("who", {"claimant.birth_date": "1899-12-31"}, "claimant.birth_date", "before 1900"),
    ("who", {"claimant.birth_date": "1990-02-30"}, "claimant.birth_date", "Please enter a real date"),
    ("who", {"claimant.full_name": "A"}, "claimant.full_name", "as in the identity document"),
    ("who", {"role": ""}, "role", "Please answer this question."),
    ("who", {"role": "uncle"}, "role", "Please choose one of the answers offered."),
    ("who", {"role": "representative"}, "victim.iin", "Please answer this question."),
    ("case", {"crime.erdr_number": "12345"}, "crime.erdr_number", "The ERDR number has 15 digits"),
    ("case", {"crime.article": "abc"}, "crime.article", "only the number of the article"),
    ("case", {"crime.part": "11"}, "crime.part", "a number from 1 to 10"),
    ("case", {"crime.committed_on": "2026-03-03"}, "crime.committed_on", "This date is in the future"),
    ("case", {"crime.recognized_on": "2026-03-03"}, "crime.recognized_on", "This date is in the future"),
    ("case", {"crime.recognized_on": "2025-04-01"}, "crime.recognized_on", "cannot be earlier than the date"),
    ("case", {"crime.harm": ""}, "crime.harm", "Please answer this question."),
    ("contact", {"claimant.phone": "12"}, "claimant.phone", "+7 or 8, then 10 digits"),
    ("contact", {"claimant.email": "not an address"}, "claimant.email", "does not look like an e-mail"),
    ("contact", {"claimant.iban": "DE89370400440532013000"}, "claimant.iban", "begins with KZ and has 20"),
    ("contact", {"claimant.iban": "KZ86125KZT5004100101"}, "claimant.iban", "mistyped character"),
    ("consent", {"consent": ""}, "consent", "only with your consent"),
]


@pytest.mark.parametrize(
    ("step", "wrong", "field", "message"), RULES, ids=[r[2] + ":" + r[3][:20] for r in RULES]
)
def test_each_rule_is_explained_beside_its_field_and_in_the_summary(
    client, portal_clock, step, wrong, field, message
):
    steps = answers()
    for name in list(steps):
        if name == step:
            break
        assert post_step(client, name, steps[name]).status_code == 303
    answer = post_step(client, step, {**steps[step], **wrong})
    assert answer.status_code == 422
    tree = page(answer)
    beside = tree.xpath(f"//*[@id='{field.replace('.', '-')}-error']")
    assert beside and message in beside[0].text_content()
    summary = tree.get_element_by_id("error-summary")
    assert summary.xpath(f".//a[@href='#{field.replace('.', '-')}']")
    assert message in summary.text_content()
    assert "Traceback" not in answer.get_data(as_text=True) and "must be" not in answer.get_data(as_text=True)


def test_the_messages_are_in_the_page_language(client, portal_clock):
    wrong = {**answers()["who"], "claimant.iin": "12345"}
    expected = {
        "kk": "ЖСН 12 саннан тұрады",
        "ru": "ИИН состоит из 12 цифр",
        "en": "An IIN has 12 digits",
    }
    for language, message in expected.items():
        answer = post_step(client, "who", wrong, language)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), language


def test_answers_survive_back_and_forth_and_a_language_switch(client, portal_clock):
    steps = answers()
    post_step(client, "who", steps["who"])
    post_step(client, "case", {**steps["case"], "crime.erdr_number": "bad"}, go="back")
    assert client.get("/portal/apply/case?lang=ru").status_code == 303
    shown = page(client.get("/portal/apply/case"))
    assert shown.get_element_by_id("crime-erdr_number").value == "bad"
    assert shown.xpath("//html/@lang") == ["ru"]
    assert (
        page(client.get("/portal/apply/who")).get_element_by_id("claimant-iin").value
        == steps["who"]["claimant.iin"]
    )


def test_a_late_claim_is_explained_and_can_be_sent_for_an_officer_to_decide(client, portal_clock):
    steps = answers()
    late = {**steps["case"], "crime.committed_on": "2022-01-10", "crime.recognized_on": "2023-02-01"}
    post_step(client, "who", steps["who"])
    first = post_step(client, "case", late)
    assert first.status_code == 200, "the rule is news, not a mistake"
    text = page(first).text_content()
    assert "that time ended on February 1, 2026" in text and "A court can restore" in text
    assert "error-summary" not in first.get_data(as_text=True)
    assert post_step(client, "case", late).status_code == 422  # an answer is needed now
    assert post_step(client, "case", {**late, "deadline_choice": "officer"}).status_code == 303
    steps["case"] = {**late, "deadline_choice": "officer"}
    sent = apply(client, steps)
    assert sent.status_code == 303
    claim = db.session.scalar(db.select(Claim).order_by(Claim.id.desc()))
    assert claim.deadline_restored_by_court is False and claim.recognized_on == date(2023, 2, 1)


def test_a_court_restored_deadline_is_recorded(client, portal_clock):
    steps = answers()
    steps["case"] = {
        **steps["case"],
        "crime.committed_on": "2022-01-10",
        "crime.recognized_on": "2023-02-01",
        "deadline_choice": "restored",
    }
    assert apply(client, steps).status_code == 303
    assert db.session.scalar(db.select(Claim.deadline_restored_by_court)) is True


def test_a_file_that_is_not_a_document_is_refused_before_anything_is_saved(client, portal_clock):
    import io

    files = {
        "document_code_1": "identity_document",
        "document_file_1": (io.BytesIO(b"MZ\x90\x00 an executable"), "passport.pdf"),
    }
    answer = apply(client, files=files)
    assert answer.status_code == 422
    assert "not a PDF, JPEG or PNG" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Claim)) == 0


def test_nothing_personal_goes_into_an_address(client, portal_clock):
    steps = answers()
    for step, fields in steps.items():
        answer = post_step(client, step, fields)
        assert all(value not in answer.headers["Location"] for value in fields.values() if len(value) > 3)


@pytest.mark.parametrize(
    ("step", "wrong", "field"),
    [
        pytest.param("case", {"crime.recognized_on": "9999-12-31"}, "crime.recognized_on", id="in 9999"),
        pytest.param(
            "case", {"crime.recognized_on": "9997-01-01"}, "crime.recognized_on", id="deadline 10000"
        ),
        pytest.param(
            "case",
            {"crime.committed_on": "9999-12-31", "crime.recognized_on": "9999-12-31"},
            "crime.committed_on",
            id="committed 9999",
        ),
        pytest.param("who", {"claimant.birth_date": "9999-12-31"}, "claimant.birth_date", id="born 9999"),
    ],
)
def test_a_date_in_the_calendars_last_years_is_in_the_future_like_any_other(
    client, portal_clock, step, wrong, field
):
    steps = answers()
    steps[step] = {**steps[step], **wrong}
    for name in ("who", "case"):
        answer = post_step(client, name, steps[name])
        if name == step:
            break
        assert answer.status_code == 303
    assert answer.status_code == 422, answer.get_data(as_text=True)[:3000]
    beside = page(answer).xpath(f"//*[@id='{field.replace('.', '-')}-error']")
    assert beside and "This date is in the future" in beside[0].text_content()
    # The draft keeps the date, and every page that shows the draft still opens.
    for name in STEP_NAMES:
        assert client.get(f"/portal/apply/{name}").status_code == 200, name
    sent = client.post(
        "/portal/apply/check", data={"csrf_token": token(client)}, content_type="multipart/form-data"
    )
    assert sent.status_code == 422 and "This date is in the future" in sent.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Claim)) == 0
