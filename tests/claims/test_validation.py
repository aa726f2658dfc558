"""Identifiers a claimant types: IIN, Kazakh IBAN, ERDR case number and phone number.

The IIN and IBAN check digits are recomputed here by the tests' own reference code, written
straight from the published rules, so a mistake in fund.common.validation cannot hide itself.
"""

from __future__ import annotations

from datetime import date

import pytest

from fund.common.validation import (
    birth_date_from_iin,
    iin_check_digit,
    is_kz_iban_format,
    is_valid_erdr_number,
    is_valid_iin,
    is_valid_kz_iban,
    normalize_iban,
    normalize_kz_phone,
)

# --- Reference IIN arithmetic ------------------------------------------------------------------

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def weighted_remainder(first11: str, weights: tuple[int, ...]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(first11, weights, strict=True)) % 11


def iin_prefix(birth_date: date, serial: int, *, sex: str = "female") -> str:
    """The first 11 digits of an IIN: YYMMDD, the century-and-sex digit, a 4-digit serial."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "female")
    return f"{birth_date:%y%m%d}{century_digit}{serial:04d}"


def make_iin(birth_date: date, serial: int = 1, *, sex: str = "female") -> str:
    """A valid IIN for the birth date, sex and serial; ValueError if these 11 digits admit none."""
    first11 = iin_prefix(birth_date, serial, sex=sex)
    check = weighted_remainder(first11, FIRST_WEIGHTS)
    if check == 10:
        check = weighted_remainder(first11, SECOND_WEIGHTS)
    if check == 10:
        raise ValueError(f"no IIN can be issued with the digits {first11}; choose another serial")
    return first11 + str(check)


def serials_where_first_pass_gives_10(birth_date: date, *, sex: str = "female") -> list[int]:
    return [
        serial
        for serial in range(200)
        if weighted_remainder(iin_prefix(birth_date, serial, sex=sex), FIRST_WEIGHTS) == 10
    ]


# Worked by hand: a man born 15 January 1990 (century digit 3), serial 0001.
#   digits   9  0  0  1  1  5  3  0  0  0  1
#   weights  1  2  3  4  5  6  7  8  9 10 11
#   9 + 4 + 5 + 30 + 21 + 11 = 80;  80 mod 11 = 3  ->  IIN 900115300013
HAND_COMPUTED_IIN = "900115300013"

# Worked by hand, same man, serial 0040, where the first weighting gives 10:
#   first pass   9 + 4 + 5 + 30 + 21 + 4*10 = 109;  109 mod 11 = 10  -> weigh again
#   weights      3  4  5  6  7  8  9 10 11  1  2
#   second pass  9*3 + 1*6 + 1*7 + 5*8 + 3*9 + 4*1 = 27 + 6 + 7 + 40 + 27 + 4 = 111;
#   111 mod 11 = 1  ->  IIN 900115300401
HAND_COMPUTED_SECOND_PASS_IIN = "900115300401"

# Worked by hand, same man, serial 0120, where both weightings give 10:
#   first pass   9 + 4 + 5 + 30 + 21 + 1*9 + 2*10 = 98;  98 mod 11 = 10
#   second pass  27 + 6 + 7 + 40 + 27 + 1*11 + 2*1 = 120;  120 mod 11 = 10  -> no IIN possible
HAND_COMPUTED_UNISSUABLE_PREFIX = "90011530120"


# --- IIN ---------------------------------------------------------------------------------------


def test_the_hand_computed_iin_is_valid_and_encodes_its_birth_date() -> None:
    assert iin_check_digit(HAND_COMPUTED_IIN[:11]) == 3
    assert is_valid_iin(HAND_COMPUTED_IIN)
    assert birth_date_from_iin(HAND_COMPUTED_IIN) == date(1990, 1, 15)


def test_the_test_helper_agrees_with_the_hand_computed_examples() -> None:
    assert make_iin(date(1990, 1, 15), 1, sex="male") == HAND_COMPUTED_IIN
    assert make_iin(date(1990, 1, 15), 40, sex="male") == HAND_COMPUTED_SECOND_PASS_IIN


@pytest.mark.parametrize(
    ("birth_date", "sex"),
    [
        (date(1899, 12, 31), "male"),
        (date(1899, 12, 31), "female"),
        (date(1900, 1, 1), "male"),
        (date(1975, 6, 30), "female"),
        (date(1999, 12, 31), "male"),
        (date(2000, 1, 1), "female"),
        (date(2000, 2, 29), "male"),
        (date(2019, 11, 5), "female"),
    ],
)
def test_an_iin_built_by_the_official_rule_is_valid_and_gives_back_the_birth_date(
    birth_date: date, sex: str
) -> None:
    iin = make_iin(birth_date, 123, sex=sex)
    assert is_valid_iin(iin)
    assert birth_date_from_iin(iin) == birth_date


@pytest.mark.parametrize("delta", [1, -1])
def test_an_iin_whose_check_digit_is_off_by_one_is_refused(delta: int) -> None:
    iin = make_iin(date(1985, 7, 20), 2024, sex="male")
    wrong = iin[:11] + str((int(iin[11]) + delta) % 10)
    assert not is_valid_iin(wrong)


def test_an_iin_whose_first_weighting_gives_10_uses_the_second_weighting() -> None:
    assert iin_check_digit(HAND_COMPUTED_SECOND_PASS_IIN[:11]) == 1
    assert is_valid_iin(HAND_COMPUTED_SECOND_PASS_IIN)
    # Had the first remainder (10) been misread as 0, the IIN would end in 0.
    assert not is_valid_iin(HAND_COMPUTED_SECOND_PASS_IIN[:11] + "0")


@pytest.mark.parametrize("birth_date", [date(1962, 3, 8), date(2011, 9, 1)])
def test_every_iin_needing_the_second_weighting_is_checked_with_it(birth_date: date) -> None:
    serials = serials_where_first_pass_gives_10(birth_date)
    assert serials, "the sample should include prefixes whose first weighting gives 10"
    for serial in serials:
        try:
            iin = make_iin(birth_date, serial)
        except ValueError:
            continue
        assert is_valid_iin(iin), iin
        assert iin_check_digit(iin[:11]) == weighted_remainder(iin[:11], SECOND_WEIGHTS)


def test_when_both_weightings_give_10_no_check_digit_makes_a_valid_iin() -> None:
    assert iin_check_digit(HAND_COMPUTED_UNISSUABLE_PREFIX) is None
    for last_digit in "0123456789":
        assert not is_valid_iin(HAND_COMPUTED_UNISSUABLE_PREFIX + last_digit)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "90011530001",  # 11 digits
        "9001153000130",  # 13 digits
        " 900115300013",
        "900115 300013",
        "90011530001A",
        "９００１１５３０００１３",  # full-width digits
        "٩٠٠١١٥٣٠٠٠١٣",  # Arabic-Indic digits
    ],
)
def test_an_iin_must_be_exactly_12_ascii_digits(text: str) -> None:
    assert not is_valid_iin(text)
    assert birth_date_from_iin(text) is None


@pytest.mark.parametrize("not_text", [None, 900115300013, b"900115300013"])
def test_an_iin_that_is_not_text_is_refused_without_crashing(not_text: object) -> None:
    assert not is_valid_iin(not_text)  # type: ignore[arg-type]
    assert birth_date_from_iin(not_text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("century_digit", ["0", "7", "8", "9"])
def test_the_seventh_iin_digit_must_be_1_to_6(century_digit: str) -> None:
    first11 = "900115" + century_digit + "0001"
    iin = first11 + str(iin_check_digit(first11))
    assert not is_valid_iin(iin)
    assert birth_date_from_iin(iin) is None


@pytest.mark.parametrize(
    ("century_digit", "expected_year"),
    [("1", 1890), ("2", 1890), ("3", 1990), ("4", 1990), ("5", 2090), ("6", 2090)],
)
def test_the_seventh_iin_digit_sets_the_century(century_digit: str, expected_year: int) -> None:
    assert birth_date_from_iin("900115" + century_digit + "00010") == date(expected_year, 1, 15)


@pytest.mark.parametrize(
    "yymmdd_and_century",
    [
        "9002303",  # 30 February 1990
        "9004313",  # 31 April 1990
        "9013013",  # month 13
        "9000013",  # month 0
        "9001003",  # day 0
        "0102295",  # 29 February 2001, not a leap year
        "0002293",  # 29 February 1900, not a leap year
    ],
)
def test_an_iin_with_an_impossible_birth_date_is_refused(yymmdd_and_century: str) -> None:
    first11 = yymmdd_and_century + "0001"
    check = iin_check_digit(first11)
    assert check is not None
    assert birth_date_from_iin(first11 + str(check)) is None
    assert not is_valid_iin(first11 + str(check))


def test_29_february_2000_is_a_real_birth_date() -> None:
    iin = make_iin(date(2000, 2, 29), 7, sex="male")
    assert iin.startswith("0002295")
    assert is_valid_iin(iin)


@pytest.mark.parametrize("bad_prefix", ["", "9001153000", "900115300011", "9001153000A"])
def test_the_check_digit_needs_exactly_11_digits(bad_prefix: str) -> None:
    with pytest.raises(ValueError, match="first 11 digits"):
        iin_check_digit(bad_prefix)


# --- Kazakh IBAN -------------------------------------------------------------------------------

# The example IBAN for Kazakhstan published in the SWIFT IBAN registry (ISO 13616).
REGISTRY_EXAMPLE_IBAN = "KZ86125KZT5004100100"


def iban_remainder(iban: str) -> int:
    """ISO 13616: move the first 4 characters to the end, letters to 10..35, take mod 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97


def make_kz_iban(bban: str) -> str:
    """A Kazakh IBAN for a 16-character account identifier, by the ISO 13616 mod-97 rule."""
    return f"KZ{98 - iban_remainder('KZ00' + bban):02d}{bban}"


def test_the_registry_example_iban_is_valid() -> None:
    assert make_kz_iban(REGISTRY_EXAMPLE_IBAN[4:]) == REGISTRY_EXAMPLE_IBAN
    assert is_valid_kz_iban(REGISTRY_EXAMPLE_IBAN)


@pytest.mark.parametrize(
    "bban", ["0000000000000000", "722S000012345678", "998ABCDEFGHIJKLM", "1234567890123456"]
)
def test_an_iban_built_by_the_mod_97_rule_is_valid(bban: str) -> None:
    assert is_valid_kz_iban(make_kz_iban(bban))


@pytest.mark.parametrize(
    "typed",
    [
        "KZ86 125K ZT50 0410 0100",
        "kz86125kzt5004100100",
        "kz86 125k zt50 0410 0100",
        "  KZ86125KZT5004100100\n",
        "KZ86\u00a0125K\u00a0ZT50\u00a00410\u00a00100",  # non-breaking spaces from a pasted PDF
    ],
)
def test_an_iban_typed_with_spaces_or_in_lower_case_is_accepted_and_normalised(typed: str) -> None:
    assert is_valid_kz_iban(typed)
    assert normalize_iban(typed) == REGISTRY_EXAMPLE_IBAN


@pytest.mark.parametrize("position", range(2, 20))
def test_an_iban_with_any_one_character_changed_is_refused(position: int) -> None:
    original = REGISTRY_EXAMPLE_IBAN[position]
    replacement = "7" if original != "7" else "8"
    changed = REGISTRY_EXAMPLE_IBAN[:position] + replacement + REGISTRY_EXAMPLE_IBAN[position + 1 :]
    assert not is_valid_kz_iban(changed)


def test_an_iban_with_two_neighbouring_characters_swapped_is_refused() -> None:
    swapped = (
        REGISTRY_EXAMPLE_IBAN[:8]
        + REGISTRY_EXAMPLE_IBAN[9]
        + REGISTRY_EXAMPLE_IBAN[8]
        + REGISTRY_EXAMPLE_IBAN[10:]
    )
    assert swapped != REGISTRY_EXAMPLE_IBAN
    assert not is_valid_kz_iban(swapped)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "KZ86125KZT500410010",  # 19 characters
        "KZ86125KZT50041001000",  # 21 characters
        "DE89370400440532013000",  # a valid German IBAN
        "KZ8A125KZT5004100100",  # letter among the check digits
        "KZ86125KZT-5004100100",
        "KZ86125KZT500410010Ё",
    ],
)
def test_an_iban_must_be_kz_two_check_digits_and_16_characters(text: str) -> None:
    assert not is_kz_iban_format(text)
    assert not is_valid_kz_iban(text)


def test_the_iban_format_check_does_not_look_at_the_check_digits() -> None:
    assert is_kz_iban_format("KZ00125KZT5004100100")
    assert not is_valid_kz_iban("KZ00125KZT5004100100")


# 01 leaves the same remainder mod 97 as 98, 99 the same as 02, 00 the same as 97.
LOOK_ALIKE_OF = {"01": "98", "99": "02", "00": "97"}


@pytest.mark.parametrize("check_digits", sorted(LOOK_ALIKE_OF))
def test_check_digits_that_iso_13616_never_issues_are_refused(check_digits: str) -> None:
    issued = LOOK_ALIKE_OF[check_digits]
    bban = next(f"{n:016d}" for n in range(10_000) if make_kz_iban(f"{n:016d}")[2:4] == issued)
    look_alike = f"KZ{check_digits}{bban}"
    assert iban_remainder(look_alike) == 1, "the look-alike passes the bare mod-97 test"
    assert is_valid_kz_iban(f"KZ{issued}{bban}")
    assert not is_valid_kz_iban(look_alike)


# --- ERDR case number --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["241500031000123", "000000000000000", "999999999999999"])
def test_an_erdr_number_is_15_digits(text: str) -> None:
    assert is_valid_erdr_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "24150003100012",  # 14 digits
        "2415000310001234",  # 16 digits
        "241500 031000123",
        "2415-0003-1000123",
        " 241500031000123",
        "24150003100012A",
        "２４１５０００３１０００１２３",  # full-width digits
        None,
        241500031000123,
    ],
)
def test_an_erdr_number_with_other_characters_or_length_is_refused(text: object) -> None:
    assert not is_valid_erdr_number(text)  # type: ignore[arg-type]


# --- Phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+77011234567",
        "+7 701 123 45 67",
        "+7 (701) 123-45-67",
        "+7-701-123-45-67",
        " +7(701)1234567 ",
        "8 701 123 45 67",  # the domestic trunk prefix, as most people write a number
        "87011234567",
        "8 (701) 123-45-67",
        "8\u00a0701\u00a0123\u201345\u201367",  # non-breaking spaces and en dashes, pasted from a document
        "77011234567",  # the country code without its plus
        "7 701 123 45 67",
    ],
)
def test_a_phone_as_kazakhs_write_it_is_normalised_to_e164(typed: str) -> None:
    assert normalize_kz_phone(typed) == "+77011234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7011234567",  # ten digits: a prefixed number with one digit lost looks the same
        "8701123456",  # 8 and 9 digits
        "+7701123456",  # 9 digits after +7
        "+770112345678",  # 11 digits after +7
        "+87011234567",
        "+7 701 123 45 6x",
        "+7.701.123.45.67",
        None,
    ],
)
def test_a_phone_that_is_not_plus_7_or_8_and_10_digits_is_refused(typed: str | None) -> None:
    assert normalize_kz_phone(typed) is None  # type: ignore[arg-type]
