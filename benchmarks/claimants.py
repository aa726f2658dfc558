"""Made-up claimants for the bulk claims: a name in their language, and an IIN, phone, e-mail and IBAN
that all pass the fund's validation (part of benchmarks/bulk_claims.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

EMAIL_DOMAIN = "bulk.fund.invalid"
FIRST_NAMES = {
    "kk": ("Айгүл", "Ержан", "Бақыт", "Самал", "Данияр", "Әлия", "Қанат", "Мәдина", "Нұрлан", "Гүлнар"),
    "ru": ("Марина", "Олег", "Павел", "Виктор", "Людмила", "Ирина", "Сергей", "Анна", "Денис", "Ольга"),
    "en": ("Sofia", "John", "Irina", "Elena", "Maxim", "Anna", "David", "Maria", "Timur", "Laura"),
}
LAST_NAMES = {
    "kk": ("Сәрсенова", "Төлеуов", "Оспанов", "Мұратқызы", "Сейітов", "Қасымова", "Бекұлы", "Әбілова"),
    "ru": ("Ким", "Смирнов", "Орлов", "Ли", "Иванова", "Волкова", "Петров", "Соколова"),
    "en": ("Petrova", "Miller", "Volkova", "Sokolova", "Ivanov", "Kim", "Brown", "Akhmetova"),
}


def make_iin(birth: date, serial: int) -> str:
    """A valid IIN for a person born on ``birth``, from the 4-digit ``serial`` on."""
    from fund.common.validation import iin_check_digit

    century = {19: 3, 20: 5}[birth.year // 100] + serial % 2  # odd men, even women
    serial = serial % 10_000
    while (check := iin_check_digit(f"{birth:%y%m%d}{century}{serial:04d}")) is None:
        serial = (serial + 1) % 10_000
    return f"{birth:%y%m%d}{century}{serial:04d}{check}"


def make_iban(number: int) -> str:
    """A Kazakh IBAN with right check digits (ISO 13616 mod 97) for account ``number``."""
    bban = f"125KZT{number % 10**10:010d}"
    as_number = int("".join(str(int(character, 36)) for character in bban + "KZ00"))
    return f"KZ{98 - as_number % 97:02d}{bban}"


def new_person(number: int, language: str, birth: date) -> dict[str, Any]:
    """A claimant's columns: a name in their language, IIN, phone, e-mail and IBAN, all valid."""
    first, last = FIRST_NAMES[language], LAST_NAMES[language]
    return {
        "full_name": f"{first[number % len(first)]} {last[number // len(first) % len(last)]}",
        "iin": make_iin(birth, number),
        "birth_date": birth,
        "phone": f"+7701{number % 10**7:07d}",
        "email": f"claimant{number}@{EMAIL_DOMAIN}",
        "language": language,
        "iban": make_iban(number),
    }
