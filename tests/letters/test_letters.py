"""Letters: what each kind says in kk, ru and en, read back from the PDF, and how they are issued,
stored unchanged, reissued and checked.

Claims are submitted through the API; letters are the ones the process made due, or rows made due
on a submitted claim with the payload the process sends (bpmn/compensation_claim.bpmn).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont
from sqlalchemy import inspect, select

from fund.audit.runs import read_batch
from fund.common.errors import Conflict
from fund.extensions import db
from fund.letters import texts
from fund.letters.pdf import LetterContent, font_path, render_letter
from fund.letters.service import (
    CODE_ALPHABET,
    LetterAlreadyIssued,
    issue_due_letters,
    issue_letter,
    matches_stored_pdf,
    reissue_letter,
    verify_letter,
)
from fund.models import Claim, Letter
from tests.conftest import DOCUMENTS_MISSING

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the `clock` fixture's instant: 14:00 in Almaty
CODES = json.loads((Path(__file__).parents[2] / "bpmn" / "forms" / "codes.json").read_text())["$defs"]
CODE_ON_LETTER = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")
NAMES = {"kk": "Жиһан Өмірзақова", "ru": "Ольга Петрова", "en": "Dana Bekova"}
HEADERS = {
    "kk": "Жәбірленушілерге өтемақы қоры",
    "ru": "Фонд компенсации потерпевшим",
    "en": "Victims Compensation Fund",
}


# --- helpers -------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """The letter's text as pypdf reads it, with every run of white space made one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def claim_row(reference: str) -> Claim:
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def letters_of(reference: str, kind: str) -> list[Letter]:
    claim = claim_row(reference)
    return list(
        db.session.scalars(
            select(Letter).where(Letter.claim_id == claim.id, Letter.kind == kind).order_by(Letter.id)
        )
    )


def issued(letter: Letter, now: datetime = NOW) -> Letter:
    """The letter, issued: by the command that made it due, or here while that is not wired in yet."""
    if letter.status == "due":
        issue_letter(letter, now)
        db.session.commit()
    return letter


def due_letter(reference: str, kind: str, details: dict) -> Letter:
    """A letter made due on a submitted claim, with the payload the process would send."""
    letter = Letter(claim_id=claim_row(reference).id, kind=kind, status="due", details=details, due_at=NOW)
    db.session.add(letter)
    db.session.flush()
    return letter


def submitted(submit, language: str) -> str:
    return submit(claimant__language=language, claimant__full_name=NAMES[language])["reference"]


def code_printed_on(letter: Letter) -> str:
    (code,) = set(CODE_ON_LETTER.findall(pdf_text(letter.pdf)))
    return code


# --- the font ------------------------------------------------------------------------------------


def test_the_font_comes_from_an_installed_package_and_has_every_kazakh_letter():
    path = font_path()
    assert "site-packages" in path or "dist-packages" in path, path
    assert not path.startswith("/usr/share/fonts")
    for face in ("regular", "bold"):
        cmap = TTFont(f"check-{face}", font_path(face)).face.charToGlyph
        missing = [letter for letter in texts.KAZAKH_LETTERS if ord(letter) not in cmap]
        assert missing == [], f"{face} lacks {missing}"


def test_every_character_the_letters_print_is_in_the_font():
    cmap = TTFont("check-wording", font_path()).face.charToGlyph
    used = set("".join(texts.all_wording())) | set("0123456789×·•—№:-/.,")
    assert sorted(c for c in used if ord(c) not in cmap and not c.isspace()) == []


# --- the words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_list", "labels"),
    [("document_code", texts.DOCUMENT_LABELS), ("rejection_reason", texts.REJECTION_REASON_LABELS)],
)
def test_every_code_has_plain_words_in_three_languages_and_english_as_in_codes_json(code_list, labels):
    assert set(labels) == set(CODES[code_list]["enum"])
    for code, english in CODES[code_list]["x-labels"].items():
        assert labels[code]["en"] == english
        assert set(labels[code]) == set(texts.LANGUAGES)
        assert re.search("[а-яА-ЯәғқңөұүһіӘҒҚҢӨҰҮҺІ]", labels[code]["kk"]), "Kazakh is written in Cyrillic"
        assert labels[code]["kk"] != labels[code]["ru"]


def test_every_kind_of_letter_has_the_same_parts_in_every_language():
    for language in texts.LANGUAGES:
        assert set(texts.BODIES[language]) == set(texts.KIND_NAMES)
        for kind in texts.KIND_NAMES:
            assert set(texts.BODIES[language][kind]) == set(texts.BODIES["en"][kind])
        assert set(texts.COMMON[language]) == set(texts.COMMON["en"])
        assert set(texts.VERIFY_PAGE[language]) == set(texts.VERIFY_PAGE["en"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "173 000 теңге"), ("ru", "173 000 тенге"), ("en", "173,000 tenge")],
)
def test_amounts_are_whole_tenge_grouped_in_the_language_s_style(language, expected):
    assert texts.format_tenge(173000, language).replace("\u00a0", " ") == expected


@pytest.mark.parametrize(
    ("language", "form", "expected"),
    [
        ("kk", "", "2026 жылғы 1 сәуір"),
        ("kk", "on", "2026 жылғы 1 сәуірде"),
        ("kk", "from", "2026 жылғы 1 сәуірден"),
        ("ru", "", "1 апреля 2026 года"),
        ("en", "", "1 April 2026"),
    ],
)
def test_dates_are_written_as_the_language_writes_them(language, form, expected):
    day = datetime(2026, 4, 1).date()
    assert texts.format_date(day, language, form).replace("\u00a0", " ") == expected


# --- each kind of letter, in each language -------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Өтінішіңіз қабылданды",
                "Кімге: Жиһан Өмірзақова",
                "Күні: 2026 жылғы 2 наурыз",
                "Ол 2026 жылғы 2 наурызда",
                "Тексеру коды:",
            ],
        ),
        (
            "ru",
            [
                "Ваше заявление получено",
                "Кому: Ольга Петрова",
                "Дата: 2 марта 2026 года",
                "зарегистрировано 2 марта 2026 года",
                "Код проверки:",
            ],
        ),
        (
            "en",
            [
                "We have received your claim",
                "To: Dana Bekova",
                "Date: 2 March 2026",
                "registered on 2 March 2026",
                "Verification code:",
            ],
        ),
    ],
)
def test_the_acknowledgement_gives_the_reference_and_how_to_follow_the_claim(
    submit, clock, language, expected
):
    reference = submitted(submit, language)
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    text = pdf_text(letter.pdf)

    assert letter.language == language
    assert HEADERS[language] in text
    assert reference in text
    assert letter.number in text
    assert f"http://127.0.0.1:5000/verify/{letter.number}" in text
    for words in expected:
        assert words in text
    other = {"kk": "Кому:", "ru": "To:", "en": "Кімге:"}[language]
    assert other not in text, "the letter is in one language"


def test_a_kazakh_letter_reads_back_every_kazakh_letter(submit, clock):
    reference = submitted(submit, "kk")
    letter = issued(
        due_letter(
            reference,
            "document_request",
            {
                "missing_documents": ["forensic_medical_report", "representative_authority"],
                "respond_by": "2026-04-01",
                "round": 1,
            },
        )
    )
    text = pdf_text(letter.pdf)

    assert set("әғқңөұүһі") <= set(text)
    assert "Жиһан Өмірзақова" in text
    assert "Сот-медициналық сараптама қорытындысы" in text
    assert "Оларды 2026 жылғы 1 сәуірден кешіктірмей Қорға жіберіңіз" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Өтінішіңізге қажет құжаттар",
                "Сот-медициналық сараптама қорытындысы",
                "2026 жылғы 1 сәуірден кешіктірмей",
                "толық емес деп жабылады",
            ],
        ),
        (
            "ru",
            [
                "Документы, которые нужны для вашего заявления",
                "Заключение судебно-медицинской экспертизы",
                "не позднее 1 апреля 2026 года",
                "закрыто как неполное",
            ],
        ),
        (
            "en",
            [
                "Documents we need for your claim",
                "Forensic medical report",
                "no later than 1 April 2026",
                "closed as incomplete",
            ],
        ),
    ],
)
def test_the_document_request_names_the_missing_documents_and_the_date_to_answer_by(
    submit, clock, officers, language, expected
):
    reference = submitted(submit, language)
    officers.check_documents(reference, DOCUMENTS_MISSING)  # the process asks for 30 days
    (letter,) = letters_of(reference, "document_request")
    issued(letter)
    text = pdf_text(letter.pdf)

    assert letter.details["respond_by"] == "2026-04-01"
    assert NAMES[language] in text and reference in text
    for words in expected:
        assert words in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Еске салу: әлі қажет құжаттар",
                "Қайтыс болғаны туралы куәлік",
                "Туыстықты немесе құқықтық мирасқорлықты растайтын құжат",
                "2026 жылғы 1 сәуірден кешіктірмей",
            ],
        ),
        (
            "ru",
            [
                "Напоминание: документы, которые ещё нужны",
                "Свидетельство о смерти",
                "Документ, подтверждающий родство или правопреемство",
                "не позднее 1 апреля 2026 года",
            ],
        ),
        (
            "en",
            [
                "Reminder: documents we still need",
                "Death certificate",
                "Proof of kinship or succession",
                "no later than 1 April 2026",
            ],
        ),
    ],
)
def test_the_reminder_lists_the_documents_still_missing(submit, clock, language, expected):
    reference = submitted(submit, language)
    letter = issued(
        due_letter(
            reference,
            "document_reminder",
            {
                "missing_documents": ["death_certificate", "kinship_proof"],
                "respond_by": "2026-04-01",
            },
        )
    )
    text = pdf_text(letter.pdf)

    for words in expected:
        assert words in text


def test_the_approval_the_process_makes_due_shows_the_amount_and_how_it_was_reckoned(submit, clock, officers):
    reference = submitted(submit, "ru")
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    (letter,) = letters_of(reference, "approval")
    issued(letter)
    text = pdf_text(letter.pdf)

    assert "Ольга Петрова" in text and reference in text
    assert "Сумма к выплате: 173 000 тенге." in text
    assert "40 МРП" in text
    assert "40 × 4 325 = 173 000 тенге" in text
    assert "2 марта 2026 года Фонд принял решение выплатить вам компенсацию" in text
    assert "оканчивается на 0100" in text  # the last characters of the IBAN, not the IBAN
    assert "KZ86125KZT5004100100" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Өтемақы тағайындалды",
                "Төленетін сома: 1 234 550 теңге.",
                "50 АЕК",
                "50 × 24 691 = 1 234 550 теңге",
                "Қор 2027 жылғы 15 қаңтарда",
                "Қазынашылық",
            ],
        ),
        (
            "ru",
            [
                "Компенсация назначена",
                "Сумма к выплате: 1 234 550 тенге.",
                "50 МРП",
                "50 × 24 691 = 1 234 550 тенге",
                "15 января 2027 года Фонд принял решение",
                "Казначейство",
            ],
        ),
        (
            "en",
            [
                "Compensation is granted",
                "Amount to be paid: 1,234,550 tenge.",
                "50 MCI",
                "50 × 24,691 = 1,234,550 tenge",
                "On 15 January 2027 the Fund decided",
                "Treasury",
            ],
        ),
    ],
)
def test_the_approval_prints_the_amounts_of_its_payload_in_each_language(submit, clock, language, expected):
    reference = submitted(submit, language)
    # The figures are whatever the process decided; Decimal values arrive as text.
    letter = issued(
        due_letter(
            reference,
            "approval",
            {
                "amount_mci": 50,
                "mci_rate": "24691",
                "amount_kzt": "1234550",
                "decision_date": "2027-01-15",
            },
        )
    )
    text = pdf_text(letter.pdf)

    assert NAMES[language] in text and reference in text
    for words in expected:
        assert words in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Өтінішіңіз бойынша шешім",
                "Өтініште жалған мәліметтер бар",
                "Құжаттар бір-бірімен немесе өтініштегі мәліметтермен сәйкес келмейді",
                "2026 жылғы 1 сәуірден кешіктірмей",
                "қайта қарауды сұрай аласыз",
            ],
        ),
        (
            "ru",
            [
                "Решение по вашему заявлению",
                "Заявление содержит недостоверные сведения",
                "Документы не согласуются друг с другом или с заявлением",
                "не позднее 1 апреля 2026 года",
                "попросить его пересмотреть",
            ],
        ),
        (
            "en",
            [
                "Decision on your claim",
                "The claim contains false information",
                "The documents do not agree with each other or with the claim",
                "no later than 1 April 2026",
                "ask for the decision to be reconsidered",
            ],
        ),
    ],
)
def test_a_rejection_gives_the_reasons_and_until_when_to_ask_for_reconsideration(
    submit, clock, officers, language, expected
):
    reference = submitted(submit, language)
    officers.check_documents(reference)
    officers.review(reference)
    reject = {"decision": "reject", "reasons": ["false_information", "documents_inconsistent"]}
    response = officers.complete(officers.task(reference, "approval", "alma")["id"], reject, "alma")
    assert response.status_code == 200, response.get_json()
    (letter,) = letters_of(reference, "rejection")
    issued(letter)
    text = pdf_text(letter.pdf)

    assert letter.details["reconsideration_until"] == "2026-04-01"
    assert NAMES[language] in text and reference in text
    for words in expected:
        assert words in text
    final = {"kk": "түпкілікті", "ru": "окончательное", "en": "final"}[language]
    assert final not in text


@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [
        (
            "kk",
            [
                "Бұл шешім түпкілікті",
                "сотқа шағымдана аласыз",
                "Басқа себеп",
                "Қызметкердің түсініктемесі: Құжаттар & <басқа> істен алынған",
            ],
            "кешіктірмей",
        ),
        (
            "ru",
            [
                "Это решение окончательное",
                "обжаловать решение в суде",
                "Другая причина",
                "Пояснение сотрудника: Құжаттар & <басқа> істен алынған",
            ],
            "не позднее",
        ),
        (
            "en",
            [
                "This decision is final",
                "challenge the decision in court",
                "Another reason",
                "The officer's note: Құжаттар & <басқа> істен алынған",
            ],
            "no later than",
        ),
    ],
)
def test_a_final_rejection_says_it_is_final_and_may_be_challenged_in_court(
    submit, clock, language, expected, not_expected
):
    reference = submitted(submit, language)
    letter = issued(
        due_letter(
            reference,
            "rejection",
            {
                "reasons": ["other"],
                "decision_date": "2026-05-04",
                "reconsideration_until": None,
                "comment": "Құжаттар & <басқа> істен алынған",  # markup characters are printed, not obeyed
            },
        )
    )
    text = pdf_text(letter.pdf)

    for words in expected:
        assert words in text
    assert not_expected not in text


# --- issuing, storing, reissuing -----------------------------------------------------------------


def test_an_issued_letter_has_a_number_a_code_and_the_sha256_of_its_stored_pdf(submit, clock):
    reference = submitted(submit, "en")
    letter = due_letter(
        reference,
        "approval",
        {
            "amount_mci": 40,
            "mci_rate": 4325,
            "amount_kzt": 173000,
            "decision_date": "2026-03-02",
        },
    )
    code = issue_letter(letter, NOW)
    db.session.commit()

    assert letter.status == "issued"
    assert letter.number == f"VCF-L-2026-{letter.id:07d}"
    assert letter.issued_at == NOW
    assert letter.pdf.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{5}}-[{CODE_ALPHABET}]{{5}}", code)
    assert code_printed_on(letter) == code
    assert code.replace("-", "") not in letter.verification_code_hash  # only its keyed hash is kept
    assert re.fullmatch("hmac-sha256:[0-9a-f]{64}", letter.verification_code_hash)


def test_the_number_carries_the_year_in_almaty(submit, clock):
    reference = submitted(submit, "en")
    letter = due_letter(reference, "acknowledgement", {"letter": "acknowledgement"})
    new_year_in_almaty = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 1 January 2027, 01:00 in Almaty
    issue_letter(letter, new_year_in_almaty)

    assert letter.number.startswith("VCF-L-2027-")
    assert "Date: 1 January 2027" in pdf_text(letter.pdf)


def test_issuing_an_issued_letter_is_refused_and_changes_nothing(submit, clock):
    reference = submitted(submit, "kk")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    before = (letter.number, letter.pdf, letter.sha256, letter.verification_code_hash, letter.issued_at)

    with pytest.raises(LetterAlreadyIssued):
        issue_letter(letter, NOW + timedelta(days=1))
    assert isinstance(LetterAlreadyIssued("x"), Conflict)  # the API answers 409

    db.session.rollback()
    stored = db.session.get(Letter, letter.id)
    assert (
        stored.number,
        stored.pdf,
        stored.sha256,
        stored.verification_code_hash,
        stored.issued_at,
    ) == before


def test_an_issued_letter_cannot_be_rewritten_by_any_code_path(submit, clock):
    reference = submitted(submit, "ru")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    original = letter.pdf

    letter.pdf = original[:-1] + b"x"
    with pytest.raises(LetterAlreadyIssued):
        db.session.flush()
    db.session.rollback()
    letter.status = "due"  # an expired object, as after any commit
    with pytest.raises(LetterAlreadyIssued):
        db.session.flush()
    db.session.rollback()
    db.session.delete(letter)  # an expired object: its status is not loaded
    with pytest.raises(LetterAlreadyIssued):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Letter, letter.id).pdf == original


def test_issue_due_letters_issues_every_due_letter_of_the_claim_and_leaves_the_commit_to_the_caller(
    submit, clock
):
    reference = submitted(submit, "en")
    other = submitted(submit, "ru")
    for letter in letters_of(reference, "acknowledgement") + letters_of(other, "acknowledgement"):
        issued(letter)
    request = due_letter(
        reference,
        "document_request",
        {"missing_documents": ["death_certificate"], "respond_by": "2026-04-01"},
    )
    reminder = due_letter(
        reference,
        "document_reminder",
        {"missing_documents": ["death_certificate"], "respond_by": "2026-04-01"},
    )
    elsewhere = due_letter(other, "document_request", {"missing_documents": [], "respond_by": "2026-04-01"})
    db.session.commit()

    issued_now = issue_due_letters(claim_row(reference), NOW)

    assert [letter.id for letter in issued_now] == [request.id, reminder.id]
    assert {letter.status for letter in issued_now} == {"issued"}
    assert elsewhere.status == "due"
    db.session.rollback()  # nothing was committed inside
    assert db.session.get(Letter, request.id).status == "due"


def test_a_reissue_has_a_new_number_and_leaves_the_old_letter_byte_for_byte_unchanged(submit, clock):
    reference = submitted(submit, "kk")
    (old,) = letters_of(reference, "acknowledgement")
    issued(old)
    old_code = code_printed_on(old)
    before = (old.number, bytes(old.pdf), old.sha256, old.verification_code_hash, old.issued_at, old.status)

    new = reissue_letter(old, NOW + timedelta(days=3), actor="ivan")
    db.session.commit()
    db.session.expire_all()
    old = db.session.get(Letter, old.id)

    assert (
        old.number,
        bytes(old.pdf),
        old.sha256,
        old.verification_code_hash,
        old.issued_at,
        old.status,
    ) == before
    assert new.number != old.number and new.id != old.id
    assert (new.kind, new.details, new.reissue_of_id, new.status) == (old.kind, old.details, old.id, "issued")
    assert new.sha256 == hashlib.sha256(new.pdf).hexdigest() != old.sha256
    new_text = pdf_text(new.pdf)
    assert f"2026 жылғы 2 наурызда берілген № {old.number} хаттың орнына берілді" in new_text
    assert code_printed_on(new) != old_code

    assert verify_letter(old.number, old_code).reissued is True
    assert verify_letter(new.number, code_printed_on(new)).reissued is False
    with pytest.raises(Conflict):
        reissue_letter(old, NOW + timedelta(days=4), actor="ivan")  # reissue the newest one instead


def test_a_due_letter_cannot_be_reissued(submit, clock):
    reference = submitted(submit, "en")
    letter = due_letter(reference, "document_request", {"missing_documents": [], "respond_by": "2026-04-01"})
    with pytest.raises(Conflict):
        reissue_letter(letter, NOW, actor="ivan")


def test_a_letters_pdf_is_read_only_where_it_is_needed(submit, clock):
    """Letters listed (the claimant's status, the claim page) come without their ~30 KB PDFs; the
    audit, which hashes every PDF, reads them with the letters: one statement, not one per letter."""
    reference = submitted(submit, "en")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    claim_id = letter.claim_id
    db.session.remove()

    (listed,) = letters_of(reference, "acknowledgement")
    assert "pdf" in inspect(listed).unloaded
    db.session.remove()
    ((_, records),) = read_batch(db.session, [claim_id])
    assert ["pdf" in inspect(audited).unloaded for audited in records.letters] == [False]
    assert records.letters[0].pdf.startswith(b"%PDF-")


# --- checking a letter ---------------------------------------------------------------------------


def test_verify_confirms_a_letter_with_its_code_and_says_nothing_about_the_person(submit, clock):
    reference = submitted(submit, "ru")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    code = code_printed_on(letter)

    check = verify_letter(letter.number, code)

    assert check is not None
    assert (check.number, check.kind, check.issued_on, check.sha256, check.status, check.reissued) == (
        letter.number,
        "acknowledgement",
        datetime(2026, 3, 2).date(),
        letter.sha256,
        "issued",
        False,
    )
    # The signature names the fund's certificate, never the person; this letter is unsigned (no key).
    assert set(vars(check)) == {"number", "kind", "issued_on", "sha256", "status", "reissued", "signature"}
    assert check.signature is None
    # Typed by hand: lower case, without the dash, or with Cyrillic look-alikes of the Latin letters.
    assert verify_letter(letter.number.lower(), code.lower().replace("-", " ")) is not None
    cyrillic = code.translate(str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ"))
    assert verify_letter(letter.number, cyrillic) is not None


def test_verify_gives_the_same_none_for_a_wrong_code_and_an_unknown_number(submit, clock):
    reference = submitted(submit, "en")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    code = code_printed_on(letter)
    wrong = ("B" if code[0] == "A" else "A") + code[1:]

    assert verify_letter(letter.number, wrong) is None
    assert verify_letter("VCF-L-2026-9999999", code) is None
    assert verify_letter("not a number", code) is None
    assert verify_letter(letter.number, "") is None


def test_matches_stored_pdf_accepts_the_exact_file_only(submit, clock):
    reference = submitted(submit, "kk")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)
    code = code_printed_on(letter)
    altered = bytearray(letter.pdf)
    altered[len(altered) // 2] ^= 0x01

    assert matches_stored_pdf(letter.number, code, bytes(letter.pdf)) is True
    assert matches_stored_pdf(letter.number, code, bytes(altered)) is False
    assert matches_stored_pdf(letter.number, "AAAAA-AAAAA", bytes(letter.pdf)) is False


# --- rendering under threads ---------------------------------------------------------------------


@pytest.fixture
def frequent_thread_switches():
    """Switch threads every 10 µs instead of every 5 ms, so that threads interleave inside reportlab
    often: before the fix, 1 letter in 5 to 1 in 20 failed this way (1 in 60 at the default interval)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def letter_content(number: int, language: str) -> LetterContent:
    """The acknowledgement of claim ``number``, as the service gathers it; the renderer reads nothing else."""
    return LetterContent(
        kind="acknowledgement",
        language=language,
        number=f"VCF-L-2026-{number:07d}",
        issued_on=NOW.date(),
        claimant_name=NAMES[language],
        claim_reference=f"VCF-2026-{number:06d}",
        verification_code=f"ABCDE-{CODE_ALPHABET[number % len(CODE_ALPHABET)]}FGHJ",
        verify_url=f"http://127.0.0.1:5000/verify/VCF-L-2026-{number:07d}",
        site_url="http://127.0.0.1:5000/portal/status",
        submitted_on=NOW.date(),
    )


def test_eight_threads_render_letters_at_once_and_every_pdf_reads_back_right(frequent_thread_switches):
    # Gunicorn's threaded workers and `fund run` render letters in several threads of one process,
    # which share the registered fonts.
    threads, rounds = 8, 50
    languages = list(texts.LANGUAGES)

    def render_and_read(number: int, start: threading.Barrier) -> tuple[LetterContent, str]:
        content = letter_content(number, languages[number % len(languages)])
        start.wait()  # the round's eight letters are rendered at the same moment
        return content, pdf_text(render_letter(content))

    failures = []
    with ThreadPoolExecutor(threads) as pool:
        for round_number in range(rounds):
            start = threading.Barrier(threads)
            numbers = range(round_number * threads, (round_number + 1) * threads)
            for future in [pool.submit(render_and_read, number, start) for number in numbers]:
                try:
                    content, text = future.result()
                except Exception as error:  # noqa: BLE001 - every failed letter is counted, not just the first
                    failures.append(repr(error))
                    continue
                for printed in (content.number, content.claimant_name, content.verification_code):
                    if printed not in text:
                        failures.append(f"{content.number}: {printed!r} missing")

    assert failures == []
