"""Cursors of pages of claims listed newest first: the last claim's submission time and id.

A page of a search is cut after or before a claim (keyset paging), never at an offset, so the
hundredth page costs what the first does. The cursor travels in the page's address as text.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

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
