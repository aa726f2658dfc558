"""Pages of claims listed newest first, and their cursors: the last claim's submission time and id.

A page of a search is cut after or before a claim (keyset paging), never at an offset, so the
hundredth page costs what the first does. The cursor travels in the page's address as text.
Shared by the auditors' search (fund/audit/pages.py) and the officers' search
(fund/officers/search.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

PAGE_SIZE = 25
COUNT_LIMIT = 1_000  # beyond this a page says "more than 1,000": counting every match costs more

Row = TypeVar("Row")


@dataclass(kw_only=True)
class ClaimsPage(Generic[Row]):
    """One page of a claim search: its rows, how many matched (at most ``COUNT_LIMIT``) and the
    cursors of the pages before and after it."""

    rows: list[Row] = field(default_factory=list)
    total: int = 0  # at most COUNT_LIMIT
    more_than_counted: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        """How many pages the counted matches fill (at least one)."""
        return max(1, -(-self.total // self.page_size))


_CURSOR = re.compile(r"(?P<moment>[0-9T:.+-]{19,40})~(?P<id>[0-9]{1,18})")


def decode_claim_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(submitted_at, claim id) from a cursor made by :func:`encode_claim_cursor`; None if it is
    not one (a cursor typed by hand, or cut short)."""
    match = _CURSOR.fullmatch(cursor or "")
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(match["moment"])
    except ValueError:
        return None
    return (moment, int(match["id"])) if moment.tzinfo is not None else None


def encode_claim_cursor(row: Any) -> str:
    """The cursor of a row with ``submitted_at`` and ``id``."""
    return f"{row.submitted_at.isoformat()}~{row.id}"
