"""The submission's choices and its error messages: each an English sentence with a stable code.

The portal shows each message in the claimant's language by its ``code`` (``fund/portal/words.py``);
the API answers with the English text. Limits named here (name lengths, the earliest birth date)
are the schema's, in :mod:`.submission_schema`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

LANGUAGES = ("kk", "ru", "en")
ROLES = ("victim", "representative", "successor")
# Roles in which the claimant is someone other than the victim, so the victim must be named.
ROLES_ACTING_FOR_VICTIM = ("representative", "successor")
HARMS = ("death", "grave_harm", "hiv_infection", "none")

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 200


class ErrorMessage(str):
    """An error message that carries a stable ``code`` (and the values it names) besides its text.

    The JSON API answers with the English text, unchanged; the claimant portal translates by
    ``code`` (``fund/portal/words.py``). Marshmallow formats messages with ``str.format``;
    these messages have no placeholders, so formatting returns the message itself, code and all.
    """

    code: str
    params: dict[str, str]

    def __new__(cls, text: str, code: str, **params: str) -> ErrorMessage:
        message = super().__new__(cls, text)
        message.code = code
        message.params = params
        return message

    def format(self, *args: Any, **kwargs: Any) -> ErrorMessage:
        return self

    def __reduce__(self):  # copies and pickles keep the code
        return (_error_message, (str(self), self.code, self.params))


def _error_message(text: str, code: str, params: dict[str, str]) -> ErrorMessage:
    return ErrorMessage(text, code, **params)


REQUIRED_MESSAGE = ErrorMessage("is required", "required")
CONSENT_MESSAGE = ErrorMessage("consent to processing of personal data is required", "consent_required")
IIN_MESSAGE = ErrorMessage(
    "must be 12 digits with a valid check digit, beginning with the birth date as YYMMDD",
    "iin_invalid",
)
IBAN_FORMAT_MESSAGE = ErrorMessage(
    "must be a Kazakh IBAN: KZ, 2 check digits and 16 characters (20 in all)",
    "iban_format",
)
IBAN_CHECKSUM_MESSAGE = ErrorMessage(
    "must be a Kazakh IBAN with correct check digits; this one has a mistyped character, "
    "copy it again from your bank details",
    "iban_checksum",
)
PHONE_MESSAGE = ErrorMessage(
    "must be a phone number: +7 or 8, then 10 digits, for example +7 701 123 45 67 or 8 701 123 45 67",
    "phone_invalid",
)
EMAIL_MESSAGE = ErrorMessage("must be an email address such as name@example.kz", "email_invalid")
NAME_MESSAGE = ErrorMessage(f"must be {NAME_MIN_LENGTH} to {NAME_MAX_LENGTH} characters long", "name_length")
DATE_MESSAGE = ErrorMessage("must be a date written as YYYY-MM-DD", "date_invalid")
ERDR_MESSAGE = ErrorMessage(
    "must be the 15-digit case number in the Unified Register of Pre-trial Investigations (ERDR)",
    "erdr_invalid",
)
ARTICLE_MESSAGE = ErrorMessage(
    "must be a Criminal Code article number: 1 to 3 digits, optionally with a suffix as in 99-1",
    "article_invalid",
)
ARTICLE_AS_TEXT_MESSAGE = ErrorMessage(
    'must be written as text, for example "146" or "99-1"',
    "article_not_text",
)
PART_MESSAGE = ErrorMessage(
    "must be the part of the article as the law writes it: a whole number from 1 to 10, optionally "
    'followed by "-" and a number from 1 to 9, for example "3" or "3-1"',
    "part_invalid",
)
PARAGRAPH_MESSAGE = ErrorMessage(
    "must be the paragraph of the part as a whole number from 1 to 9, as in paragraph 2) of part 3",
    "paragraph_invalid",
)
BOOLEAN_MESSAGE = ErrorMessage("must be true or false", "boolean_invalid")
OBJECT_MESSAGE = ErrorMessage("must be an object with named fields", "object_invalid")
RECOGNIZED_BEFORE_CRIME_MESSAGE = ErrorMessage(
    "must not be before the date the crime was committed (committed_on)",
    "recognized_before_crime",
)
VICTIM_REQUIRED_MESSAGE = ErrorMessage(
    "is required when the claimant is the victim's representative or successor",
    "victim_required",
)
VICTIM_IIN_MESSAGE = ErrorMessage(
    "must be the victim's IIN, not the claimant's; if you are the victim, choose role victim",
    "victim_iin_is_claimant",
)
