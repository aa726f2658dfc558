"""With a timestamp server configured (FUND_TSA_URL), every letter's signature carries an RFC 3161
timestamp token from it (PAdES B-T): an outside party's word for when the letter was signed.

The server here is real, over HTTP on a free local port: it answers RFC 3161 requests with
pyHanko's own timestamping code (its DummyTimeStamper signs each token) under a test TSA
certificate that a test root issued. The letter's side is the production client, unmocked.
"""

# ruff: noqa: F811 - the fixtures imported from test_letter_signatures are used as parameters

from __future__ import annotations

import io
import os
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from fund.audit.checks import audit_claim
from fund.letters.signing import check_signature, in_a_thread_of_its_own, trust_roots
from tests.letters.test_letter_signatures import PASSPHRASE, demo_keys  # noqa: F401
from tests.letters.test_letters import NOW, claim_row, issued, letters_of, submitted


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test timestamp authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _tsa_certificates(directory):  # noqa: ANN001, ANN202
    """A test root (PEM file) and a TSA certificate it issued (critical timeStamping usage)."""
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2050, 1, 1, tzinfo=UTC)
    # RSA for the TSA: pyHanko's timestamping code signs tokens with RSA keys only.
    root_key, tsa_key = ec.generate_private_key(ec.SECP256R1()), rsa.generate_private_key(65537, 2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Test TSA root"))
        .issuer_name(_name("Test TSA root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name("Test TSA"))
        .issuer_name(root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    root_pem = directory / "tsa-root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    der = serialization.Encoding.DER
    key_der = tsa_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return root_pem, asn1_x509.Certificate.load(tsa.public_bytes(der)), asn1_keys.PrivateKeyInfo.load(key_der)


class _TimestampServer(ThreadingHTTPServer):
    stamper: DummyTimeStamper
    requests_answered = 0


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_error(415)
            return
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        answer = self.server.stamper.request_tsa_response(request).dump()
        self.server.requests_answered += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
        pass


@pytest.fixture
def tsa(tmp_path):
    """A local RFC 3161 timestamp server on a free port; yields (its URL, its root PEM, the server)."""
    root_pem, certificate, key = _tsa_certificates(tmp_path)
    server = _TimestampServer(("127.0.0.1", 0), _Handler)
    server.stamper = DummyTimeStamper(tsa_cert=certificate, tsa_key=key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", root_pem, server
    server.shutdown()
    server.server_close()


@pytest.fixture
def timestamped(app, demo_keys, tsa, monkeypatch):
    url, tsa_root, server = tsa
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(demo_keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setitem(app.config, "FUND_TSA_URL", url)
    monkeypatch.setitem(
        app.config, "FUND_SIGNING_TRUST_ROOT", os.pathsep.join([str(demo_keys.root_pem), str(tsa_root)])
    )
    return demo_keys, tsa_root, server


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_letter_signed_with_a_tsa_carries_a_valid_timestamp_token(submit, clock, timestamped, language):
    keys, tsa_root, server = timestamped
    before = datetime.now(UTC) - timedelta(seconds=5)
    (letter,) = letters_of(submitted(submit, language), "acknowledgement")
    pdf = issued(letter).pdf

    assert server.requests_answered == 2  # one to size the signature (kept per process), one its token
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    signer_info = signature.signer_info
    unsigned = [attribute["type"].native for attribute in signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned  # PAdES B-T
    status = in_a_thread_of_its_own(
        lambda: validate_pdf_signature(
            signature,
            ValidationContext(trust_roots=[load_cert_from_pemder(str(keys.root_pem))]),
            ts_validation_context=ValidationContext(trust_roots=[load_cert_from_pemder(str(tsa_root))]),
        )
    )
    assert status.bottom_line, status.pretty_print_details()
    token = status.timestamp_validity
    assert token is not None and token.intact and token.valid and token.trusted
    assert token.timestamp >= before  # the server's own clock, not the command's
    assert status.signer_reported_dt == NOW  # the command's time stays the signing time


def test_the_fund_checks_the_timestamp_against_its_trust_roots(submit, clock, timestamped, staff, app):
    keys, _tsa_root, _server = timestamped
    reference = submitted(submit, "ru")
    (letter,) = letters_of(reference, "acknowledgement")
    pdf = issued(letter).pdf

    check = check_signature(pdf, trust_roots(app.config["FUND_SIGNING_TRUST_ROOT"]))
    assert check.state == "valid" and check.timestamped_at is not None
    assert audit_claim(staff.user("audrey", "auditor"), claim_row(reference))[2] == []

    # Without the TSA's root among the trusted ones, the token is not trusted: a finding.
    app.config["FUND_SIGNING_TRUST_ROOT"] = str(keys.root_pem)
    assert check_signature(pdf, trust_roots(str(keys.root_pem))).state == "bad_timestamp"
    findings = [
        finding.what for finding in audit_claim(staff.user("audrey", "auditor"), claim_row(reference))[2]
    ]
    assert findings == [
        f"letter {letter.number}: its timestamp does not validate against FUND_SIGNING_TRUST_ROOT"
    ]


def test_without_a_tsa_the_signature_carries_no_timestamp(submit, clock, demo_keys, app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(demo_keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    assert not app.config.get("FUND_TSA_URL")
    (letter,) = letters_of(submitted(submit, "kk"), "acknowledgement")
    check = check_signature(issued(letter).pdf, trust_roots(str(demo_keys.root_pem)))
    assert check.state == "valid" and check.timestamped_at is None and check.signed_at == NOW


def test_after_the_first_letter_each_letter_costs_one_request_to_the_tsa(submit, clock, timestamped):
    _keys, _tsa_root, server = timestamped
    for language in ("kk", "ru", "en"):
        (letter,) = letters_of(submitted(submit, language), "acknowledgement")
        issued(letter)
    assert server.requests_answered == 1 + 3
