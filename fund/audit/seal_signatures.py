"""Seals signed with the fund's key, so that a rewritten database cannot re-make them.

A seal's hashes can be recomputed by anyone who can rewrite the whole database and has the code;
its signature cannot without the fund's key. Each seal is signed when it is made (by the worker or
``fund audit seal``, never on a request's path) with the key of ``FUND_SIGNING_KEY``, the key that
signs the letters (:mod:`fund.letters.signing`).

**What is signed** is the seal's *statement*: a few lines of plain UTF-8 text naming the seal's
number, time, author, claim count, digest and hashes (:func:`seal_statement`). It is rebuilt from
the seal's row, so any change to the row breaks the signature.

**The signature** is a detached CMS ``SignedData`` (RFC 5652; SHA-256, a signingTime attribute,
the signing certificate inside), stored as DER in ``seals.signature``. We chose CMS over a bare
signature of the digest because it carries its own certificate and algorithm names and is checked
years later by tools every system has, with nothing of ours::

    openssl cms -verify -binary -purpose any -inform DER -in seal.p7s -content statement.txt -CAfile root.pem

It is the same standard as the letters' PAdES signatures, made and checked with the same library
(pyHanko). Without a timestamp server the signingTime is the fund's own claim of when it signed.

A seal made while no key was configured stays unsigned; verification says so without failing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers.pdf_cms import CMSSignedAttributes, Signer
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms, extract_certificate_info
from pyhanko_certvalidator import ValidationContext

from fund.letters.certificates import choose_signer
from fund.letters.signing import configured_signers, in_a_thread_of_its_own
from fund.models import Seal

STATEMENT_TITLE = "Victims Compensation Fund: seal of the claims history"


def seal_statement(seal: Seal) -> bytes:
    """The exact bytes a seal's signature covers: its fields as lines of text, each ending in LF."""
    lines = [
        STATEMENT_TITLE,
        f"seal: {seal.sequence}",
        f"sealed at: {seal.sealed_at.astimezone(UTC).isoformat()}",
        f"sealed by: {seal.sealed_by}",
        f"claims: {seal.claim_count}",
        f"digest: {seal.digest}",
        f"previous hash: {seal.previous_hash}",
        f"hash: {seal.hash}",
    ]
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def sign_statement(statement: bytes, signer: Signer, signed_at: datetime) -> bytes:
    """A detached CMS signature (DER, SHA-256) of ``statement``, with ``signed_at`` as signingTime."""

    async def sign() -> cms.ContentInfo:
        return await signer.async_sign_general_data(
            statement,
            "sha256",
            detached=True,
            signed_attr_settings=CMSSignedAttributes(signing_time=signed_at.astimezone(UTC)),
        )

    # pyHanko's signing is a coroutine; run it on a loop of its own (see in_a_thread_of_its_own).
    return in_a_thread_of_its_own(asyncio.run, sign()).dump()


def sign_seal(seal: Seal) -> bytes | None:
    """The seal's signature, made now with the configured key current now (the one that signs
    letters now: :func:`fund.letters.certificates.choose_signer`), or None when none is configured.

    Raises :class:`~fund.letters.signing.SigningKeyError` when a key is configured but cannot be
    used: the seal is then not made, rather than made unsigned without anyone noticing.
    """
    now = datetime.now(UTC)
    signer = choose_signer(configured_signers(), now)
    if signer is None:
        return None
    return sign_statement(seal_statement(seal), signer, now)


@dataclass(frozen=True)
class SealSignature:
    """What a signature says of itself (read, not validated: see :func:`signature_problem`)."""

    signer: str  # the certificate's subject, as people read it
    signed_at: datetime | None  # its signingTime attribute: the fund's own claim
    certificate: asn1_x509.Certificate


def _signed_data(signature: bytes) -> cms.SignedData:
    info = cms.ContentInfo.load(signature)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed_data = info["content"]
    signed_data.native  # noqa: B018 - parse it all now: asn1crypto parses lazily
    return signed_data


def read_signature(signature: bytes) -> SealSignature:
    """The signer, signing time and certificate of a seal's signature; ValueError when unreadable."""
    try:
        signed_data = _signed_data(signature)
        certificate = extract_certificate_info(signed_data).signer_cert
        signed_at = None
        for attribute in signed_data["signer_infos"][0]["signed_attrs"]:
            if attribute["type"].native == "signing_time":
                signed_at = attribute["values"][0].native
    except Exception as error:  # asn1crypto's and pyHanko's many parse errors
        raise ValueError(f"not a CMS signature with its certificate ({type(error).__name__})") from error
    return SealSignature(certificate.subject.human_friendly, signed_at, certificate)


def signature_problem(
    statement: bytes, signature: bytes, roots: list[asn1_x509.Certificate] | None
) -> str | None:
    """What is wrong with ``signature`` as the fund's signature of ``statement``; None when right.

    The signature must match the statement; with ``roots``, its certificate must also chain to one
    of them, valid at the signature's own signing time (a certificate that has since expired or
    been replaced still vouches for what it signed while it was valid). Without ``roots`` only the
    match is checked.
    """
    try:
        signed_data = _signed_data(signature)
        claimed = read_signature(signature).signed_at
    except ValueError:
        return "its signature cannot be read"
    context = ValidationContext(trust_roots=roots or [], moment=claimed or datetime.now(UTC))

    async def validate():  # noqa: ANN202 - pyHanko's status
        return await async_validate_detached_cms(statement, signed_data, signer_validation_context=context)

    try:
        status = in_a_thread_of_its_own(_quietly, validate())
    except Exception as error:  # a damaged signature: pyHanko's many parse errors
        return f"its signature cannot be read ({type(error).__name__})"
    if not status.intact or not status.valid:
        return "its signature does not match its content"
    if roots and not status.trusted:
        return "its signature is not from a certificate of FUND_SIGNING_TRUST_ROOT"
    return None


# pyHanko logs every untrusted certificate path as a warning with two tracebacks; a verification
# that finds seals re-signed by another key reports each as a finding already, so those warnings
# are dropped, in the threads that validate seals only (letters' validations keep theirs).
_VALIDATING_SEAL = threading.local()
_PYHANKO_CMS_LOGGER = "pyhanko.sign.validation.generic_cms"


class _WhileValidatingSeals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_VALIDATING_SEAL, "on", False)


def _quietly(coroutine):  # noqa: ANN001, ANN202 - pyHanko's validation and its status
    logger = logging.getLogger(_PYHANKO_CMS_LOGGER)
    if not any(isinstance(f, _WhileValidatingSeals) for f in logger.filters):
        logger.addFilter(_WhileValidatingSeals())
    _VALIDATING_SEAL.on = True
    try:
        return asyncio.run(coroutine)
    finally:
        _VALIDATING_SEAL.on = False
