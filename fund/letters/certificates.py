"""The fund's signing certificates over time: key rotation.

A new key and certificate take over from a date; letters signed before keep verifying, because a
signature carries its certificate and the roots that issued earlier certificates stay trusted.

Design, and why:

- ``FUND_SIGNING_KEY`` names the configured keys (several PKCS#12 files, separated by
  ``os.pathsep``, one passphrase): the current one, and during a rotation the next one.
- The table ``signing_certificates`` records every certificate that has signed or will sign, with
  the moment it takes over (``valid_from``). ``fund keys rotate NEW.p12 --from DATE`` records the
  next certificate ahead of its date; a configured key never recorded is recorded when it signs
  its first letter. Each letter is signed by the configured key whose certificate took over last
  at or before the signing time, so the switch happens at the date without anyone at the console.
  The record lives in the database, beside the letters (a backup restores both), not in one
  machine's configuration; and it holds only public certificates.
- What the fund *trusts* stays in configuration, never in that table: ``FUND_SIGNING_TRUST_ROOT``
  lists the root certificates (of the current and earlier keys, and of the timestamp server). An
  insider who can write to the database could add a certificate of their own to the table; they
  cannot make the auditors' root trust it.
- ``fund audit verify`` checks each signed letter against the table too: signed by a recorded
  certificate, the one current when the letter was issued (a retired key signing after its
  successor took over is a finding). ``fund audit export`` includes the recorded certificates and
  the trust roots.
"""

from __future__ import annotations

import logging
from datetime import datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.common.errors import Conflict

from ..extensions import db
from ..models import SigningCertificate

log = logging.getLogger(__name__)

AUTOMATIC = "first letter signed"  # recorded_by for a key recorded when it first signed


def fingerprint(certificate: asn1_x509.Certificate) -> str:
    """The sha256 of the certificate's DER encoding, in hex (as ``openssl x509 -fingerprint -sha256``)."""
    return certificate.sha256.hex()


def certificate_pem(certificate: asn1_x509.Certificate) -> str:
    """The certificate as PEM text."""
    return pem.armor("CERTIFICATE", certificate.dump()).decode("ascii")


def recorded_certificates() -> list[SigningCertificate]:
    """Every signing certificate the fund has recorded, oldest first."""
    return list(
        db.session.scalars(
            select(SigningCertificate).order_by(SigningCertificate.valid_from, SigningCertificate.id)
        )
    )


def record_certificate(
    certificate: asn1_x509.Certificate, valid_from: datetime, now: datetime, recorded_by: str
) -> SigningCertificate:
    """Record a signing certificate taking over at ``valid_from``. Raises :class:`Conflict` when it
    is recorded already (a certificate takes over once). Does not commit."""
    if db.session.scalar(
        select(SigningCertificate).where(SigningCertificate.fingerprint == fingerprint(certificate))
    ):
        raise Conflict(f"the certificate {fingerprint(certificate)} is recorded already")
    row = SigningCertificate(
        fingerprint=fingerprint(certificate),
        subject=certificate.subject.human_friendly[:400],
        certificate_pem=certificate_pem(certificate),
        valid_from=valid_from,
        recorded_at=now,
        recorded_by=recorded_by[:80],
    )
    db.session.add(row)
    db.session.flush()
    return row


def _record_on_first_use(certificate: asn1_x509.Certificate, now: datetime) -> None:
    """Record a configured certificate when it signs its first letter, in a savepoint: two workers
    signing their first letters at once both try, and the loser's letter must not be lost."""
    try:
        with db.session.begin_nested():
            record_certificate(certificate, now, now, AUTOMATIC)
    except (IntegrityError, Conflict):
        pass  # recorded by another process meanwhile
    else:
        log.info("signing certificate %s recorded as it signed its first letter", fingerprint(certificate))


def choose_signer(signers: list, now: datetime):  # noqa: ANN001, ANN201 - pyHanko SimpleSigners
    """The configured signer that signs at ``now``: the one whose recorded certificate took over
    last at or before ``now``; with none recorded yet, the first configured one, recorded now."""
    if not signers:
        return None
    by_fingerprint = {fingerprint(signer.signing_cert): signer for signer in signers}
    taking_over = dict(
        db.session.execute(
            select(SigningCertificate.fingerprint, SigningCertificate.valid_from).where(
                SigningCertificate.fingerprint.in_(by_fingerprint)
            )
        ).all()
    )
    current = [(valid_from, key) for key, valid_from in taking_over.items() if valid_from <= now]
    if current:
        return by_fingerprint[max(current)[1]]
    unrecorded = [signer for key, signer in by_fingerprint.items() if key not in taking_over]
    if unrecorded:
        _record_on_first_use(unrecorded[0].signing_cert, now)
        return unrecorded[0]
    # Every configured key takes over later: sign with the earliest, and say so (an audit finding).
    log.warning(
        "every configured signing key takes over after %s; signing with the earliest", now.isoformat()
    )
    return by_fingerprint[min((valid_from, key) for key, valid_from in taking_over.items())[1]]


def certificate_problem(certificate_sha256: str, issued_at: datetime) -> str | None:
    """What is wrong with a letter signed by the certificate ``certificate_sha256`` and issued at
    ``issued_at``: a certificate the fund never recorded, or not the one current at that moment."""
    rows = recorded_certificates()
    if not any(row.fingerprint == certificate_sha256 for row in rows):
        return f"it is signed by a certificate the fund never recorded ({certificate_sha256[:16]})"
    current = [row for row in rows if row.valid_from <= issued_at]
    if not current or current[-1].fingerprint != certificate_sha256:
        return (
            f"it is signed by certificate {certificate_sha256[:16]}, which was not the fund's current "
            "signing certificate when the letter was issued"
        )
    return None
