"""Letters carry their own proof: every font is embedded, and with a signing key configured every
issued letter is signed (PAdES baseline B-B, SHA-256) so anyone can check it offline against the
fund's root certificate, with pyHanko's validator here as with ``pyhanko sign validate``.

The keys are the demo keys ``fund keys demo`` makes; letters are issued as the tests of
test_letters.py issue them (on claims submitted through the API, with the process's payloads).

Poppler's ``pdfsig`` (Debian poppler-utils, with NSS's ``certutil`` from libnss3-tools for a
database that trusts the demo root) checks them too; without those tools its tests skip, except
when FUND_REQUIRE_PDFSIG is set (as in CI: .ci/run installs them).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from sqlalchemy import select

from fund import create_app
from fund.audit.checks import audit_claim
from fund.claims.history import LETTER_ISSUED
from fund.claims.letter_issuing import issue_claim_letters
from fund.extensions import db
from fund.letters import texts
from fund.letters.service import matches_stored_pdf
from fund.letters.signing import DEMO_KEY_FILE, DEMO_ROOT_FILE, in_a_thread_of_its_own, make_demo_keys
from fund.models import Letter, WorkflowEvent
from tests.letters.test_letters import (
    NOW,
    claim_row,
    code_printed_on,
    due_letter,
    issued,
    letters_of,
    submitted,
)

PASSPHRASE = "correct horse battery staple"
# The payload the process sends with each kind of letter it makes due (the acknowledgement is
# made due by the submission itself).
DETAILS = {
    "document_request": {
        "missing_documents": ["forensic_medical_report"],
        "respond_by": "2026-04-01",
        "round": 1,
    },
    "document_reminder": {
        "missing_documents": ["forensic_medical_report"],
        "respond_by": "2026-04-01",
        "round": 1,
    },
    "approval": {
        "amount_mci": 50,
        "mci_rate": "24691",
        "amount_kzt": "1234550",
        "decision_date": "2026-03-02",
    },
    "rejection": {
        "reasons": ["false_information"],
        "decision_date": "2026-03-02",
        "reconsideration_until": "2026-04-01",
    },
}


@pytest.fixture(scope="session")
def demo_keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("signing"), PASSPHRASE)


@pytest.fixture
def signing(app, demo_keys, monkeypatch):
    """The application signs letters with the demo key."""
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(demo_keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    return demo_keys


def every_kind_issued(submit, language: str) -> list[Letter]:
    """One letter of each kind on a claim in ``language``, issued as after a command: each in the
    claim's history (``fund.claims.letter_issuing``)."""
    reference = submitted(submit, language)
    for kind, details in DETAILS.items():
        due_letter(reference, kind, details)
    db.session.commit()
    issue_claim_letters(claim_row(reference).id, NOW)
    letters = db.session.scalars(select(Letter).where(Letter.claim_id == claim_row(reference).id)).all()
    assert sorted(letter.kind for letter in letters) == sorted(texts.KIND_NAMES)
    assert {letter.status for letter in letters} == {"issued"}
    return list(letters)


def validated(pdf: bytes, root_pem):  # noqa: ANN001, ANN201 - a pyHanko PdfSignatureStatus
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(root_pem))])
    return in_a_thread_of_its_own(validate_pdf_signature, signature, context)


def fonts_of(pdf: bytes) -> list[DictionaryObject]:
    """Every font dictionary the file's objects reach from its catalogue (pages, forms, annotations
    and their appearance streams), Type0 fonts' descendants included."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts, seen, stack = [], set(), [reader.trailer["/Root"]]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if item.get("/Type") == "/Font":
                fonts.append(item)
            stack += [value for key, value in item.items() if key not in ("/Parent", "/P")]
        elif isinstance(item, ArrayObject):
            stack += list(item)
    return fonts


def embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        return all(embedded(descendant.get_object()) for descendant in font["/DescendantFonts"])
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


# --- fonts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_font_of_every_kind_of_signed_letter_is_embedded(submit, clock, signing, language):
    for letter in every_kind_issued(submit, language):
        fonts = fonts_of(letter.pdf)
        names = sorted(str(font.get("/BaseFont")) for font in fonts)
        assert len(fonts) >= 2, names  # the regular and the bold face
        assert [name for name, font in zip(names, fonts, strict=True) if not embedded(font)] == [], (
            letter.kind
        )
        assert not any("Helvetica" in name for name in names), names


def test_an_unsigned_letter_names_no_font_it_does_not_embed(submit, clock):
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    fonts = fonts_of(issued(letter).pdf)
    assert fonts and all(embedded(font) for font in fonts), [font.get("/BaseFont") for font in fonts]


# --- signatures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_kind_of_letter_is_signed_and_valid_against_the_demo_root(submit, clock, signing, language):
    for letter in every_kind_issued(submit, language):
        status = validated(letter.pdf, signing.root_pem)

        assert status.bottom_line, (letter.kind, status.pretty_print_details())
        assert status.intact and status.valid and status.trusted
        assert status.coverage.name == "ENTIRE_FILE"  # nothing appended after the signature
        assert status.md_algorithm == "sha256"
        assert status.signer_reported_dt == NOW  # the command's time, not the wall clock
        assert "Victims Compensation Fund letters" in status.signing_cert.subject.human_friendly
        # The stored sha256 and the claim's history cover the signed file.
        assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
        recorded = db.session.scalars(
            select(WorkflowEvent.input).where(
                WorkflowEvent.claim_id == letter.claim_id, WorkflowEvent.type == LETTER_ISSUED
            )
        ).all()
        assert letter.sha256 in [entry["letter"]["sha256"] for entry in recorded]


def test_the_signature_is_a_pades_signature(submit, clock, signing):
    (letter,) = letters_of(submitted(submit, "en"), "acknowledgement")
    (signature,) = PdfFileReader(io.BytesIO(issued(letter).pdf)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


def test_a_letter_with_one_byte_changed_fails_validation(submit, clock, signing):
    (letter,) = letters_of(submitted(submit, "kk"), "acknowledgement")
    pdf = issued(letter).pdf
    at = pdf.index(b"ReportLab Generated PDF")  # a comment: the file still parses, but is not the one signed
    changed = pdf[:at] + b"X" + pdf[at + 1 :]

    status = validated(changed, signing.root_pem)

    assert not status.intact and not status.bottom_line
    assert validated(pdf, signing.root_pem).bottom_line


def test_a_letter_signed_by_another_root_is_not_trusted(submit, clock, signing, tmp_path):
    other = make_demo_keys(tmp_path, "another passphrase")
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    status = validated(issued(letter).pdf, other.root_pem)
    assert status.intact and not status.trusted and not status.bottom_line


def test_a_signed_letter_still_verifies_online_and_passes_the_audit(submit, clock, signing, staff):
    reference = submitted(submit, "en")
    (letter,) = letters_of(reference, "acknowledgement")
    issued(letter)

    assert matches_stored_pdf(letter.number, code_printed_on(letter), letter.pdf)
    _events, letters_checked, findings = audit_claim(staff.user("audrey", "auditor"), claim_row(reference))
    assert letters_checked == 1 and findings == []


def test_without_a_signing_key_letters_are_issued_unsigned(submit, clock, app):
    assert not app.config.get("FUND_SIGNING_KEY")
    (letter,) = letters_of(submitted(submit, "kk"), "acknowledgement")
    assert PdfFileReader(io.BytesIO(issued(letter).pdf)).embedded_signatures == []


# --- the demo keys and the warning ----------------------------------------------------------------


def test_fund_keys_demo_writes_a_root_and_a_key_that_signs_letters(app, monkeypatch, tmp_path, submit, clock):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["keys", "demo", "--passphrase", "s3cret words"])
    assert result.exit_code == 0, result.output
    root, key = tmp_path / "signing" / DEMO_ROOT_FILE, tmp_path / "signing" / DEMO_KEY_FILE
    assert f"FUND_SIGNING_KEY={key}" in result.output and root.is_file()
    assert key.stat().st_mode & 0o077 == 0  # the key is readable by its owner only
    again = app.test_cli_runner().invoke(args=["keys", "demo", "--passphrase", "other words"])
    assert again.exit_code == 2 and "--replace" in again.output  # letters signed with it keep verifying

    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(key))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", "s3cret words")
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    assert validated(issued(letter).pdf, root).bottom_line


def started(tmp_path, monkeypatch, caplog, **config) -> list[str]:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fund.letters.signing"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fund.sqlite3'}", **config})
    return [record.getMessage() for record in caplog.records if record.name == "fund.letters.signing"]


def test_signing_with_the_demo_key_outside_testing_warns_at_start_up(
    demo_keys, tmp_path, monkeypatch, caplog
):
    key = {"FUND_SIGNING_KEY": str(demo_keys.key_p12), "FUND_SIGNING_KEY_PASSPHRASE": PASSPHRASE}
    assert any(
        "demo key" in message for message in started(tmp_path, monkeypatch, caplog, TESTING=False, **key)
    )
    assert started(tmp_path, monkeypatch, caplog, TESTING=True, **key) == []
    assert started(tmp_path, monkeypatch, caplog, TESTING=False) == []  # no key: unsigned, no warning


def test_a_wrong_passphrase_stops_the_start_with_a_clear_message(demo_keys, tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fund.sqlite3'}",
        "FUND_SIGNING_KEY": str(demo_keys.key_p12),
        "FUND_SIGNING_KEY_PASSPHRASE": "wrong",
    }
    with pytest.raises(RuntimeError, match="FUND_SIGNING_KEY_PASSPHRASE"):
        create_app(config)


def test_the_signing_time_is_the_issuing_time_given_not_the_wall_clock(submit, clock, signing):
    letter = due_letter(submitted(submit, "en"), "document_request", DETAILS["document_request"])
    later = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    issued(letter, later)
    assert validated(letter.pdf, signing.root_pem).signer_reported_dt == later


# --- poppler's pdfsig -----------------------------------------------------------------------------


def pdfsig_report(tmp_path, roots):  # noqa: ANN001, ANN201
    """``pdfsig`` on a file, with an NSS database that trusts the root certificates ``roots``."""
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        if os.environ.get("FUND_REQUIRE_PDFSIG"):
            pytest.fail(
                "FUND_REQUIRE_PDFSIG is set but pdfsig or certutil is missing (poppler-utils, libnss3-tools)"
            )
        pytest.skip("needs pdfsig (poppler-utils) and certutil (libnss3-tools)")
    nss = f"sql:{tmp_path / 'nss'}"
    (tmp_path / "nss").mkdir()
    subprocess.run(["certutil", "-N", "-d", nss, "--empty-password"], check=True)
    for position, root in enumerate(roots):
        trust = ["certutil", "-A", "-d", nss, "-n", f"fund root {position}", "-t", "C,C,C", "-i", str(root)]
        subprocess.run(trust, check=True)

    def report(pdf: bytes) -> str:
        path = tmp_path / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdfsig", "-nssdir", nss, str(path)], capture_output=True, text=True).stdout

    return report


@pytest.fixture
def pdfsig(signing, tmp_path):
    """``pdfsig`` on a file, with an NSS database that trusts the demo root; returns its report."""
    return pdfsig_report(tmp_path, [signing.root_pem])


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_pdfsig_reports_every_kind_of_letter_valid_and_trusted(submit, clock, pdfsig, language):
    for letter in every_kind_issued(submit, language):
        report = pdfsig(letter.pdf)
        assert "Signature Validation: Signature is Valid." in report, (letter.kind, report)
        assert "Certificate Validation: Certificate is Trusted." in report, (letter.kind, report)
        assert "Signing Hash Algorithm: SHA-256" in report and "ETSI.CAdES.detached" in report


def test_pdfsig_reports_a_letter_with_one_byte_changed(submit, clock, pdfsig):
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    pdf = issued(letter).pdf
    at = pdf.index(b"ReportLab Generated PDF")
    report = pdfsig(pdf[:at] + b"X" + pdf[at + 1 :])
    assert "Signature is Valid." not in report and "Digest Mismatch" in report, report


# --- the verification page ------------------------------------------------------------------------


def verify_page(client, letter: Letter, language: str = "en") -> str:
    response = client.post(
        f"/verify/{letter.number}?lang={language}",
        data={"code": code_printed_on(letter)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_verification_page_shows_who_signed_the_letter_and_when(client, submit, clock, signing):
    (letter,) = letters_of(submitted(submit, "kk"), "acknowledgement")
    issued(letter)

    english = verify_page(client, letter)
    assert '<dd id="verify-signer">Victims Compensation Fund letters (demo)</dd>' in english
    assert '<dd id="verify-signed-at">2\u00a0March 2026, 14:00</dd>' in english  # 09:00 UTC in Almaty
    assert "Электрондық қолтаңба иесі" in verify_page(client, letter, "kk")


def test_the_verification_page_shows_no_signer_for_an_unsigned_letter(client, submit, clock):
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    html = verify_page(client, issued(letter))
    assert 'data-result="authentic"' in html and "verify-signer" not in html


# --- the audit ------------------------------------------------------------------------------------


def test_the_audit_validates_letter_signatures_against_the_configured_root(
    app, submit, clock, signing, staff, monkeypatch, tmp_path
):
    reference = submitted(submit, "ru")
    auditor = staff.user("audrey", "auditor")
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", str(signing.root_pem))
    assert audit_claim(auditor, claim_row(reference))[2] == []

    # Against another root, as a letter signed by a key that is not the fund's would be.
    other = make_demo_keys(tmp_path, "another passphrase")
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", str(other.root_pem))
    (letter,) = letters_of(reference, "acknowledgement")
    findings = audit_claim(auditor, claim_row(reference))[2]
    assert [finding.what for finding in findings] == [
        f"letter {letter.number}: its signature is not from a certificate of FUND_SIGNING_TRUST_ROOT"
    ]


def test_the_audit_names_a_signed_letter_rewritten_with_its_sha256(
    app, submit, clock, signing, staff, monkeypatch
):
    reference = submitted(submit, "kk")
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", str(signing.root_pem))
    (letter,) = letters_of(reference, "acknowledgement")
    at = letter.pdf.index(b"ReportLab Generated PDF")
    changed = letter.pdf[:at] + b"X" + letter.pdf[at + 1 :]
    letters = Letter.__table__  # an insider with the database: past the mapper's guard
    db.session.execute(
        letters.update()
        .where(letters.c.id == letter.id)
        .values(pdf=changed, sha256=hashlib.sha256(changed).hexdigest())
    )
    db.session.commit()
    db.session.expire_all()

    findings = [
        finding.what for finding in audit_claim(staff.user("audrey", "auditor"), claim_row(reference))[2]
    ]
    assert f"letter {letter.number}: its signature does not match its content" in findings
