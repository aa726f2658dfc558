"""The fund's contact points by region: where and how a claimant reaches the fund.

Administrators edit them (fund/admin/contact_points.py); every portal page, the claimant's status
page and every letter show them (fund/common/contact_points.py). Words a claimant reads (region,
address, opening hours) are kept in Kazakh, Russian and English; the phone and e-mail are the same
in every language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class ContactPoint(db.Model):
    """One contact point of the fund: a region's office with its address, phone, e-mail and hours."""

    __tablename__ = "contact_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A short code in the address of the portal's contact page (?region=almaty); unique.
    region_code: Mapped[str] = mapped_column(String(40), unique=True)
    region_kk: Mapped[str] = mapped_column(String(120))
    region_ru: Mapped[str] = mapped_column(String(120))
    region_en: Mapped[str] = mapped_column(String(120))
    address_kk: Mapped[str] = mapped_column(String(300))
    address_ru: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    hours_kk: Mapped[str] = mapped_column(String(200))
    hours_ru: Mapped[str] = mapped_column(String(200))
    hours_en: Mapped[str] = mapped_column(String(200))
    # Lists are in this order; the first active point is the one every letter prints.
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))

    def words(self, language: str) -> dict[str, str]:
        """The point as a claimant reads it in ``language``: region, address, phone, e-mail, hours."""
        language = language if language in ("kk", "ru", "en") else "en"
        return {
            "region": getattr(self, f"region_{language}"),
            "address": getattr(self, f"address_{language}"),
            "phone": self.phone,
            "email": self.email,
            "hours": getattr(self, f"hours_{language}"),
        }
