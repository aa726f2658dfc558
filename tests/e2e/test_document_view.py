"""An officer opens a claim's documents in the page: a scanned PDF in the browser's own PDF viewer,
a photo as an image; neither is downloaded, and each view is in the claim's access log."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw
from playwright.sync_api import expect
from reportlab.pdfgen import canvas
from sqlalchemy import select

from fund.claims.submission import submit_claim
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Document
from tests.conftest import claim_body
from tests.e2e.conftest import sign_in

# Chromium's PDF viewer: a PDF shown in the page is drawn in a frame of this extension.
CHROMIUM_PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"


def scanned_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("Helvetica-Bold", 36)
    pdf.drawString(72, 700, "IDENTITY CARD (scan)")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def photo_png() -> bytes:
    image = Image.new("RGB", (480, 300), "white")
    drawing = ImageDraw.Draw(image)
    drawing.rectangle((20, 20, 460, 280), outline="navy", width=8)
    drawing.text((60, 140), "forensic medical report (photo)", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def attach(reference: str, filename: str, content_type: str, content: bytes) -> int:
    document = Document(
        claim_id=db.session.scalar(select(Claim.id).where(Claim.reference == reference)),
        code="identity_document" if content_type == "application/pdf" else "forensic_medical_report",
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=datetime.now(UTC),
        uploaded_by="portal",
    )
    db.session.add(document)
    db.session.commit()
    return document.id


def access_log(reference: str) -> list[str]:
    return list(
        db.session.scalars(
            select(AccessLogEntry.what)
            .join(Claim)
            .where(Claim.reference == reference)
            .order_by(AccessLogEntry.id)
        )
    )


def test_an_officer_views_a_pdf_and_a_photo_in_the_page(live_server, new_page, shot):
    live_server.user("dana", "intake")
    reference = live_server.run(submit_claim, claim_body(), datetime.now(UTC) - timedelta(hours=1)).reference
    pdf_id = live_server.run(attach, reference, "identity-card.pdf", "application/pdf", scanned_pdf())
    png_id = live_server.run(attach, reference, "report.png", "image/png", photo_png())

    page = new_page()
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/claims/{reference}")
    shot(page, "claim-documents")

    # The PDF: shown in a frame of the document page, by Chromium's own PDF viewer.
    with page.expect_response(lambda r: r.url.endswith(f"/documents/{pdf_id}/inline")) as sent:
        page.get_by_role("link", name="View Identity document of the claimant").click()
    expect(page.locator("h1")).to_have_text("Identity document of the claimant")
    assert sent.value.headers["content-disposition"].startswith("inline")
    assert sent.value.headers["content-type"] == "application/pdf"
    page.wait_for_function(
        "() => document.getElementById('document-view').getBoundingClientRect().height > 300"
    )
    page.wait_for_timeout(1500)  # the viewer draws the page
    frames = [frame.url for frame in page.frames]
    assert any(url.startswith(CHROMIUM_PDF_VIEWER) for url in frames), frames
    shot(page, "pdf-in-the-page", full_page=False)

    # The photo: an image in the page, drawn (its natural size known), not a download.
    page.get_by_role("link", name=f"Back to claim {reference}").click()
    page.get_by_role("link", name="View Forensic medical report").click()
    image = page.locator("img#document-view")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.getElementById('document-view').complete")
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [480, 300]
    shot(page, "photo-in-the-page")

    assert downloads == []
    logged = live_server.run(access_log, reference)
    assert f"document {pdf_id} viewed: identity_document (identity-card.pdf)" in logged
    assert f"document {png_id} viewed: forensic_medical_report (report.png)" in logged
