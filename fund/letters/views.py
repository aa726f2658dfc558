"""The public page where anyone holding a letter checks that the Fund issued it: /verify/<number>.

GET shows the form; POST takes the verification code and, optionally, the letter's PDF file. The
answer names the kind of letter, its date, its sha256 and whether a newer letter replaces it; it
never shows the claimant's name, IIN, IBAN or anything else about the person. A wrong code and an
unknown number get the same 404 page, word for word, so the page cannot be used to find numbers.
The check changes nothing, so the form carries no CSRF token (and its answers stay identical).

/verify (no number) takes only a letter's PDF file: its sha256 against the letter it names and its
signature against the fund's trust roots (:mod:`fund.letters.uploads`). That form carries a CSRF
token, checked here so that an expired form gets a clear answer in the page's language.
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from fund.web.rate_limits import limited
from workflows.scripting import FUND_TIME_ZONE

from ..web import csrf
from . import texts
from .service import NUMBER_PATTERN, LetterCheck, pdf_matches, verify_letter
from .uploads import LetterFileCheck, check_letter_file

verify_blueprint = Blueprint("verify", __name__, template_folder="templates")

MAX_PDF_MB = 2  # a letter is about 30-60 kB; anything near this is not one of ours
MAX_PDF_BYTES = MAX_PDF_MB * 1024 * 1024
MAX_REQUEST_BYTES = MAX_PDF_BYTES + 64 * 1024  # room for the multipart envelope and the code
MAX_CODE_CHARS = 64


def _page_language() -> str:
    chosen = request.args.get("lang", "")
    if chosen in texts.LANGUAGES:
        return chosen
    return request.accept_languages.best_match(texts.LANGUAGES, default="en")


def _signed_at(check: LetterCheck | None, language: str) -> str:
    """The signing time the letter's signature states, as a date and an Almaty time."""
    if check is None or check.signature is None or check.signature.signed_at is None:
        return ""
    moment = check.signature.signed_at.astimezone(FUND_TIME_ZONE)
    return f"{texts.format_date(moment.date(), language)}, {moment:%H:%M}"


def _page(
    language: str,
    status: int,
    *,
    number: str = "",
    check: LetterCheck | None = None,
    pdf_result: bool | None = None,
    error: str = "",
    show_form: bool = True,
):
    wording = texts.VERIFY_PAGE[language]
    body = render_template(
        "verify/letter.html",
        page_language=language,
        t=wording,
        languages=[(code, texts.LANGUAGE_NAMES[code]) for code in texts.LANGUAGES],
        number=number,
        check=check,
        kind_name=texts.KIND_NAMES.get(check.kind, {}).get(language, check.kind) if check else "",
        issued_on=texts.format_date(check.issued_on, language) if check else "",
        signed_at=_signed_at(check, language),
        pdf_result=pdf_result,
        error=error,
        show_form=show_form,
        upload_url=url_for("verify.verify_file", lang=language),
    )
    return _no_store(make_response(body, status))


def _no_store(response):  # noqa: ANN001, ANN202 - a Flask response
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _moment(moment, language: str) -> str:  # noqa: ANN001 - an aware datetime or None
    if moment is None:
        return ""
    moment = moment.astimezone(FUND_TIME_ZONE)
    return f"{texts.format_date(moment.date(), language)}, {moment:%H:%M}"


def _file_page(language: str, status: int, *, result: LetterFileCheck | None = None, error: str = ""):
    body = render_template(
        "verify/file.html",
        page_language=language,
        t=texts.VERIFY_PAGE[language],
        languages=[(code, texts.LANGUAGE_NAMES[code]) for code in texts.LANGUAGES],
        result=result,
        kind_name=texts.KIND_NAMES.get(result.letter.kind, {}).get(language, result.letter.kind)
        if result is not None and result.letter is not None
        else "",
        issued_on=texts.format_date(result.letter.issued_on, language)
        if result is not None and result.letter is not None
        else "",
        signed_at=_moment(result.signature.signed_at, language) if result is not None else "",
        timestamped_at=_moment(result.signature.timestamped_at, language) if result is not None else "",
        error=error,
        max_mb=MAX_PDF_MB,
    )
    return _no_store(make_response(body, status))


@verify_blueprint.route("/verify", methods=["GET", "POST"])
@csrf.exempt  # checked below, to answer an expired form in the page's language
@limited("FUND_RATELIMIT_VERIFY")
def verify_file():
    """Check an uploaded letter's PDF: is it the very file the fund issued, and is its signature valid?"""
    language = _page_language()
    wording = texts.VERIFY_PAGE[language]
    if request.method == "GET":
        return _file_page(language, 200)
    too_large = wording["too_large"].format(limit=MAX_PDF_MB)
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return _file_page(language, 413, error=too_large)
    request.max_content_length = MAX_REQUEST_BYTES
    try:
        token = request.form.get("csrf_token", "")
        upload = request.files.get("pdf")
    except RequestEntityTooLarge:
        return _file_page(language, 413, error=too_large)
    try:
        validate_csrf(token)
    except ValidationError:
        return _file_page(language, 400, error=wording["form_expired"])
    if upload is None or not upload.filename:
        return _file_page(language, 400, error=wording["upload_missing"])
    pdf_bytes = upload.stream.read(MAX_PDF_BYTES + 1)
    if len(pdf_bytes) > MAX_PDF_BYTES:
        return _file_page(language, 413, error=too_large)
    if not pdf_bytes.startswith(b"%PDF-"):
        return _file_page(language, 400, error=wording["not_pdf_upload"])
    return _file_page(language, 200, result=check_letter_file(pdf_bytes))


@verify_blueprint.route("/verify/<number>", methods=["GET", "POST"])
@csrf.exempt
@limited("FUND_RATELIMIT_VERIFY")  # per address, against guessing codes
def verify(number: str):
    """Check a letter: its number (in the address), its code and, optionally, its PDF file."""
    language = _page_language()
    wording = texts.VERIFY_PAGE[language]
    shown_number = number if NUMBER_PATTERN.fullmatch(number) else ""
    if request.method == "GET":
        return _page(language, 200, number=shown_number)

    too_large = wording["too_large"].format(limit=MAX_PDF_MB)
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return _page(language, 413, number=shown_number, error=too_large)
    request.max_content_length = MAX_REQUEST_BYTES  # also bounds uploads sent without a length
    try:
        code = request.form.get("code", "")
        upload = request.files.get("pdf")
    except RequestEntityTooLarge:
        return _page(language, 413, number=shown_number, error=too_large)

    if not code.strip():
        return _page(language, 400, number=shown_number, error=wording["missing_code"])
    if len(code) > MAX_CODE_CHARS:
        return _page(language, 404, error=wording["not_found"])
    pdf_bytes = None
    if upload is not None and upload.filename:
        pdf_bytes = upload.stream.read(MAX_PDF_BYTES + 1)
        if len(pdf_bytes) > MAX_PDF_BYTES:
            return _page(language, 413, number=shown_number, error=too_large)
        if b"%PDF-" not in pdf_bytes[:1024]:
            return _page(language, 400, number=shown_number, error=wording["not_pdf"])

    check = verify_letter(number, code)
    if check is None:
        return _page(language, 404, error=wording["not_found"])
    pdf_result = pdf_matches(check, pdf_bytes) if pdf_bytes is not None else None
    return _page(language, 200, check=check, pdf_result=pdf_result, show_form=False)
