"""The check-and-send step: every answer of the draft, worded as the claimant will recognise it.

Each answer is shown as it will be sent, in the page's language: dates written out ("15 қаңтар
2025 ж.", "15 января 2025 г.", "15 January 2025"), the phone as stored (``+7 701 234 56 78``),
the IBAN in groups of four, choices by their words, and the answer about the three-year deadline
when one was given. The victim's answers appear only when the claimant applies for someone else
(the submission ignores them otherwise). An answer that is not yet right is shown as typed: the
step it belongs to says what is wrong when the claim is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, get_locale, lazy_gettext

from fund.claims.submission_messages import ROLES_ACTING_FOR_VICTIM
from fund.common.validation import is_kz_iban_format, normalize_iban, normalize_kz_phone
from fund.portal import words

# A date in a list of answers, per language; Babel gives the month's name in the right case.
WRITTEN_DATE_PATTERNS = {"kk": "d MMMM y 'ж.'", "ru": "d MMMM y 'г.'", "en": "d MMMM y"}
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each in itself, as on the step

_ROLES = {
    "victim": lazy_gettext("I am the victim"),
    "representative": lazy_gettext("Parent or legal representative of a child"),
    "successor": lazy_gettext("Relative or successor of a victim who died"),
}
_HARMS = {
    "none": lazy_gettext("None of the below"),
    "grave_harm": lazy_gettext("Grave harm to health"),
    "hiv_infection": lazy_gettext("Infection with HIV"),
    "death": lazy_gettext("The victim died"),
}
_DEADLINE_ANSWERS = {
    "restored": lazy_gettext("A court has restored the deadline"),
    "officer": lazy_gettext("No court decision: an officer will decide"),
}
# The first step's question, rather than its heading (which names the whole panel).
_LABELS = {"role": lazy_gettext("Who are you?")}
_NOT_GIVEN = lazy_gettext("Not given")
_CONSENT_GIVEN = lazy_gettext("Given")

_DATES = ("claimant.birth_date", "victim.birth_date", "crime.committed_on", "crime.recognized_on")
_VICTIM = ("victim.full_name", "victim.iin", "victim.birth_date")
_STEPS = (
    (
        "who",
        lazy_gettext("Who is applying"),
        ("role", "claimant.full_name", "claimant.iin", "claimant.birth_date", *_VICTIM),
    ),
    (
        "case",
        lazy_gettext("The criminal case"),
        (
            "crime.erdr_number",
            "crime.article",
            "crime.part",
            "crime.paragraph",
            "crime.by_criminal_group",
            "crime.committed_on",
            "crime.recognized_on",
            "crime.harm",
            "deadline_choice",
        ),
    ),
    (
        "contact",
        lazy_gettext("Contact and bank account"),
        ("claimant.phone", "claimant.email", "claimant.language", "claimant.iban"),
    ),
    ("consent", lazy_gettext("Consent to use your personal data"), ("consent",)),
)


@dataclass(frozen=True)
class Answer:
    """One answer: the question's name and the answer, both in the page's language."""

    name: str
    label: str
    value: str


@dataclass(frozen=True)
class AnswerGroup:
    """The answers of one step, with the step to go back to."""

    step: str
    heading: str
    answers: tuple[Answer, ...]


def written_date(day: date) -> str:
    """``15 қаңтар 2025 ж.`` / ``15 января 2025 г.`` / ``15 January 2025``."""
    pattern = WRITTEN_DATE_PATTERNS.get(str(get_locale()), WRITTEN_DATE_PATTERNS["en"])
    return format_date(day, pattern)


def iban_in_groups(typed: str) -> str:
    """``kz86125kzt5004100100`` → ``KZ86 125K ZT50 0410 0100``; anything not an IBAN as typed."""
    iban = normalize_iban(typed)
    if not is_kz_iban_format(iban):
        return typed
    return " ".join(iban[start : start + 4] for start in range(0, len(iban), 4))


def phone_as_stored(typed: str) -> str:
    """``87012345678`` → ``+7 701 234 56 78``; anything not a phone number as typed."""
    phone = normalize_kz_phone(typed)
    if phone is None:
        return typed
    return f"{phone[:2]} {phone[2:5]} {phone[5:8]} {phone[8:10]} {phone[10:]}"


def _written(typed: str) -> str:
    try:
        return written_date(date.fromisoformat(typed))
    except ValueError:
        return typed


def _shown(name: str, typed: str) -> str:
    """The answer ``typed`` to the question ``name`` as the check step shows it."""
    if name in _DATES:
        return _written(typed)
    if name == "role":
        return str(_ROLES.get(typed, typed))
    if name == "crime.harm":
        return str(_HARMS.get(typed, typed))
    if name in ("crime.paragraph", "crime.by_criminal_group"):
        return words.crime_answer(name, typed)
    if name == "deadline_choice":
        return str(_DEADLINE_ANSWERS.get(typed, typed))
    if name == "claimant.phone":
        return phone_as_stored(typed)
    if name == "claimant.language":
        return LANGUAGE_NAMES.get(typed, typed)
    if name == "claimant.iban":
        return iban_in_groups(typed)
    if name == "consent":
        return str(_CONSENT_GIVEN)
    return typed


def check_answers(draft: dict[str, str]) -> list[AnswerGroup]:
    """Every answer of ``draft``, step by step, as the check step shows it.

    Unanswered questions are left out, except an e-mail left empty on purpose ("not given"); the
    victim's answers appear only for a claimant who applies for the victim.
    """
    for_victim = draft.get("role") in ROLES_ACTING_FOR_VICTIM
    groups: list[AnswerGroup] = []
    for step, heading, names in _STEPS:
        answers = []
        for name in names:
            typed = draft.get(name, "")
            if name in _VICTIM and not for_victim:
                continue
            if name == "claimant.email" and name in draft and not typed:
                answers.append(Answer(name, words.field_label(name), str(_NOT_GIVEN)))
            elif typed and (name != "deadline_choice" or typed in _DEADLINE_ANSWERS):
                label = str(_LABELS[name]) if name in _LABELS else words.field_label(name)
                answers.append(Answer(name, label, _shown(name, typed)))
        groups.append(AnswerGroup(step, str(heading), tuple(answers)))
    return groups
