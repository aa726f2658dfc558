"""The search columns of a claim: names and phone numbers written the way officers' searches read them.

An officer types a name as it comes: in Kazakh or Russian Cyrillic or in Latin letters, in any
case, with or without the Kazakh letters (a Russian keyboard has no ``қ``), a part of it. A name
is therefore stored once more, folded: lower case, the Kazakh letters as their nearest Russian
ones (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х, і→и; ё→е), and beside it the same name in Latin
letters (``Айгүл Сәрсенова`` → ``|айгул сарсенова|aigul sarsenova|``). A query folded the same
way is then a plain substring of the column: on PostgreSQL a trigram index finds it, on SQLite a
trigram full-text table (revision 0014).

Phone numbers are kept as their last ten digits (``+7 701 234-56-78``, ``8 701 2345678`` and
``7012345678`` are one number). A claimant's phone itself is stored in E.164, read from the same
forms by :func:`fund.common.validation.normalize_kz_phone` (which refuses ten digits alone: a
number to call must not be guessed, a search may). The columns are written where claims and
claimants are created (fund/claims/submission.py; benchmarks/claim_clones.py writes its rows
directly).
"""

from __future__ import annotations

import re
import unicodedata

# A separator no folded name holds: a query never matches across two names.
NAME_SEPARATOR = "|"
PHONE_DIGITS = 10

_KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіё", "агкноуухие")
_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_SPACES = re.compile(r"\s+")


def fold_name(text: str | None) -> str:
    """``  Айгүл  СӘРСЕНОВА`` → ``айгул сарсенова``; ``Müller`` → ``muller``: what is compared."""
    lowered = _SPACES.sub(" ", (text or "").replace(NAME_SEPARATOR, " ")).strip().lower()
    folded = lowered.translate(_KAZAKH_TO_RUSSIAN)
    # Latin letters lose their accents (é → e); Cyrillic й keeps its breve (decomposing would make и).
    return "".join(char if "а" <= char <= "я" else unicodedata.normalize("NFKD", char)[0] for char in folded)


def latin_name(folded: str) -> str:
    """A folded name in Latin letters: ``айгул сарсенова`` → ``aigul sarsenova``."""
    return "".join(_CYRILLIC_TO_LATIN.get(char, char) for char in folded)


def search_names(*names: str | None) -> str:
    """The claim's name column: each name folded, and in Latin letters when that differs."""
    parts: list[str] = []
    for name in names:
        folded = fold_name(name)
        for form in (folded, latin_name(folded)):
            if form and form not in parts:
                parts.append(form)
    return NAME_SEPARATOR + NAME_SEPARATOR.join(parts) + NAME_SEPARATOR if parts else ""


def phone_digits(phone: str | None) -> str:
    """``+7 (701) 234-56-78`` → ``7012345678``: the last ten digits of a Kazakh number."""
    return "".join(char for char in phone or "" if char.isdigit())[-PHONE_DIGITS:]
