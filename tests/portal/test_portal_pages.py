"""The portal's pages as a new visitor meets them: "/" is the portal, the privacy notice and the
accessibility statement in three languages linked from every page, the check-and-send step that
shows every answer as it will be sent, a first step that asks only what applies, clean file
errors, and an upload form and texts that match what the status page offers."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from fund.extensions import db
from fund.models import Document
from tests.conftest import DOCUMENTS_MISSING, PASSWORD
from tests.portal import test_portal_submission
from tests.portal.test_portal_catalogs import PAGES
from tests.portal.test_portal_services import T0, file_claim, reject
from tests.portal.test_portal_status import PDF, csrf, portal_sign_in, text_of
from tests.portal.test_portal_submission import answers, apply, page, post_step
from tests.web_helpers import sign_in

portal_clock = test_portal_submission.portal_clock  # a fixture: the portal's clock, frozen

# --- "/" -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "heading"), [("kk", "Жәбірленушілерге өтемақы қоры"), ("ru", "Фонд")])
def test_a_visitor_at_the_start_finds_the_portal_in_their_language(client, language, heading):
    start = client.get("/", headers={"Accept-Language": language})
    assert start.status_code == 302 and start.headers["Location"] == "/portal"

    portal = client.get(start.headers["Location"], headers={"Accept-Language": language})

    tree = page(portal)
    assert tree.xpath("/html/@lang") == [language]
    assert heading in tree.xpath("string(//header)")
    staff_link = tree.xpath("//footer//a[@href='/sign-in']")
    assert staff_link and "staff-link" in staff_link[0].get("class")


def test_signed_in_staff_at_the_start_still_land_on_their_work(app, staff, client):
    staff.user("ivan", "intake")
    sign_in(client, "ivan", PASSWORD)

    assert client.get("/").headers["Location"] == "/worklist"


# --- the privacy notice and the accessibility statement -----------------------------------------------

STATEMENTS = {
    "/portal/privacy": {
        "kk": ("Дербес деректерді өңдеу туралы хабарлама", "«Дербес деректер және оларды қорғау туралы»"),
        "ru": ("Уведомление об обработке персональных данных", "«О персональных данных и их защите»"),
        "en": ("Privacy notice", "“On personal data and their protection”"),
    },
    "/portal/accessibility": {
        "kk": ("Қолжетімділік туралы мәлімдеме", "4,5:1"),
        "ru": ("Заявление о доступности", "4,5:1"),
        "en": ("Accessibility statement", "4.5 to 1"),
    },
}


@pytest.mark.parametrize("path", list(STATEMENTS))
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_each_statement_is_a_page_in_three_languages(client, path, language):
    heading, detail = STATEMENTS[path][language]

    answer = client.get(path, headers={"Accept-Language": language})

    assert answer.status_code == 200
    tree = page(answer)
    assert tree.xpath("/html/@lang") == [language]
    assert tree.xpath("string(//h1)") == heading
    assert detail in tree.xpath("string(//main)")
    assert "lawyers" not in answer.get_data(as_text=True)  # the note for the lawyers stays in the template


def test_the_privacy_notice_says_every_view_is_logged_and_names_the_rights(client):
    text = text_of(client.get("/portal/privacy", headers={"Accept-Language": "ru"}))

    assert "это записывается: кто, когда и что открыл" in text
    assert "отозвать согласие" in text and "уполномоченный орган" in text
    assert "Казначейство" in text


@pytest.mark.parametrize("path", PAGES)
def test_every_portal_page_links_both_statements_from_its_footer(client, path):
    footer = page(client.get(path)).xpath("//footer")[0]

    assert {"/portal/privacy", "/portal/accessibility"} <= set(footer.xpath(".//a/@href"))


def test_the_statements_are_in_the_catalog_tests_pages():
    assert {"/portal/privacy", "/portal/accessibility"} <= set(PAGES)


# --- the check-and-send step ---------------------------------------------------------------------------


def check_step(client, steps, language: str):
    for step, fields in steps.items():
        assert post_step(client, step, fields, language).status_code == 303, step
    return page(client.get("/portal/apply/check", headers={"Accept-Language": language}))


def answered(tree) -> dict[str, str]:
    """The check step's answers: each question with its answer."""
    return {
        dt.text_content().strip(): dt.getnext().text_content().strip()
        for dt in tree.xpath("//dl[contains(@class, 'answers')]/dt")
    }


@pytest.mark.parametrize(
    ("language", "recognised", "deadline", "answer"),
    [
        ("kk", "1 ақпан 2023 ж.", "Үш жылдық мерзім", "Сот мерзімді қалпына келтірді"),
        ("ru", "1 февраля 2023 г.", "Трёхлетний срок", "Суд восстановил срок"),
        ("en", "1 February 2023", "The three-year deadline", "A court has restored the deadline"),
    ],
)
def test_the_check_step_writes_dates_out_groups_the_iban_and_shows_the_deadline_answer(
    client, portal_clock, language, recognised, deadline, answer
):
    steps = answers()
    steps["case"].update(
        {
            "crime.committed_on": "2022-01-10",
            "crime.recognized_on": "2023-02-01",
            "deadline_choice": "restored",
        }
    )
    steps["contact"].update({"claimant.phone": "87012345678", "claimant.iban": "kz86125kzt5004100100"})

    shown = answered(check_step(client, steps, language))

    assert recognised in shown.values()
    assert shown[deadline] == answer
    assert "KZ86 125K ZT50 0410 0100" in shown.values()
    assert "+7 701 234 56 78" in shown.values()
    assert "2023-02-01" not in " ".join(shown.values())


def test_the_check_step_shows_an_officer_decides_when_no_court_restored_the_deadline(client, portal_clock):
    steps = answers()
    steps["case"].update(
        {
            "crime.committed_on": "2022-01-10",
            "crime.recognized_on": "2023-02-01",
            "deadline_choice": "officer",
        }
    )

    shown = answered(check_step(client, steps, "en"))

    assert shown["The three-year deadline"] == "No court decision: an officer will decide"


def test_the_check_step_shows_every_answer_and_no_victim_answers_of_a_victim(client, portal_clock):
    steps = answers()
    steps["who"].update({"victim.full_name": "Typed by mistake", "victim.iin": "", "victim.birth_date": ""})
    steps["contact"]["claimant.email"] = ""

    shown = answered(check_step(client, steps, "en"))

    assert shown["Who are you?"] == "I am the victim"
    assert shown["Your date of birth"] == "15 January 1990"
    assert shown["Date of the crime"] == "1 May 2025"
    assert shown["E-mail (if you have one)"] == "Not given"
    assert shown["Consent"] == "Given"
    assert "Their full name" not in shown and "Typed by mistake" not in shown.values()
    # The optional crisis-centre question (tests/portal/test_crisis_help_pages.py), not answered.
    crisis_answer = shown["Would you like a crisis centre to contact you?"]
    assert crisis_answer == "Not answered: no crisis centre will be asked"
    assert len(shown) == 16


def test_a_representatives_check_step_shows_the_child(client, portal_clock):
    from datetime import date

    from tests.conftest import make_iin

    steps = answers()
    steps["who"].update(
        {
            "role": "representative",
            "victim.full_name": "Әлихан Сәрсенов",
            "victim.iin": make_iin(date(2015, 4, 3)),
            "victim.birth_date": "2015-04-03",
        }
    )

    shown = answered(check_step(client, steps, "ru"))

    assert shown["Его (её) фамилия, имя и отчество"] == "Әлихан Сәрсенов"
    assert shown["Его (её) дата рождения"] == "3 апреля 2015 г."


def test_long_answers_wrap_between_words_and_break_a_word_only_where_it_cannot_fit():
    from fund import PROJECT_ROOT

    css = (PROJECT_ROOT / "fund" / "static" / "portal.css").read_text()
    assert ".portal dl.answers dt, .portal dl.answers dd { min-width: 0; overflow-wrap: break-word; }" in css


# --- the first step asks only what applies -------------------------------------------------------------


def test_an_empty_first_step_does_not_ask_for_the_victim(client, portal_clock):
    refused = post_step(client, "who", {})

    assert refused.status_code == 422
    asked = {link.get("href") for link in page(refused).xpath("//*[@id='error-summary']//a")}
    assert asked == {"#role", "#claimant-full_name", "#claimant-iin", "#claimant-birth_date"}


def test_a_representative_is_asked_for_the_victim(client, portal_clock):
    steps = answers()

    refused = post_step(client, "who", {**steps["who"], "role": "representative"})

    asked = {link.get("href") for link in page(refused).xpath("//*[@id='error-summary']//a")}
    assert asked == {"#victim-full_name", "#victim-iin", "#victim-birth_date"}


# --- file errors in one clean sentence -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Document 1: This file is not a PDF, JPEG or PNG document."),
        ("ru", "Документ 1: "),
    ],
)
def test_a_wrong_file_is_named_by_its_place_in_one_sentence(client, portal_clock, language, sentence):
    files = {
        "document_code_1": "identity_document",
        "document_file_1": (io.BytesIO(b"MZ\x90\x00 an executable"), "passport.pdf"),
    }

    refused = apply(client, files=files, language=language)

    assert refused.status_code == 422
    summary = page(refused).get_element_by_id("error-summary").text_content()
    assert sentence in summary
    assert ".:" not in summary and "Please check this answer" not in summary


# --- the status page: the upload form stays, the words match what it offers ---------------------------


def test_after_requested_documents_are_sent_more_can_still_be_added(client, submit, officers):
    claim = submit()
    officers.check_documents(claim["reference"], DOCUMENTS_MISSING)
    portal_sign_in(client, claim["reference"], claim["access_code"])
    first = client.post(
        "/portal/documents",
        data={
            "csrf_token": csrf(client, "/portal/status"),
            "file_forensic_medical_report": (io.BytesIO(PDF), "report.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert first.status_code == 303

    status = page(client.get("/portal/status"))
    assert status.xpath("//form[@action='/portal/documents']"), "the upload form is still there"
    second = client.post(
        "/portal/documents",
        data={
            "csrf_token": csrf(client, "/portal/status"),
            "document_code_1": "forensic_medical_report",
            "document_file_1": (io.BytesIO(PDF), "report-page-2.pdf"),
        },
        content_type="multipart/form-data",
    )

    assert second.status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 2
    assert "report-page-2.pdf" in text_of(client.get("/portal/status"))


def test_a_rejected_claim_page_has_the_documents_form_its_reconsideration_hint_points_to(
    app, client, monkeypatch
):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: T0 + timedelta(days=3))
    portal_sign_in(client, filed.reference, filed.access_code)

    shown = client.get("/portal/status")

    tree = page(shown)
    forms = [form.get("action") for form in tree.xpath("//form")]
    assert "/portal/reconsideration" in forms and "/portal/documents" in forms
    # "above" is true: documents can be sent with the request, and their form comes first.
    assert forms.index("/portal/documents") < forms.index("/portal/reconsideration")
    hint = tree.get_element_by_id("reason-hint").text_content()
    assert hint == "In your own words. You can also send new documents above."
