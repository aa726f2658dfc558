"""File downloads for staff pages: always an attachment, never cached, never sniffed."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file


def attachment(content: bytes, content_type: str, filename: str) -> Response:
    """Send ``content`` as a file to save: browsers neither cache it nor guess another type."""
    response = send_file(
        BytesIO(content), mimetype=content_type, as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
