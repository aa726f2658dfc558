"""Reference data the rules read: the monthly calculation index (MCI) by effective date."""

from datetime import date

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class MciRate(db.Model):
    __tablename__ = "mci_rates"
    __table_args__ = (CheckConstraint("amount_kzt > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(unique=True)
    amount_kzt: Mapped[int]
