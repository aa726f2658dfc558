"""Signing letters with the fund's key: PAdES baseline B-B, SHA-256, with pyHanko.

The key and its certificate are a PKCS#12 file protected by a passphrase, both from configuration
(``FUND_SIGNING_KEY``, ``FUND_SIGNING_KEY_PASSPHRASE``). Without a key, letters are issued
unsigned, as before: the quick start works without one, and ``fund keys demo`` makes one.

A letter is signed right after it is rendered, before its sha256 is taken, so the stored PDF, its
sha256 and the ``letter_issued`` event of the claim's history all cover the signed file. The
signature is visible: the letter draws a block with the signer, the date and the verification
address (:mod:`fund.letters.pdf`), and the signature field lies over that block, so a reader's
signature panel and a click on the block show the same signature. Its signing time is the time of
the command that issued the letter, given to pyHanko explicitly; without a timestamp server (TSA)
that time is the fund's own claim, not a third party's proof (see README, "Signed letters"). With
``FUND_TSA_URL`` an RFC 3161 timestamp token from that server is embedded in the signature
(PAdES B-T): an outside party's statement that the signature existed at its time.

Several keys (key rotation, :mod:`fund.letters.certificates`): ``FUND_SIGNING_KEY`` may name
several PKCS#12 files (separated by ``os.pathsep``, one passphrase); each letter is signed by the
one whose certificate took over last before the signing time.

PDF/A-2b: not produced. reportlab's open-source edition writes no PDF/A: it has no XMP metadata
with a ``pdfaid`` part, no OutputIntent with an ICC profile, and its ``pdfVersion`` only sets the
header's number while ``enforceColorSpace`` only refuses colours outside one colour space; both
are needed but far from sufficient. Adding the XMP packet and an OutputIntent by hand in pyHanko's
incremental update could make a file that claims PDF/A-2b, but nothing here can check the claim
(veraPDF is a second, Java, toolchain), and a file that claims PDF/A and fails a court's validator
is worse than a plain PDF 1.4 that verifies. pyHanko's incremental signature would keep a PDF/A
file PDF/A (incremental updates are allowed in PDF/A-2, and the widget it adds has the print flag),
so if reportlab's commercial edition or a validator arrives, the signing needs no change.

The demo key (:data:`DEMO_MARK` in its certificate's organisation) signs letters that verify only
against the demo root made with it; the application warns at start-up when it signs with it
outside development and testing.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask, current_app
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import NoOpStampStyle
from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)

FIELD_NAME = "FundSignature"
DEMO_MARK = "DEMO"  # in the organisation of the demo certificates: never a real fund's key
DEMO_DIRECTORY = "signing"  # under the instance folder
DEMO_ROOT_FILE = "demo-root.pem"
DEMO_KEY_FILE = "demo-signing.p12"
# The demo certificates' validity: fixed, so letters dated in the past (tests, imports) verify.
DEMO_VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
DEMO_VALID_UNTIL = datetime(2050, 1, 1, tzinfo=UTC)


class SigningKeyError(RuntimeError):
    """The configured signing key cannot be used (missing file, wrong passphrase, not PKCS#12)."""


@dataclass(frozen=True)
class DemoKeys:
    """Where ``fund keys demo`` wrote the demo root certificate and the signing key."""

    root_pem: Path
    key_p12: Path
    passphrase: str


# --- the configured key -------------------------------------------------------------------------

_SIGNERS: dict[tuple[str, float, str], signers.SimpleSigner] = {}
_SIGNERS_LOCK = threading.Lock()


def _load_signer(path: str, passphrase: str) -> signers.SimpleSigner:
    """The PKCS#12 file's signer, loaded once per file version and passphrase."""
    try:
        key = (path, os.path.getmtime(path), passphrase)
    except OSError as error:
        raise SigningKeyError(f"FUND_SIGNING_KEY: cannot read {path}: {error.strerror}") from error
    with _SIGNERS_LOCK:
        if key not in _SIGNERS:
            signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase.encode("utf-8"))
            if signer is None:  # pyHanko logs the reason and returns None
                raise SigningKeyError(
                    f"FUND_SIGNING_KEY: {path} is not a PKCS#12 file that FUND_SIGNING_KEY_PASSPHRASE opens"
                )
            _SIGNERS[key] = signer
        return _SIGNERS[key]


def configured_signers(app: Flask | None = None) -> list[signers.SimpleSigner]:
    """The signers of every configured key (``FUND_SIGNING_KEY``, paths separated by os.pathsep)."""
    config = (app or current_app).config
    paths = [path for path in str(config.get("FUND_SIGNING_KEY") or "").split(os.pathsep) if path]
    passphrase = config.get("FUND_SIGNING_KEY_PASSPHRASE") or ""
    return [_load_signer(path, passphrase) for path in paths]


def configured_signer(app: Flask | None = None) -> signers.SimpleSigner | None:
    """The signer of the first configured key, or None when none is configured."""
    found = configured_signers(app)
    return found[0] if found else None


def configured_timestamper(app: Flask | None = None) -> TimeStamper | None:
    """The RFC 3161 client for ``FUND_TSA_URL``, or None when no timestamp server is configured."""
    config = (app or current_app).config
    url = config.get("FUND_TSA_URL")
    if not url:
        return None
    key = (str(url), int(config.get("FUND_TSA_TIMEOUT_SECONDS") or 10))
    # One client per process and server: pyHanko sizes the signature from a first token it keeps
    # (the client's dummy-response cache), so later letters cost one request to the TSA, not two.
    with _SIGNERS_LOCK:
        if key not in _TIMESTAMPERS:
            _TIMESTAMPERS[key] = HTTPTimeStamper(key[0], timeout=key[1])
        return _TIMESTAMPERS[key]


_TIMESTAMPERS: dict[tuple[str, int], TimeStamper] = {}


def is_demo_certificate(signer: signers.SimpleSigner) -> bool:
    """Whether the signer's certificate is one ``fund keys demo`` made."""
    organisation = signer.signing_cert.subject.native.get("organization_name") or ""
    return DEMO_MARK in organisation


def signer_name(signer: signers.SimpleSigner) -> str:
    """The certificate's subject as a reader's signature panel shows it."""
    return signer.signing_cert.subject.human_friendly


def signer_common_name(signer: signers.SimpleSigner) -> str:
    """The certificate's common name: what the letter's signature block prints as the signer."""
    return signer.signing_cert.subject.native.get("common_name") or signer_name(signer)


def in_a_thread_of_its_own(function, *args):  # noqa: ANN001, ANN202 - any pyHanko call
    """Run one of pyHanko's synchronous calls in a fresh thread and wait for it.

    They run an asyncio event loop of their own, which Python refuses in a thread where a loop is
    already running (an async server, Playwright's synchronous API in the browser tests); a thread
    of its own has none. The thread costs far less than the signature (~0.1 s).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


class _SignerAtTime(signers.PdfSigner):
    """pyHanko's signer with the signing time given, not read from the clock."""

    def __init__(
        self,
        meta: signers.PdfSignatureMetadata,
        signer: signers.Signer,
        signed_at: datetime,
        field: fields.SigFieldSpec,
        timestamper: TimeStamper | None,
    ):
        # NoOpStampStyle: the letter draws its own signature block under the field (see pdf.py).
        super().__init__(
            meta, signer=signer, new_field_spec=field, stamp_style=NoOpStampStyle(), timestamper=timestamper
        )
        self._signed_at = signed_at

    def init_signing_session(self, pdf_out, existing_fields_only=False):  # noqa: ANN001, ANN201 - pyHanko's
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signed_at  # the signature's signingTime and the /M of its dictionary
        return session


def sign_pdf(
    pdf: bytes,
    signed_at: datetime,
    signer: signers.Signer,
    *,
    page: int = 0,
    box: tuple[int, int, int, int] | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The PDF with a PAdES signature (SHA-256) appended as an incremental update: B-B, or B-T with
    a ``timestamper``. With a ``box`` the signature field is visible there on ``page`` (the page
    draws the block itself); without one it is invisible."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    field = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page, box=box)
    pdf_signer = _SignerAtTime(meta, signer, signed_at.astimezone(UTC), field, timestamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return in_a_thread_of_its_own(pdf_signer.sign_pdf, writer).getvalue()


@dataclass(frozen=True)
class LetterSignature:
    """What a letter's signature says of itself (read, not validated: see the README's offline check)."""

    signer: str  # the certificate's common name: the fund's, never a person's data
    signed_at: datetime | None


def signature_of(pdf: bytes) -> LetterSignature | None:
    """The signer and signing time of the letter's signature, or None for an unsigned letter."""
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    if not signatures:
        return None
    signature = signatures[-1]
    subject = signature.signer_cert.subject.native
    return LetterSignature(
        signer=subject.get("common_name") or signature.signer_cert.subject.human_friendly,
        signed_at=signature.self_reported_timestamp,
    )


_ROOTS: dict[tuple[str, float], list] = {}


def _certificates_in(path: str) -> list:  # asn1crypto certificates
    """Every certificate in a PEM file (a bundle may hold several) or the one of a DER file."""
    data = Path(path).read_bytes()
    if b"-----BEGIN" not in data:
        return [load_cert_from_pemder(path)]
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    return [asn1_x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, multiple=True)]


def trust_roots(setting: str) -> list:  # asn1crypto certificates
    """The certificates of ``FUND_SIGNING_TRUST_ROOT``: PEM or DER files separated by os.pathsep,
    each PEM file holding one certificate or several (the roots of earlier keys after a rotation,
    and the timestamp authority's root). Each file is read once per version."""
    roots = []
    for path in [path for path in str(setting or "").split(os.pathsep) if path]:
        try:
            key = (path, os.path.getmtime(path))
        except OSError as error:
            raise SigningKeyError(f"FUND_SIGNING_TRUST_ROOT: cannot read {path}: {error.strerror}") from error
        if key not in _ROOTS:
            try:
                _ROOTS[key] = _certificates_in(path)
            except Exception as error:  # asn1crypto's parse errors
                raise SigningKeyError(f"FUND_SIGNING_TRUST_ROOT: {path} holds no certificate") from error
        roots += _ROOTS[key]
    return roots


@dataclass(frozen=True)
class SignatureCheck:
    """What validating a file's signature found (pyHanko's validator, against the fund's roots).

    ``state`` is one of: ``valid`` (intact, trusted, covers the whole file), ``unsigned``,
    ``tampered`` (the signed bytes changed), ``untrusted`` (not a certificate of the fund's roots),
    ``appended`` (something was added after signing), ``bad_timestamp`` (a timestamp token that
    does not validate) or ``unreadable``.
    """

    state: str
    signer: str = ""
    signed_at: datetime | None = None  # the time the signature states (the issuing command's time)
    timestamped_at: datetime | None = None  # the TSA's time, when the signature carries a token
    certificate_sha256: str = ""  # the signing certificate's fingerprint (key rotation)

    @property
    def valid(self) -> bool:
        return self.state == "valid"


_PROBLEMS = {
    "tampered": "its signature does not match its content",
    "untrusted": "its signature is not from a certificate of FUND_SIGNING_TRUST_ROOT",
    "appended": "something was added to it after it was signed",
    "bad_timestamp": "its timestamp does not validate against FUND_SIGNING_TRUST_ROOT",
}


def check_signature(pdf: bytes, roots: list) -> SignatureCheck:
    """Validate the file's (last) signature against the root certificates ``roots``."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            return SignatureCheck("unsigned")
        signature = signatures[-1]
        context = ValidationContext(trust_roots=roots)
        # The timestamp's TSA certificate is checked with the same roots.
        status = in_a_thread_of_its_own(
            lambda: validate_pdf_signature(
                signature, context, ts_validation_context=ValidationContext(trust_roots=roots)
            )
        )
    except Exception as error:  # a damaged file: pyHanko's many parse errors
        log.info("a signature could not be read: %s", type(error).__name__)
        return SignatureCheck("unreadable")
    subject = status.signing_cert.subject.native
    timestamp = status.timestamp_validity
    found = {
        "signer": subject.get("common_name") or status.signing_cert.subject.human_friendly,
        "signed_at": status.signer_reported_dt,
        "timestamped_at": timestamp.timestamp if timestamp is not None else None,
        "certificate_sha256": status.signing_cert.sha256.hex(),
    }
    if not status.intact or not status.valid:
        return SignatureCheck("tampered", **found)
    if not status.trusted:
        return SignatureCheck("untrusted", **found)
    if timestamp is not None and not (timestamp.intact and timestamp.valid and timestamp.trusted):
        return SignatureCheck("bad_timestamp", **found)
    if status.coverage.name != "ENTIRE_FILE":
        return SignatureCheck("appended", **found)
    return SignatureCheck("valid", **found)


def signature_problem(pdf: bytes, trust_root: str) -> str | None:
    """What is wrong with the letter's signature, validated against the certificates of
    ``trust_root`` (see :func:`trust_roots`); None when it is valid, trusted and covers the whole
    file, or when the letter is unsigned (issued while no key was configured)."""
    return problem_of(check_signature(pdf, trust_roots(trust_root)))


def problem_of(check: SignatureCheck) -> str | None:
    """A signature check as an audit finding's words; None when valid or unsigned."""
    if check.state in ("valid", "unsigned"):
        return None
    if check.state == "unreadable":
        return "its signature cannot be read"
    return _PROBLEMS[check.state]


def warn_about_demo_key(app: Flask) -> bool:
    """Load the configured keys at start-up (a wrong passphrase fails now, not at the first letter);
    log a warning when one is a demo key outside development and testing; True if it warned."""
    loaded = configured_signers(app)
    if not loaded or app.debug or app.testing or not any(is_demo_certificate(signer) for signer in loaded):
        return False
    log.warning(
        "FUND_SIGNING_KEY %s is a demo key made by `fund keys demo`: letters signed with it verify only "
        "against the demo root. Configure the fund's own key and certificate.",
        app.config["FUND_SIGNING_KEY"],
    )
    return True


# --- the demo keys --------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Victims Compensation Fund ({DEMO_MARK})"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer, public_key, issuer_key, serial: int, *, ca: bool):  # noqa: ANN001, ANN202
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(DEMO_VALID_FROM)
        .not_valid_after(DEMO_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,  # non-repudiation: the signer stands by the letter
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_demo_keys(directory: Path, passphrase: str) -> DemoKeys:
    """A demo root certificate (PEM) and a signing key with its certificate issued by that root
    (PKCS#12 with ``passphrase``, the root included), written into ``directory``. EC P-256."""
    if not passphrase:
        raise ValueError("the demo key needs a passphrase")
    directory.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Victims Compensation Fund demo root")
    root = _certificate(
        root_name, root_name, root_key.public_key(), root_key, x509.random_serial_number(), ca=True
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(
        _name("Victims Compensation Fund letters (demo)"),
        root_name,
        key.public_key(),
        root_key,
        x509.random_serial_number(),
        ca=False,
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"fund-letters-demo",
        key,
        certificate,
        [root],
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    root_pem = directory / DEMO_ROOT_FILE
    key_p12 = directory / DEMO_KEY_FILE
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    key_p12.write_bytes(p12)
    key_p12.chmod(0o600)
    return DemoKeys(root_pem=root_pem, key_p12=key_p12, passphrase=passphrase)
