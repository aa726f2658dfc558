"""The dashboard's figures as last counted (one row per period the page offers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class DashboardCount(db.Model):
    """Every figure of the dashboard for one period, counted at ``counted_at`` (see
    :mod:`fund.reports.counts`). Derived data: recounted by the worker, never edited."""

    __tablename__ = "dashboard_counts"

    weeks: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    counted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
