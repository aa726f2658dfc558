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


# For a file shown in the page: it may load nothing, run nothing, and be framed only by this site.
# Chromium shows a PDF in its own viewer under this policy (the viewer is the browser's, not the
# page's), and an image needs nothing at all.
INLINE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'; sandbox"
)


def inline(content: bytes, content_type: str, filename: str) -> Response:
    """Send ``content`` to be shown in the page (a PDF or an image the caller has allow-listed).

    Never cached, never sniffed as another type, under a Content-Security-Policy that sandboxes it:
    even a file that is not what its type says can run no script and reach nothing.
    """
    response = send_file(  # not conditional: no ranges, so each view is one request and one log row
        BytesIO(content),
        mimetype=content_type,
        as_attachment=False,
        download_name=filename,
        max_age=0,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = INLINE_CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response
