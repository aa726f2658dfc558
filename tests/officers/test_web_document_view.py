"""Documents shown in the page: a PDF or an image opens beside the claim instead of only
downloading. The file itself is sent inline only when its type is allow-listed (PDF, PNG, JPEG)
and its bytes begin as that type does, never sniffed, under a Content-Security-Policy that lets it
run nothing; anything else downloads. Every view is written to the access log like a download,
and only the roles that may download a document may view it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Document
from tests.officer_helpers import attach_document, browser, freeze_clock, html, main_text

PDF = b"%PDF-1.4 scanned identity card"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def claim(submit, monkeypatch) -> str:
    freeze_clock(monkeypatch)
    return submit()["reference"]


def add_document(reference: str, filename: str, content_type: str, content: bytes) -> int:
    """A document of the claim as it is stored, whatever its type (the portal allows only three)."""
    document = Document(
        claim_id=db.session.scalar(db.select(Claim.id).where(Claim.reference == reference)),
        code="forensic_medical_report",
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        uploaded_by="portal",
    )
    db.session.add(document)
    db.session.commit()
    return document.id


def access_log(reference: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [
        (row.username, row.what)
        for row in db.session.execute(
            db.select(AccessLogEntry.username, AccessLogEntry.what)
            .join(Claim)
            .where(Claim.reference == reference)
            .order_by(AccessLogEntry.id)
        )
    ]


# --- the claim page and the document page ---------------------------------------------------------


def test_the_claim_page_offers_view_beside_download_for_a_pdf(app, staff, claim):
    document_id = attach_document(claim)
    ivan = browser(app, staff, "ivan", "intake")

    page = html(ivan.get(f"/claims/{claim}"))
    item = page.xpath(f"//li[.//a[contains(@href,'/documents/{document_id}')]]")[0]
    links = {a.text_content().strip(): a.get("href") for a in item.xpath(".//a")}

    assert links == {
        "View": f"/claims/{claim}/documents/{document_id}/view",
        "Download": f"/claims/{claim}/documents/{document_id}",
    }
    assert access_log(claim) == []  # the claim page itself shows no document


def test_a_file_of_another_type_is_offered_for_download_only(app, staff, claim):
    document_id = add_document(claim, "notes.docx", "application/octet-stream", b"PK\x03\x04 a word file")
    ivan = browser(app, staff, "ivan", "intake")

    page = html(ivan.get(f"/claims/{claim}"))
    item = page.xpath(f"//li[.//a[contains(@href,'/documents/{document_id}')]]")[0]

    assert [a.text_content().strip() for a in item.xpath(".//a")] == ["Download"]


def test_the_document_page_shows_a_pdf_in_a_frame_and_an_image_as_an_image(app, staff, claim):
    pdf_id = attach_document(claim)
    png_id = add_document(claim, "scan.png", "image/png", png_bytes())
    ivan = browser(app, staff, "ivan", "intake")

    pdf_page = html(ivan.get(f"/claims/{claim}/documents/{pdf_id}/view"))
    png_page = html(ivan.get(f"/claims/{claim}/documents/{png_id}/view"))

    (frame,) = pdf_page.xpath("//iframe[@id='document-view']")
    assert frame.get("src") == f"/claims/{claim}/documents/{pdf_id}/inline"
    (image,) = png_page.xpath("//img[@id='document-view']")
    assert image.get("src") == f"/claims/{claim}/documents/{png_id}/inline"
    assert "scan.png" in image.get("alt")
    download = pdf_page.xpath("//main//a[normalize-space()='Download']/@href")
    assert download == [f"/claims/{claim}/documents/{pdf_id}"]
    assert access_log(claim) == []  # the file is logged when it is sent, not the page around it


# --- the file sent inline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content_type", "make"),
    [("card.pdf", "application/pdf", lambda: PDF), ("scan.png", "image/png", png_bytes),
     ("photo.jpg", "image/jpeg", jpeg_bytes)],
)  # fmt: skip
def test_a_pdf_or_an_image_is_sent_inline_sandboxed_and_never_sniffed(
    app, staff, claim, filename, content_type, make
):
    content = make()
    document_id = add_document(claim, filename, content_type, content)
    ivan = browser(app, staff, "ivan", "intake")

    answer = ivan.get(f"/claims/{claim}/documents/{document_id}/inline")

    assert answer.status_code == 200 and answer.data == content
    assert answer.mimetype == content_type
    assert answer.headers["Content-Disposition"] == f"inline; filename={filename}"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in answer.headers["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert not any("script" in part or "unsafe" in part for part in policy)
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Accept-Ranges" not in answer.headers  # one view, one request, one line in the log
    assert access_log(claim) == [
        ("ivan", f"document {document_id} viewed: forensic_medical_report ({filename})")
    ]


@pytest.mark.parametrize(
    ("filename", "content_type", "content"),
    [
        ("page.html", "text/html", b"<script>alert(document.cookie)</script>"),
        ("drawing.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>"),
        # Stored as a PDF, but its bytes are not one: it is not shown as anything.
        ("fake.pdf", "application/pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.png", "image/png", b"GIF89a not a png"),
    ],
)
def test_anything_else_downloads_instead(app, staff, claim, filename, content_type, content):
    document_id = add_document(claim, filename, content_type, content)
    ivan = browser(app, staff, "ivan", "intake")

    answer = ivan.get(f"/claims/{claim}/documents/{document_id}/inline")

    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype in ("application/octet-stream", content_type)
    assert answer.mimetype not in ("text/html", "image/svg+xml")
    assert [who for who, _ in access_log(claim)] == ["ivan"]  # a download is logged too


def test_a_document_page_for_a_file_that_cannot_be_shown_says_so_and_offers_the_download(app, staff, claim):
    document_id = add_document(claim, "page.html", "text/html", b"<p>hello</p>")
    ivan = browser(app, staff, "ivan", "intake")

    answer = ivan.get(f"/claims/{claim}/documents/{document_id}/view")
    page = html(answer)

    assert answer.status_code == 200
    assert not page.xpath("//iframe | //img[@id='document-view']")
    assert "is not shown in the page: download it" in main_text(answer)


def test_only_the_roles_that_may_download_a_document_may_view_it(app, staff, claim):
    document_id = attach_document(claim)
    for username, role in (("aida", "auditor"), ("adil", "admin")):
        client = browser(app, staff, username, role)
        assert client.get(f"/claims/{claim}/documents/{document_id}/view").status_code == 403
        assert client.get(f"/claims/{claim}/documents/{document_id}/inline").status_code == 403
    for username, role in (("rosa", "reviewer"), ("alma", "approver"), ("farida", "finance")):
        client = browser(app, staff, username, role)
        assert client.get(f"/claims/{claim}/documents/{document_id}/inline").status_code == 200
    assert [who for who, _ in access_log(claim)] == ["rosa", "alma", "farida"]


def test_a_document_of_another_claim_or_none_is_not_found(app, staff, claim, submit):
    other = submit()["reference"]
    document_id = attach_document(other)
    ivan = browser(app, staff, "ivan", "intake")

    for suffix in ("view", "inline"):
        assert ivan.get(f"/claims/{claim}/documents/{document_id}/{suffix}").status_code == 404
        assert ivan.get(f"/claims/{claim}/documents/{document_id + 99}/{suffix}").status_code == 404
    assert access_log(claim) == [] and access_log(other) == []
