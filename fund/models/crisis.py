"""Crisis centres by region, and claimants' requests that a crisis centre contact them.

Victims of torture, trafficking and violence have the right to psychological, medical, legal and
social help, and crisis centres work in every region. The claimant may ask, when applying or later
from the status page, for a crisis centre to contact them; an officer passes the request on to the
centre and records who passed it, when, to which centre and how.

A referral is sensitive personal data: it is kept apart from the claim's submission, its workflow
and its history, so that no letter, e-mail, export or API answer can carry it. Only the officers'
claim page (each view in the access log) and the claimant's own status page show it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime

# The kinds of help a claimant may ask for, in the order every page lists them.
HELP_KINDS = ("psychological", "medical", "legal", "social")


class CrisisCentre(db.Model):
    """One crisis centre: its region, name, address, phone, e-mail and the kinds of help it gives."""

    __tablename__ = "crisis_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The region's short code (the same codes as the contact points by convention: almaty, astana).
    region_code: Mapped[str] = mapped_column(String(40), index=True)
    region_kk: Mapped[str] = mapped_column(String(120))
    region_ru: Mapped[str] = mapped_column(String(120))
    region_en: Mapped[str] = mapped_column(String(120))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_kk: Mapped[str] = mapped_column(String(300))
    address_ru: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))  # "" when the centre has none
    # The kinds of help it gives, from HELP_KINDS, comma-separated in that order.
    kinds: Mapped[str] = mapped_column(String(100))
    # Lists are in this order; a region's first active centre is the one a referral proposes.
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))

    @property
    def kind_list(self) -> list[str]:
        """The kinds of help the centre gives, in the order of HELP_KINDS."""
        return [kind for kind in self.kinds.split(",") if kind]

    def words(self, language: str) -> dict[str, str]:
        """The centre as a reader sees it in ``language``: region, name, address, phone, e-mail."""
        language = language if language in ("kk", "ru", "en") else "en"
        return {
            "region": getattr(self, f"region_{language}"),
            "name": getattr(self, f"name_{language}"),
            "address": getattr(self, f"address_{language}"),
            "phone": self.phone,
            "email": self.email,
        }


class CrisisReferral(db.Model):
    """A claimant's request that a crisis centre contact them (one per claim), and its passing on."""

    __tablename__ = "crisis_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    asked_from: Mapped[str] = mapped_column(String(20))  # "application" or "status_page"
    kinds: Mapped[str] = mapped_column(String(100))  # from HELP_KINDS, comma-separated; "" = any help
    # The region the claimant named (None: not said), and the centre proposed for it (None: none there).
    region_code: Mapped[str | None] = mapped_column(String(40))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_centres.id"))
    passed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    passed_by: Mapped[str | None] = mapped_column(String(80))
    passed_centre_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_centres.id"))
    passed_how: Mapped[str | None] = mapped_column(String(20))  # PASSING_WAYS in fund.claims.crisis_referrals
    passed_note: Mapped[str | None] = mapped_column(Text)

    @property
    def kind_list(self) -> list[str]:
        """The kinds of help asked for, in the order of HELP_KINDS (empty: any help)."""
        return [kind for kind in self.kinds.split(",") if kind]
