"""Checks of the identifiers a claim carries: IIN, Kazakh IBAN, ERDR case number, phone.

Pure functions with no Flask or database: the submission schema, the officers' screens and
any batch import use the same rules, so a number accepted in one place is accepted in all.

Only ASCII digits count as digits here. Python's ``str.isdigit`` and ``\\d`` also accept
digits of other scripts (Arabic-Indic, full-width...), which no register would recognise.
"""

from __future__ import annotations

import re
from datetime import date

# The IBAN rules are the engine's too (the "kz-iban" format of task forms): one implementation.
from workflows.formats import is_kz_iban_format as is_kz_iban_format
from workflows.formats import is_valid_kz_iban as is_valid_kz_iban
from workflows.formats import normalize_iban as normalize_iban

_DIGITS_11 = re.compile(r"[0-9]{11}")
_DIGITS_12 = re.compile(r"[0-9]{12}")
_DIGITS_15 = re.compile(r"[0-9]{15}")
# A number of the +7 zone as people write it: +7, the domestic 8, or a bare 7, then 10 digits.
_KZ_PHONE = re.compile(r"(?:\+7|8|7)([0-9]{10})")

# The official two-pass weighting of the IIN check digit.
_IIN_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# The 7th IIN digit: the century of birth (odd digits for men, even for women).
_IIN_CENTURY_BY_DIGIT = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}

# Dashes (the ASCII one, and the hyphens and dash a word processor puts instead) and brackets.
_PHONE_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013()")


def iin_check_digit(first11: str) -> int | None:
    """The check digit (12th digit) of an IIN from its first 11 digits.

    The digits are weighted 1..11 and summed modulo 11. A result of 10 cannot be a digit, so
    the sum is taken again with weights 3..11, 1, 2. If that is 10 as well, no IIN can be
    issued with these 11 digits and the answer is ``None``.

    Raises ``ValueError`` if ``first11`` is not exactly 11 ASCII digits.
    """
    if not isinstance(first11, str) or not _DIGITS_11.fullmatch(first11):
        raise ValueError(f"expected the first 11 digits of an IIN, got {first11!r}")
    digits = [int(character) for character in first11]
    for weights in (_IIN_FIRST_WEIGHTS, _IIN_SECOND_WEIGHTS):
        remainder = sum(digit * weight for digit, weight in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def birth_date_from_iin(iin: str) -> date | None:
    """The birth date an IIN encodes: YYMMDD in digits 1-6, the century in digit 7.

    Returns ``None`` when the text is not 12 ASCII digits, the 7th digit is not 1-6, or the
    date does not exist (31 April, 29 February of a common year). The check digit is not
    examined here; use :func:`is_valid_iin` for that.
    """
    if not isinstance(iin, str) or not _DIGITS_12.fullmatch(iin):
        return None
    century = _IIN_CENTURY_BY_DIGIT.get(iin[6])
    if century is None:
        return None
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def is_valid_iin(iin: str) -> bool:
    """Whether the text is a well-formed IIN: 12 digits, a real birth date, a century digit
    of 1-6 and the right check digit. Surrounding spaces are not accepted; trim first.
    """
    if birth_date_from_iin(iin) is None:
        return False
    return iin_check_digit(iin[:11]) == int(iin[11])


def is_valid_erdr_number(text: str) -> bool:
    """Whether the text is an ERDR case number (Unified Register of Pre-trial Investigations):
    exactly 15 ASCII digits, with no spaces or separators.
    """
    return isinstance(text, str) and _DIGITS_15.fullmatch(text) is not None


def normalize_kz_phone(text: str) -> str | None:
    """A phone number in E.164 (``+77012345678``), or ``None`` if it is not one.

    Taken as Kazakhs write a number: ``+7 (701) 234-56-78``, ``8 701 234 56 78``,
    ``87012345678``, ``7 701 2345678``: +7, the domestic trunk prefix 8 or a bare 7, then the
    10 digits of the number, with any spaces, dashes and brackets. Ten digits alone are refused:
    a number written with its prefix and one digit missing looks the same, and storing it would
    silently give the claimant someone else's number. The officers' search reads the same
    forms as one number (:func:`fund.claims.search_terms.phone_digits` keeps its 10 digits).
    """
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).translate(_PHONE_SEPARATORS)
    number = _KZ_PHONE.fullmatch(compact)
    return "+7" + number.group(1) if number else None
