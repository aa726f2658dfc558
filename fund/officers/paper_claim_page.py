"""The page where intake registers a paper or walk-in claim: its fields, how they are read from the
request, and how the service's refusals are worded next to them.

One form with every answer of the portal's five steps, the scanned application and up to
:data:`DOCUMENT_SLOTS` documents. The answers go to the service in the shape the submission schema
takes (:func:`submission_body`): the rules are the schema's, never this page's. Fields are named by
their path in the submission (``claimant.iin``), so an error names the field it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale, gettext, lazy_gettext
from markupsafe import Markup
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict

from fund.claims.documents import UploadedFile, max_file_bytes
from fund.claims.paper_claims import (
    APPLICATION_FIELD,
    APPLICATION_FORM,
    DOCUMENTS_FIELD,
    PaperApplication,
    PaperClaimReceipt,
    document_codes,
)
from fund.claims.submission_messages import HARMS, LANGUAGES, ROLES, ErrorMessage
from fund.common.time import fund_date
from fund.letters.texts import FUND_NAME, document_label, format_date

DOCUMENT_SLOTS = 6
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
GROUP_ANSWERS = {"yes": True, "no": False}  # crime.by_criminal_group; nothing chosen: not stated

CLAIMANT_FIELDS = ("full_name", "iin", "birth_date", "phone", "email", "language", "iban")
VICTIM_FIELDS = ("full_name", "iin", "birth_date")
CRIME_TEXT_FIELDS = ("erdr_number", "article", "part", "committed_on", "recognized_on", "harm")

FIELD_LABELS = {
    "role": lazy_gettext("Who is applying"),
    "claimant.full_name": lazy_gettext("Claimant's full name"),
    "claimant.iin": lazy_gettext("Claimant's IIN"),
    "claimant.birth_date": lazy_gettext("Claimant's date of birth"),
    "claimant.phone": lazy_gettext("Phone"),
    "claimant.email": lazy_gettext("E-mail (optional)"),
    "claimant.language": lazy_gettext("Language of letters"),
    "claimant.iban": lazy_gettext("Bank account (IBAN)"),
    "victim": lazy_gettext("The victim"),
    "victim.full_name": lazy_gettext("Victim's full name"),
    "victim.iin": lazy_gettext("Victim's IIN"),
    "victim.birth_date": lazy_gettext("Victim's date of birth"),
    "crime.erdr_number": lazy_gettext("ERDR number"),
    "crime.article": lazy_gettext("Article of the Criminal Code"),
    "crime.part": lazy_gettext("Part of the article"),
    "crime.paragraph": lazy_gettext("Paragraph of the part"),
    "crime.by_criminal_group": lazy_gettext("Committed by a criminal group"),
    "crime.committed_on": lazy_gettext("Date of the crime"),
    "crime.recognized_on": lazy_gettext("Recognised as a victim on"),
    "crime.harm": lazy_gettext("Harm"),
    "crime.deadline_restored_by_court": lazy_gettext("A court restored the three-year deadline"),
    "consent": lazy_gettext("The claimant signed the consent to processing of personal data"),
    APPLICATION_FIELD: lazy_gettext("Scanned application, signed by the claimant"),
    DOCUMENTS_FIELD: lazy_gettext("Documents handed in"),
}
ROLE_WORDS = {
    "victim": lazy_gettext("The victim"),
    "representative": lazy_gettext("The victim's representative"),
    "successor": lazy_gettext("The victim's successor (the victim died)"),
}
HARM_WORDS = {
    "none": lazy_gettext("None of these"),
    "grave_harm": lazy_gettext("Grave harm to health"),
    "hiv_infection": lazy_gettext("HIV infection"),
    "death": lazy_gettext("The victim died"),
}
LANGUAGE_WORDS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each named in itself
GROUP_WORDS = {
    "": lazy_gettext("Not stated"),
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
}

_ERRORS = {
    "required": lazy_gettext("This field is required."),
    "text_invalid": lazy_gettext("Must be text."),
    "name_length": lazy_gettext("Must be 2 to 200 characters, as in the identity document."),
    "iin_invalid": lazy_gettext(
        "Must be 12 digits with a valid check digit, beginning with the date of birth (YYMMDD)."
    ),
    "date_invalid": lazy_gettext("Must be a date: day, month and year."),
    "date_too_early": lazy_gettext("Must not be before 01.01.1900."),
    "phone_invalid": lazy_gettext(
        "Must be +7 or 8, then 10 digits, for example +7 701 123 45 67 or 8 701 123 45 67."
    ),
    "email_invalid": lazy_gettext("Must be an e-mail address such as name@example.kz, or empty."),
    "iban_format": lazy_gettext("Must be a Kazakh IBAN: KZ, 2 check digits and 16 characters (20 in all)."),
    "iban_checksum": lazy_gettext(
        "The check digits do not match: a character is mistyped. Copy the IBAN again from the bank details."
    ),
    "erdr_invalid": lazy_gettext("Must be the 15-digit ERDR number of the criminal case."),
    "article_invalid": lazy_gettext(
        "Must be the number of the article: 1 to 3 digits, optionally with a suffix, as in 99-1."
    ),
    "part_invalid": lazy_gettext(
        "Must be the part as the law writes it: 1 to 10, optionally with a sub-part, as in 3-1."
    ),
    "paragraph_invalid": lazy_gettext("Must be a paragraph number from 1 to 9."),
    "boolean_invalid": lazy_gettext("Choose yes or no."),
    "consent_required": lazy_gettext(
        "A claim is registered only with the claimant's signed consent to processing of personal data."
    ),
    "recognized_before_crime": lazy_gettext("Must not be before the date of the crime."),
    "victim_required": lazy_gettext(
        "Required when the claimant is the victim's representative or successor."
    ),
    "victim_iin_is_claimant": lazy_gettext(
        "This is the claimant's own IIN. If the claimant is the victim, choose \u201cThe victim\u201d."
    ),
    "not_one_of": lazy_gettext("Choose one of the answers offered."),
    "unknown_code": lazy_gettext("Choose one of the kinds of document offered."),
    "empty": lazy_gettext("No file was chosen, or the file is empty."),
    "type_not_allowed": lazy_gettext("Only PDF, JPEG or PNG files are accepted."),
    "truncated": lazy_gettext("The file is incomplete (its end is missing): scan or save it again."),
    "too_many": lazy_gettext("Too many documents at a time."),
}
_ERRORS["article_not_text"] = _ERRORS["article_invalid"]
_CHECK = lazy_gettext("Check this field.")


def choices() -> dict[str, Any]:
    """The answers the form's lists offer, in the page's language."""
    language = str(get_locale() or "en")
    language = language if language in LANGUAGES else "en"
    return {
        "roles": [(role, str(ROLE_WORDS[role])) for role in ROLES],
        "harms": [(harm, str(HARM_WORDS[harm])) for harm in HARMS],
        "languages": [(language, LANGUAGE_WORDS[language]) for language in LANGUAGES],
        "groups": [(answer, str(words)) for answer, words in GROUP_WORDS.items()],
        "paragraphs": [(str(number), str(number)) for number in range(1, 10)],
        "documents": [(code, document_label(code, language)) for code in document_codes()],
        "slots": range(1, DOCUMENT_SLOTS + 1),
        "accept": ACCEPT,
        "max_file_mb": max_file_bytes() // (1024 * 1024),
    }


def labels() -> dict[str, str]:
    """Every field's name in the page's language."""
    return {name: str(words) for name, words in FIELD_LABELS.items()}


def answers_of(form: Mapping[str, str]) -> dict[str, str]:
    """The typed answers, to show the form again as it was sent (never the files)."""
    names = [*FIELD_LABELS, *(f"document_code_{slot}" for slot in range(1, DOCUMENT_SLOTS + 1))]
    return {name: form.get(name, "").strip()[:300] for name in names}


def submission_body(answers: Mapping[str, str]) -> dict[str, Any]:
    """The answers as the submission schema (and the JSON API) takes them.

    An empty answer is left out, so that the schema says "required" rather than "not a date"; the
    e-mail may be empty. The victim is sent when the claimant acts for them.
    """

    def block(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
        values = {name: answers.get(f"{prefix}.{name}", "") for name in names}
        return {name: value for name, value in values.items() if value != "" or name == "email"}

    crime: dict[str, Any] = block("crime", CRIME_TEXT_FIELDS)
    paragraph = answers.get("crime.paragraph", "")
    if paragraph:
        crime["paragraph"] = int(paragraph) if paragraph.isdigit() and len(paragraph) < 4 else paragraph
    crime["by_criminal_group"] = GROUP_ANSWERS.get(answers.get("crime.by_criminal_group", ""))
    crime["deadline_restored_by_court"] = answers.get("crime.deadline_restored_by_court") == "yes"
    body: dict[str, Any] = {
        "claimant": block("claimant", CLAIMANT_FIELDS),
        "crime": crime,
        "consent": answers.get("consent") == "yes",
    }
    role = answers.get("role", "")
    if role:
        body["role"] = role
    if role and role != "victim":
        body["victim"] = block("victim", VICTIM_FIELDS)
    return body


def paper_application(
    form: ImmutableMultiDict[str, str] | MultiDict[str, str], files: Mapping[str, FileStorage]
) -> tuple[PaperApplication, list[int]]:
    """The service's input from the request, and the slot of each document sent (in order), so
    that an error on ``documents.<n>`` is shown at its slot. A slot with a kind chosen and no file
    is sent as an empty file: the service says what is missing."""
    answers = answers_of(form)
    application = _uploaded(files.get(APPLICATION_FIELD), "")
    documents: list[UploadedFile] = []
    slots: list[int] = []
    for slot in range(1, DOCUMENT_SLOTS + 1):
        code = answers.get(f"document_code_{slot}", "")
        document = _uploaded(files.get(f"document_file_{slot}"), code)
        if document is None and code:
            document = UploadedFile(code, "", b"")
        if document is not None:
            documents.append(document)
            slots.append(slot)
    return PaperApplication(submission_body(answers), application, documents), slots


def _uploaded(upload: FileStorage | None, code: str) -> UploadedFile | None:
    if upload is None or not upload.filename:
        return None
    # At most one byte over the limit is read: the service refuses it as too large.
    return UploadedFile(code, upload.filename, upload.stream.read(max_file_bytes() + 1))


def field_errors(fields: Mapping[str, list[str]], slots: list[int]) -> dict[str, list[str]]:
    """The service's problems by this form's field names, each in words of the page's language."""
    errors: dict[str, list[str]] = {}
    for path, messages in fields.items():
        name = _form_field(path, slots)
        errors.setdefault(name, []).extend(error_words(message, name) for message in messages)
    return errors


def _form_field(path: str, slots: list[int]) -> str:
    parts = path.split(".")
    if parts[0] == DOCUMENTS_FIELD and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(slots):
        kind = "code" if parts[2] == "code" else "file"
        return f"document_{kind}_{slots[int(parts[1])]}"
    return path if path in FIELD_LABELS else "_form"


def error_words(message: str, field: str = "") -> str:
    """A problem (an :class:`ErrorMessage` or a problem code) as a sentence for the officer."""
    code = message.code if isinstance(message, ErrorMessage) else str(message)
    params = message.params if isinstance(message, ErrorMessage) else {}
    if code == "iin_birth_date_mismatch" and "encoded" in params:
        born = date.fromisoformat(params["encoded"]).strftime("%d.%m.%Y")
        return gettext(
            "Does not match the date of birth: this IIN belongs to a person born on %(date)s.", date=born
        )
    if code == "date_in_future" and "today" in params:
        today = date.fromisoformat(params["today"]).strftime("%d.%m.%Y")
        return gettext("Must not be after today (%(today)s).", today=today)
    if code == "too_large":
        return gettext("The file is larger than %(limit)s MB.", limit=max_file_bytes() // (1024 * 1024))
    if code == "required" and field.startswith("document_code_"):
        return gettext("Choose what kind of document this is.")
    if code == "required" and (field == APPLICATION_FIELD or field.startswith("document_file_")):
        return gettext("Choose the file.")
    return str(_ERRORS.get(code, _CHECK))


def label_of(name: str) -> str:
    """A field's name in the page's language (the documents' slots by number)."""
    if name.startswith("document_code_"):
        return gettext("Document %(number)s: kind", number=name.removeprefix("document_code_"))
    if name.startswith("document_file_"):
        return gettext("Document %(number)s: file", number=name.removeprefix("document_file_"))
    return str(FIELD_LABELS.get(name, gettext("The form")))


def acknowledgement_slip(receipt: PaperClaimReceipt, access_code: str | None) -> Markup:
    """The acknowledgement the claimant takes home, in the claimant's language of letters.

    The access code is on it only when given (right after registration: it is shown once).
    """
    language = receipt.language if receipt.language in LANGUAGES else "en"
    sign_in_url = current_app.config["FUND_PUBLIC_URL"].rstrip("/") + url_for("portal.sign_in")
    with force_locale(language):
        papers = [
            gettext("Your application, on paper")
            if code == APPLICATION_FORM
            else document_label(code, language)
            for code in receipt.documents
        ]
        return Markup(
            render_template(
                "officer/_paper_claim_slip.html",
                receipt=receipt,
                access_code=access_code,
                language=language,
                fund_name=FUND_NAME[language],
                registered_on=format_date(fund_date(receipt.registered_at), language),
                papers=papers,
                sign_in_url=sign_in_url,
            )
        )
