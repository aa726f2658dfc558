"""Cursor paging of the API's lists: a page's size and the opaque cursor of the next page."""

from __future__ import annotations

from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from datetime import UTC, datetime

from fund.common.errors import Invalid

LIMIT_MESSAGE = "must be a whole number from 1 to %(most)d"
CURSOR_MESSAGE = 'is not a cursor this API gave: follow the Link header\'s rel="next" as it is'


def page_size(text: str | None, most: int) -> int:
    """``?limit=``: 1 to ``most``, ``most`` when absent; else 422 naming ``limit``."""
    if text is None or text == "":
        return most
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= most:
        raise Invalid("the request has errors", {"limit": [LIMIT_MESSAGE % {"most": most}]})
    return int(text)


def task_cursor(created_at: datetime, task_id: str) -> str:
    """The cursor after a task: its creation time and id, opaque to clients."""
    text = f"{created_at.astimezone(UTC).isoformat()}|{task_id}"
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_task_cursor(text: str | None) -> tuple[datetime, str] | None:
    """The (created_at, id) a :func:`task_cursor` names; None without one; 422 naming ``after``."""
    if not text:
        return None
    try:
        decoded = urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        moment, task_id = decoded.split("|", 1)
        created_at = datetime.fromisoformat(moment)
    except (ValueError, Base64Error, UnicodeDecodeError):
        created_at, task_id = None, ""
    if created_at is None or created_at.tzinfo is None or not task_id or len(task_id) > 36:
        raise Invalid("the request has errors", {"after": [CURSOR_MESSAGE]})
    return created_at, task_id
