"""The public page /verify/<number>: anyone holding a letter checks that the Fund issued it, and
that a PDF file is exactly the one the Fund stored, without learning anything about the person.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from fund import create_app
from fund.extensions import db
from fund.letters.service import issue_letter, normalize_code
from fund.letters.views import MAX_PDF_BYTES, verify_blueprint
from fund.models import Claim, Letter
from tests.letters.test_letters import code_printed_on

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAME = "Жиһан Өмірзақова"


@pytest.fixture(scope="session")
def _verify_app(_migrated_app):
    """The application with the verification page, on the test database.

    Until create_app registers the page itself, tests use an application of their own: Flask
    refuses new blueprints on an application that has already served requests.
    """
    if "verify" in _migrated_app.blueprints:
        return _migrated_app
    own = create_app(dict(_migrated_app.config))
    own.register_blueprint(verify_blueprint)
    own.test_client_class = _migrated_app.test_client_class
    return own


@pytest.fixture
def page(app, _verify_app):
    return _verify_app.test_client()


@pytest.fixture
def letter(submit, clock) -> tuple[Letter, str]:
    """An issued acknowledgement of a claim in Kazakh, and the code printed on it (committed)."""
    reference = submit(claimant__full_name=NAME, claimant__language="kk")["reference"]
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    (acknowledgement,) = claim.letters
    if acknowledgement.status == "due":
        issue_letter(acknowledgement, NOW)
    db.session.commit()
    return acknowledgement, code_printed_on(acknowledgement)


def check(
    page,
    number: str,
    code: str | None,
    pdf: bytes | None = None,
    filename: str = "letter.pdf",
    lang: str = "en",
):
    data: dict = {}
    if code is not None:
        data["code"] = code
    if pdf is not None:
        data["pdf"] = (io.BytesIO(pdf), filename)
    return page.post(f"/verify/{number}?lang={lang}", data=data, content_type="multipart/form-data")


def test_the_form_asks_for_the_code_and_optionally_the_pdf(page, letter):
    response = page.get(f"/verify/{letter[0].number}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="code"' in html and 'name="pdf"' in html and 'type="file"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_right_code_says_the_letter_is_authentic_and_shows_no_personal_data(page, letter):
    issued, code = letter
    claimant = issued.claim.claimant

    response = check(page, issued.number, code)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-result="authentic"' in html
    assert "This letter was issued by the Victims Compensation Fund." in html
    assert issued.number in html and issued.sha256 in html
    assert "Acknowledgement of the claim" in html and "2\u00a0March 2026" in html
    for personal in (
        claimant.full_name,
        "Жиһан",
        claimant.iin,
        claimant.iban,
        claimant.phone,
        claimant.email,
        issued.claim.reference,
        issued.claim.erdr_number,
    ):
        assert personal not in html


def test_the_page_speaks_kazakh_and_russian_too(page, letter):
    issued, code = letter

    kazakh = check(page, issued.number, code, lang="kk").get_data(as_text=True)
    russian = check(page, issued.number, code, lang="ru").get_data(as_text=True)

    assert "Бұл хатты Жәбірленушілерге өтемақы қоры берген." in kazakh
    assert "Өтініштің қабылданғаны туралы хабарлама" in kazakh
    assert "Это письмо выдано Фондом компенсации потерпевшим." in russian


def test_a_wrong_code_and_an_unknown_number_get_the_same_404_page(page, letter):
    issued, code = letter
    wrong_code = ("B" if code[0] == "A" else "A") + code[1:]

    wrong = check(page, issued.number, wrong_code)
    unknown = check(page, "VCF-L-2026-9999999", code)
    nonsense = check(page, "VCF-L-<b>nonsense<b>", code)

    assert wrong.status_code == unknown.status_code == nonsense.status_code == 404
    assert wrong.get_data() == unknown.get_data() == nonsense.get_data()
    assert "We found no letter with this number and verification code." in wrong.get_data(as_text=True)
    assert issued.number not in wrong.get_data(as_text=True)


def test_uploading_the_exact_pdf_says_it_matches(page, letter):
    issued, code = letter

    response = check(page, issued.number, code, pdf=bytes(issued.pdf))

    assert response.status_code == 200
    assert 'data-pdf="match"' in response.get_data(as_text=True)


def test_a_copy_changed_by_one_byte_does_not_match(page, letter):
    issued, code = letter
    altered = bytearray(issued.pdf)
    altered[len(altered) // 2] ^= 0x01

    response = check(page, issued.number, code, pdf=bytes(altered))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-pdf="mismatch"' in html
    assert "The file you chose is not the letter the Fund issued" in html


def test_a_reissued_letter_says_a_newer_one_replaces_it(page, letter):
    from fund.letters.service import reissue_letter

    issued, code = letter
    reissue_letter(issued, NOW, actor="ivan")
    db.session.commit()

    html = check(page, issued.number, code).get_data(as_text=True)

    assert 'data-reissued="yes"' in html
    assert "A newer letter has been issued in place of this one." in html


def test_a_letter_whose_code_was_hashed_with_scrypt_before_still_verifies(page, letter):
    """Letters issued before keyed hashes keep their printed codes (an issued letter never changes,
    so its stored hash is not rewritten either)."""
    issued, code = letter
    letters = Letter.__table__  # as the row was written then, past the guard on issued letters
    db.session.execute(
        letters.update()
        .where(letters.c.id == issued.id)
        .values(verification_code_hash=generate_password_hash(normalize_code(code), method="scrypt:2048:8:1"))
    )
    db.session.commit()

    assert 'data-result="authentic"' in check(page, issued.number, code.lower()).get_data(as_text=True)
    assert check(page, issued.number, "AAAAA-BBBBB").status_code == 404
    db.session.expire_all()
    assert db.session.get(Letter, issued.id).verification_code_hash.startswith("scrypt:")


# --- bad input: a clear 4xx, never a 500 ---------------------------------------------------------


def test_a_missing_code_is_asked_for(page, letter):
    issued, _ = letter

    for code in (None, "", "   "):
        response = check(page, issued.number, code)
        assert response.status_code == 400
        assert "Enter the verification code printed on the letter." in response.get_data(as_text=True)


def test_a_file_that_is_not_a_pdf_is_refused(page, letter):
    issued, code = letter

    response = check(page, issued.number, code, pdf=b"GIF89a not a letter", filename="letter.gif")

    assert response.status_code == 400
    assert "This file is not a PDF." in response.get_data(as_text=True)


def test_a_huge_upload_is_refused(page, letter):
    issued, code = letter

    response = check(page, issued.number, code, pdf=b"%PDF-1.4\n" + b"0" * (MAX_PDF_BYTES + 1024))

    assert response.status_code == 413
    assert "The file is too large." in response.get_data(as_text=True)


def test_odd_requests_get_4xx_answers(page, letter):
    issued, code = letter

    assert check(page, issued.number, "X" * 10_000).status_code == 404
    assert page.post(f"/verify/{issued.number}", data="code=", content_type="text/plain").status_code == 400
    assert page.post(f"/verify/{issued.number}", json={"code": code}).status_code == 400
    assert page.delete(f"/verify/{issued.number}").status_code == 405
    assert check(page, issued.number, code + "\x00").status_code == 200  # separators are ignored
    assert check(page, "VCF-L-2026-\x00", code).status_code == 404
