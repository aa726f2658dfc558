"""The formats a form field may declare (``"format": "kz-iban"``), and how each is checked.

JSON Schema's ``format`` only annotates unless the validator is given a format checker. The forms'
validator (:mod:`workflows.forms`) is given :data:`FORM_FORMATS`, which knows the formats below and
no others; the deploy check refuses a form that names any other, since a misspelt format would
silently check nothing.

The Kazakh IBAN rules live here rather than in ``fund``: the engine checks the task forms and
imports nothing from the fund. ``fund.common.validation`` takes them from here, so the claim form and
every task form apply one and the same check.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jsonschema import FormatChecker

KZ_IBAN = "kz-iban"

_KZ_IBAN = re.compile(r"KZ[0-9]{2}[0-9A-Z]{16}")


def normalize_iban(text: str) -> str:
    """An IBAN as typed (with spaces, in any case) in its electronic form: no spaces, upper case.

    Only whitespace is removed; any other stray character is kept so that validation fails.
    """
    return "".join(text.split()).upper()


def is_kz_iban_format(text: str) -> bool:
    """Whether the text, once normalised, has the shape of a Kazakh IBAN: KZ, 2 digits and
    16 letters or digits, 20 characters in all. The check digits are not verified here.
    """
    return isinstance(text, str) and _KZ_IBAN.fullmatch(normalize_iban(text)) is not None


def is_valid_kz_iban(text: str) -> bool:
    """Whether the text is a Kazakh IBAN whose check digits are right (ISO 13616, mod 97).

    Spaces and lower case are accepted. Check digits 00, 01 and 99 are refused: ISO 13616
    only issues 02-98, though 01 and 99 can pass the mod-97 test.
    """
    if not is_kz_iban_format(text):
        return False
    iban = normalize_iban(text)
    if not 2 <= int(iban[2:4]) <= 98:
        return False
    # Country code and check digits move to the end; letters become 10..35 (A=10, Z=35).
    rearranged = iban[4:] + iban[:4]
    as_number = "".join(str(int(character, 36)) for character in rearranged)
    return int(as_number) % 97 == 1


def _kz_iban_message(value: str) -> str:
    if not is_kz_iban_format(value):
        return "must be a Kazakh IBAN: KZ, 2 check digits and 16 letters or digits (20 characters)"
    return (
        "must be a Kazakh IBAN with correct check digits; this one has a mistyped character: "
        "copy it again from the claimant's bank details"
    )


# Each format: its check of a text value, and what an officer is told when a value fails it.
_FORMATS: dict[str, tuple[Callable[[str], bool], Callable[[str], str]]] = {
    KZ_IBAN: (is_valid_kz_iban, _kz_iban_message),
}

FORM_FORMATS = FormatChecker(formats=())
for _name, (_check, _) in _FORMATS.items():
    # A value that is not text is for the field's "type" rule to refuse, with its own message.
    FORM_FORMATS.checks(_name)(lambda value, check=_check: not isinstance(value, str) or check(value))


def known_formats() -> list[str]:
    """The formats a form may declare, sorted."""
    return sorted(_FORMATS)


def format_message(name: str, value: object) -> str:
    """What an officer is told when ``value`` is not in the format ``name``."""
    if name in _FORMATS and isinstance(value, str):
        return _FORMATS[name][1](value)
    return "is not in the expected format"
