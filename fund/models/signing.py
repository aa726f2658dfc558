"""The fund's signing certificates: every certificate that has signed letters, from which date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class SigningCertificate(db.Model):
    """A certificate of the fund's letter-signing key and the moment it took over (key rotation).

    Public data only (the certificate, never the key). The certificate that signs at a moment is
    the one with the latest ``valid_from`` at or before it; see :mod:`fund.letters.certificates`.
    """

    __tablename__ = "signing_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the DER certificate
    subject: Mapped[str] = mapped_column(String(400))
    certificate_pem: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(80))
