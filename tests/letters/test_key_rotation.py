"""Key rotation: a new signing key takes over from a date, and letters signed before still verify.

The fund records each certificate with the moment it takes over (``fund keys rotate``); with the
old and new keys both configured, each letter is signed by the one current at its issuing time.
The trust roots of both stay in FUND_SIGNING_TRUST_ROOT. Letters from before and after verify
with pyHanko, with poppler's ``pdfsig`` and with ``fund audit verify``; ``fund audit export``
hands an auditor every certificate used and the roots.
"""

# ruff: noqa: F811 - the fixtures imported from test_letter_signatures are used as parameters

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import UTC, datetime

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from fund.audit.checks import audit_claim
from fund.audit.export import check_export
from fund.letters.certificates import recorded_certificates
from fund.letters.signing import in_a_thread_of_its_own, make_demo_keys
from tests.letters.test_letter_signatures import PASSPHRASE, demo_keys, pdfsig_report  # noqa: F401
from tests.letters.test_letters import issued, letters_of, submitted

BEFORE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JUST_BEFORE = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # 23:00 in Almaty, 4 March
TAKES_OVER = "2026-03-05"  # Almaty midnight: 4 March, 19:00 UTC
AFTER = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def old_and_new(app, demo_keys, tmp_path, monkeypatch):
    """The demo key signs; a new key from a new root is made, each root in its own file."""
    new = make_demo_keys(tmp_path / "new", PASSPHRASE)
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(demo_keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setitem(
        app.config, "FUND_SIGNING_TRUST_ROOT", os.pathsep.join([str(demo_keys.root_pem), str(new.root_pem)])
    )
    return demo_keys, new


def signer_of(pdf: bytes) -> str:
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return signature.signer_cert.sha256.hex()


def validated_by_both(pdf: bytes, old, new):  # noqa: ANN001, ANN201
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    roots = [load_cert_from_pemder(str(old.root_pem)), load_cert_from_pemder(str(new.root_pem))]
    return in_a_thread_of_its_own(validate_pdf_signature, signature, ValidationContext(trust_roots=roots))


def acknowledged_at(submit, clock, when: datetime, language: str = "ru"):  # noqa: ANN001, ANN201
    """A claim submitted at ``when``, its acknowledgement issued by that command; returns the letter."""
    clock.now = when
    (letter,) = letters_of(submitted(submit, language), "acknowledgement")
    return issued(letter, when)


def rotate(app, new) -> str:
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate", str(new.key_p12), "--from", TAKES_OVER, "--passphrase", PASSPHRASE]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_letters_signed_before_and_after_a_rotation_all_verify(
    app, submit, clock, old_and_new, staff, tmp_path
):
    old, new = old_and_new
    first = acknowledged_at(submit, clock, BEFORE)  # the old key signs, and is recorded as it does

    assert "2026-03-04T19:00:00+00:00" in rotate(app, new)
    # Both keys configured from now on: the new one first, as `fund keys rotate` says.
    app.config["FUND_SIGNING_KEY"] = os.pathsep.join([str(new.key_p12), str(old.key_p12)])
    late_in_the_old = acknowledged_at(submit, clock, JUST_BEFORE, "kk")
    in_the_new = acknowledged_at(submit, clock, AFTER, "en")

    old_print, new_print = (row.fingerprint for row in recorded_certificates())
    assert [signer_of(letter.pdf) for letter in (first, late_in_the_old, in_the_new)] == [
        old_print,
        old_print,
        new_print,
    ]
    for letter in (first, late_in_the_old, in_the_new):
        status = validated_by_both(letter.pdf, old, new)
        assert status.bottom_line, (letter.number, status.pretty_print_details())

    # The audit: nothing to report, through the command an operator runs.
    report = tmp_path / "report.json"
    references = [claim_row_of(letter).reference for letter in (first, late_in_the_old, in_the_new)]
    result = app.test_cli_runner().invoke(args=["audit", "verify", *references, "--report", str(report)])
    assert "3 letter(s) checked: 0 finding(s)" in result.output, result.output
    assert result.exit_code == 0


def test_pdfsig_trusts_letters_of_both_keys(app, submit, clock, old_and_new, tmp_path):
    old, new = old_and_new
    first = acknowledged_at(submit, clock, BEFORE, "kk")
    rotate(app, new)
    app.config["FUND_SIGNING_KEY"] = os.pathsep.join([str(new.key_p12), str(old.key_p12)])
    second = acknowledged_at(submit, clock, AFTER, "kk")
    assert signer_of(first.pdf) != signer_of(second.pdf)

    report = pdfsig_report(tmp_path, [old.root_pem, new.root_pem])
    for letter in (first, second):
        text = report(letter.pdf)
        assert "Signature Validation: Signature is Valid." in text, text
        assert "Certificate Validation: Certificate is Trusted." in text, text


def test_a_retired_key_signing_after_its_successor_took_over_is_a_finding(
    app, submit, clock, old_and_new, staff
):
    old, new = old_and_new
    acknowledged_at(submit, clock, BEFORE, "en")
    rotate(app, new)
    # The operator forgot to configure the new key: the old one keeps signing after the date.
    late = acknowledged_at(submit, clock, AFTER, "en")

    assert validated_by_both(late.pdf, old, new).bottom_line  # cryptographically fine ...
    auditor = staff.user("audrey", "auditor")
    findings = [finding.what for finding in audit_claim(auditor, claim_row_of(late))[2]]
    assert len(findings) == 1 and findings[0].startswith(f"letter {late.number}: it is signed by certificate")
    assert "not the fund's current signing certificate" in findings[0]  # ... but not the key of its day


def test_rotating_to_a_key_recorded_already_or_unreadable_is_refused(app, old_and_new, tmp_path):
    _old, new = old_and_new
    rotate(app, new)
    again = app.test_cli_runner().invoke(
        args=["keys", "rotate", str(new.key_p12), "--from", TAKES_OVER, "--passphrase", PASSPHRASE]
    )
    assert again.exit_code == 2 and "recorded already" in again.output
    wrong = app.test_cli_runner().invoke(args=["keys", "rotate", str(new.key_p12), "--passphrase", "wrong"])
    assert wrong.exit_code == 2 and "FUND_SIGNING_KEY_PASSPHRASE" in wrong.output


def test_the_audit_export_holds_every_signing_certificate_and_the_roots(
    app, submit, clock, old_and_new, tmp_path
):
    old, new = old_and_new
    acknowledged_at(submit, clock, BEFORE)
    rotate(app, new)
    app.config["FUND_SIGNING_KEY"] = os.pathsep.join([str(new.key_p12), str(old.key_p12)])
    reference = claim_row_of(acknowledged_at(submit, clock, AFTER)).reference
    output = tmp_path / "export.zip"

    result = app.test_cli_runner().invoke(args=["audit", "export", reference, "--output", str(output)])

    assert result.exit_code == 0, result.output
    data = output.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    listed = json.loads(files["certificates/signing-certificates.json"])
    assert [entry["fingerprint_sha256"] for entry in listed] == [
        row.fingerprint for row in recorded_certificates()
    ]
    for entry in listed:
        exported = load_cert_from_pemder_bytes(files[entry["file"]])
        assert exported.sha256.hex() == entry["fingerprint_sha256"]
    roots = sorted(files[name] for name in files if name.startswith("certificates/trust-root-"))
    assert roots == sorted([old.root_pem.read_bytes(), new.root_pem.read_bytes()])
    assert "certificates/trust-root-1.pem" in files["MANIFEST.sha256"].decode()
    assert check_export(data) == []

    # Offline, the export's own roots catch a letter changed inside it (its manifest rewritten too).
    name = next(name for name in files if name.startswith("letters/"))
    at = files[name].index(b"ReportLab Generated PDF")
    files[name] = files[name][:at] + b"X" + files[name][at + 1 :]
    problems = check_export(rezipped(files))
    assert f"{name}: its signature does not match its content" in problems


def claim_row_of(letter):  # noqa: ANN001, ANN201 - a Claim
    from fund.extensions import db
    from fund.models import Claim

    return db.session.get(Claim, letter.claim_id)


def load_cert_from_pemder_bytes(data: bytes):  # noqa: ANN201 - an asn1crypto certificate
    from asn1crypto import pem, x509

    return x509.Certificate.load(pem.unarmor(data)[2])


def rezipped(files: dict[str, bytes]) -> bytes:
    """The export with its manifests recomputed, as someone changing a letter would."""
    import hashlib

    files = dict(files)
    listed = {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items() if "MANIFEST" not in name
    }
    listed.pop("manifest.json", None)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = listed
    files["manifest.json"] = json.dumps(manifest).encode()
    files["MANIFEST.sha256"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n"
        for name, data in sorted(files.items())
        if name != "MANIFEST.sha256"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
