"""Anyone can upload a letter's PDF at /verify: the page says whether it is exactly a letter the fund
issued (sha256) and whether its signature is valid, the fund's, and covers the file; a file with a
byte changed is named as changed; a file that is not a PDF gets a clear 400 in the page's language.
"""

# ruff: noqa: F811 - the fixtures imported from test_letter_signatures are used as parameters

from __future__ import annotations

import io
import re

import pytest

from tests.letters.test_letter_signatures import PASSPHRASE, demo_keys  # noqa: F401
from tests.letters.test_letters import issued, letters_of, submitted


@pytest.fixture
def signing_and_trusting(app, demo_keys, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(demo_keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", str(demo_keys.root_pem))
    return demo_keys


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def token(client, language: str = "en") -> str:
    page = client.get(f"/verify?lang={language}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def upload(client, pdf: bytes, language: str = "en", *, with_token: bool = True, name: str = "letter.pdf"):
    data = {"pdf": (io.BytesIO(pdf), name)}
    if with_token:
        data["csrf_token"] = token(client, language)
    return client.post(f"/verify?lang={language}", data=data, content_type="multipart/form-data")


def a_signed_letter(submit, language: str = "ru"):  # noqa: ANN201 - a Letter
    (letter,) = letters_of(submitted(submit, language), "acknowledgement")
    return issued(letter)


def one_byte_changed(pdf: bytes) -> bytes:
    at = pdf.index(b"ReportLab Generated PDF")
    return pdf[:at] + b"X" + pdf[at + 1 :]


def test_a_real_letter_is_authentic_with_a_valid_signature(
    client, submit, clock, signing_and_trusting, csrf_on
):
    letter = a_signed_letter(submit)
    html = upload(client, letter.pdf).get_data(as_text=True)

    assert 'data-verdict="authentic"' in html
    assert f"Exactly matches letter No. {letter.number}" in html and letter.sha256 in html
    assert 'data-signature="valid"' in html
    assert '<dd id="file-signer">Victims Compensation Fund letters (demo)</dd>' in html
    assert '<dd id="file-signed-at">2\u00a0March 2026, 14:00</dd>' in html  # Almaty
    assert "Жиһан" not in html and "Өмірзақова" not in html  # nothing about the person


def test_a_letter_with_one_byte_changed_is_named_tampered(
    client, submit, clock, signing_and_trusting, csrf_on
):
    letter = a_signed_letter(submit)
    response = upload(client, one_byte_changed(letter.pdf), "ru")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-verdict="tampered"' in html and 'data-matches="no"' in html
    assert f"Отличается от письма № {letter.number}" in html
    assert 'data-signature="tampered"' in html and "Недействительна: файл изменён после подписания" in html


def test_a_letter_signed_by_another_root_is_not_the_funds(
    client, submit, clock, signing_and_trusting, csrf_on, app, tmp_path
):
    from fund.letters.signing import make_demo_keys

    letter = a_signed_letter(submit, "kk")
    app.config["FUND_SIGNING_TRUST_ROOT"] = str(make_demo_keys(tmp_path, "other words").root_pem)
    html = upload(client, letter.pdf, "kk").get_data(as_text=True)
    assert 'data-signature="untrusted"' in html and "Қордың кілтімен қойылмаған" in html
    assert 'data-verdict="unknown"' in html


def test_an_unsigned_letter_matches_by_its_checksum(client, submit, clock, csrf_on):
    letter = a_signed_letter(submit, "en")  # no key configured: issued unsigned
    html = upload(client, letter.pdf).get_data(as_text=True)
    assert 'data-verdict="authentic"' in html and 'data-signature="unsigned"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", "Бұл файл PDF емес. Қор хатының PDF файлын таңдаңыз."),
        ("ru", "Это не PDF-файл. Выберите PDF-файл письма Фонда."),
        ("en", "This file is not a PDF."),
    ],
)
def test_a_file_that_is_not_a_pdf_gets_a_clear_400(client, csrf_on, language, words):
    response = upload(client, b"GIF89a not a letter", language, name="letter.pdf")
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_the_form_refuses_a_post_without_its_csrf_token(client, submit, clock, csrf_on):
    response = upload(client, b"%PDF-1.4\n", "ru", with_token=False)
    assert response.status_code == 400
    assert "Срок действия формы истёк" in response.get_data(as_text=True)


def test_no_file_and_a_file_too_large_are_refused_in_the_pages_language(client, csrf_on):
    missing = client.post(
        "/verify?lang=kk", data={"csrf_token": token(client, "kk")}, content_type="multipart/form-data"
    )
    assert missing.status_code == 400 and "хаттың PDF файлын таңдаңыз" in missing.get_data(as_text=True)
    large = upload(client, b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "en")
    assert large.status_code == 413 and "The file is too large" in large.get_data(as_text=True)


def test_the_letter_page_links_to_the_upload_form(client):
    html = client.get("/verify/VCF-L-2026-0000001?lang=ru").get_data(as_text=True)
    assert 'href="/verify?lang=ru"' in html and "Проверить без кода" in html
