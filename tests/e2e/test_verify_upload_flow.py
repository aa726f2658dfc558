"""In the browser: anyone uploads a letter's PDF at /verify and reads, in Kazakh or Russian, whether it
is the fund's letter, unchanged, with a valid signature; a file with one byte changed is named as
changed. Screenshots go to test-artifacts/e2e/ (and /tmp/shots/signing/ when that folder exists).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims.submission import submit_claim
from fund.extensions import db
from fund.letters.signing import make_demo_keys
from fund.models import Claim, Letter
from tests.conftest import claim_body

SHOTS = Path("/tmp/shots/signing")


@pytest.fixture(scope="module")
def signing_server(live_server, tmp_path_factory):
    keys = make_demo_keys(tmp_path_factory.mktemp("keys"), "e2e passphrase")
    live_server.app.config.update(
        FUND_SIGNING_KEY=str(keys.key_p12),
        FUND_SIGNING_KEY_PASSPHRASE="e2e passphrase",
        FUND_SIGNING_TRUST_ROOT=str(keys.root_pem),
    )
    return live_server


def _letter_pdf(claim_id: int) -> bytes:
    return db.session.scalar(select(Letter.pdf).where(Letter.claim_id == claim_id))


def _signed_letter(server, language: str) -> bytes:
    """A claim submitted in ``language``; its acknowledgement, issued and signed by the submission."""
    submitted = server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))
    return server.run(
        lambda: _letter_pdf(db.session.scalar(select(Claim.id).where(Claim.reference == submitted.reference)))
    )


def _keep(path: Path, name: str) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / name)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_uploaded_letter_is_checked_in_the_pages_language(
    signing_server, new_page, shot, tmp_path, language
):
    pdf = _signed_letter(signing_server, language)
    assert pdf and b"/ByteRange" in pdf
    good, changed = tmp_path / "letter.pdf", tmp_path / "changed.pdf"
    good.write_bytes(pdf)
    at = pdf.index(b"ReportLab Generated PDF")
    changed.write_bytes(pdf[:at] + b"X" + pdf[at + 1 :])

    page = new_page(locale={"kk": "kk-KZ", "ru": "ru-RU"}[language])
    page.goto(f"{signing_server.url}/verify?lang={language}")
    page.locator("#pdf").set_input_files(str(good))
    page.locator("form button[type=submit]").click()
    expect(page.locator("#file-result")).to_have_attribute("data-verdict", "authentic")
    expect(page.locator("#file-signature")).to_have_attribute("data-signature", "valid")
    _keep(shot(page, f"authentic-{language}"), f"verify-upload-authentic-{language}.png")

    page.locator("#pdf").set_input_files(str(changed))
    page.locator("form button[type=submit]").click()
    expect(page.locator("#file-result")).to_have_attribute("data-verdict", "tampered")
    expect(page.locator("#file-signature")).to_have_attribute("data-signature", "tampered")
    _keep(shot(page, f"tampered-{language}"), f"verify-upload-tampered-{language}.png")

    not_pdf = tmp_path / "photo.pdf"
    not_pdf.write_bytes(b"\x89PNG not a letter")
    page.locator("#pdf").set_input_files(str(not_pdf))
    page.locator("form button[type=submit]").click()
    expect(page.locator("#verify-error")).to_be_visible()
    _keep(shot(page, f"not-pdf-{language}"), f"verify-upload-not-pdf-{language}.png")
