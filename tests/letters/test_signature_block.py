"""A signed letter shows its signature: a block with the signer, the date (in the letter's language,
Almaty) and the verification address, with the signature field lying over it; and anyone checks the
file offline with the README's commands.

The block is page content drawn by reportlab with the letter's embedded font, so poppler and pypdf
render and read it alike, without a warning.
"""

# ruff: noqa: F811 - the fixtures imported from test_letter_signatures are used as parameters

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import warnings

import pytest
from pypdf import PdfReader

from fund.letters import texts
from fund.letters.service import verify_url
from tests.letters.test_letter_signatures import (  # noqa: F401
    PASSPHRASE,
    demo_keys,
    every_kind_issued,
    signing,
)
from tests.letters.test_letters import issued, letters_of, submitted

SIGNED_ON = {"kk": "2026 жылғы 2\u00a0наурыз", "ru": "2\u00a0марта 2026\u00a0года", "en": "2\u00a0March 2026"}


def signature_widget(pdf: bytes) -> tuple[int, list[float]]:
    """The page (0 = first) and rectangle of the signature field's widget."""
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig":
                return number, [float(value) for value in annotation["/Rect"]]
    raise AssertionError("no signature widget")


def text_inside(pdf: bytes, page: int, rect: list[float]) -> str:
    """The text pypdf finds drawn inside ``rect`` on ``page``."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[str] = []
    x1, y1, x2, y2 = rect

    def visit(text, cm, tm, _font, _size) -> None:  # noqa: ANN001
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]  # the text matrix's origin on the page
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip() and x1 <= x <= x2 and y1 <= y <= y2:
            found.append(text)

    reader.pages[page].extract_text(visitor_text=visit)
    return " ".join("".join(found).split())


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_kind_of_signed_letter_shows_its_signature_under_its_field(submit, clock, signing, language):
    common = texts.COMMON[language]
    for letter in every_kind_issued(submit, language):
        page, rect = signature_widget(letter.pdf)
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        assert 200 < width < 300 and 30 < height < 90, (letter.kind, rect)  # the block, not the page

        inside = text_inside(letter.pdf, page, rect).replace(" ", "")
        for line in (
            common["signature_title"],
            common["signature_signer"].format(signer="Victims Compensation Fund letters (demo)"),
            common["signature_date"].format(signed_on=SIGNED_ON[language]),
            common["signature_check"].format(verify_url=verify_url(letter.number)),
        ):
            assert line.replace(" ", "").replace("\u00a0", "") in inside.replace("\u00a0", ""), (
                letter.kind,
                line,
                inside,
            )


def test_an_unsigned_letter_shows_no_signature_block(submit, clock):
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    pdf = issued(letter).pdf
    assert texts.COMMON["ru"]["signature_title"] not in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages
    )


def test_poppler_and_pypdf_read_a_signed_letter_without_a_warning(submit, clock, signing, tmp_path):
    (letter,) = letters_of(submitted(submit, "kk"), "acknowledgement")
    pdf = issued(letter).pdf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf), strict=True).pages)
    assert texts.COMMON["kk"]["signature_title"] in text
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (poppler-utils)")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    poppler = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    assert poppler.returncode == 0 and poppler.stderr == ""
    assert texts.COMMON["kk"]["signature_title"] in poppler.stdout


def pyhanko_cli() -> str | None:
    """The ``pyhanko`` command of this environment (pyhanko-cli, in the test extra)."""
    beside = os.path.join(os.path.dirname(sys.executable), "pyhanko")
    return beside if os.path.exists(beside) else shutil.which("pyhanko")


def test_the_readmes_offline_check_with_the_pyhanko_command(submit, clock, signing, tmp_path):
    command = pyhanko_cli()
    if command is None:
        pytest.skip("needs pyhanko-cli (the test extra)")
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8").read()
    assert "pyhanko sign validate --trust root.pem letter.pdf" in readme
    (letter,) = letters_of(submitted(submit, "ru"), "acknowledgement")
    pdf = issued(letter).pdf
    shutil.copy(signing.root_pem, tmp_path / "root.pem")
    (tmp_path / "letter.pdf").write_bytes(pdf)
    at = pdf.index(b"ReportLab Generated PDF")
    (tmp_path / "changed.pdf").write_bytes(pdf[:at] + b"X" + pdf[at + 1 :])

    def validate(name: str) -> subprocess.CompletedProcess:
        arguments = [command, "sign", "validate", "--trust", "root.pem", name]
        return subprocess.run(arguments, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    good = validate("letter.pdf")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "INTACT:TRUSTED" in good.stdout
    changed = validate("changed.pdf")
    assert changed.returncode != 0 and "INTACT:TRUSTED" not in changed.stdout
