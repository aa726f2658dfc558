"""What a claimant sees when submitting a claim: what is accepted, and what each refusal says.

Every test loads a whole claim body, changed in one place, and checks either the cleaned result
or the error reported on the dotted field path the API returns.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from fund.claims.submission_messages import PARAGRAPH_MESSAGE, PART_MESSAGE
from fund.claims.submission_schema import ClaimSubmissionSchema, validation_errors_to_fields
from fund.common.validation import iin_check_digit

TODAY = date(2025, 6, 15)
TOMORROW = TODAY + timedelta(days=1)
YESTERDAY = TODAY - timedelta(days=1)

IIN_MESSAGE = "must be 12 digits with a valid check digit, beginning with the birth date as YYMMDD"
IBAN_FORMAT_MESSAGE = "must be a Kazakh IBAN: KZ, 2 check digits and 16 characters (20 in all)"
CONSENT_MESSAGE = "consent to processing of personal data is required"
DATE_MESSAGE = "must be a date written as YYYY-MM-DD"
NOT_AFTER_TODAY = f"must not be after today ({TODAY.isoformat()})"

# The example IBAN for Kazakhstan in the SWIFT IBAN registry.
VALID_IBAN = "KZ86125KZT5004100100"


def make_iin(birth_date: date, serial: int = 1, *, sex: str = "female") -> str:
    """A valid IIN for the birth date; the check digit rule itself is tested in test_validation."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "female")
    for candidate in range(serial, serial + 10):
        first11 = f"{birth_date:%y%m%d}{century_digit}{candidate:04d}"
        check = iin_check_digit(first11)
        if check is not None:
            return first11 + str(check)
    raise AssertionError("unreachable: some serial in ten always has a check digit")


CLAIMANT_BIRTH_DATE = date(1988, 4, 2)
VICTIM_BIRTH_DATE = date(2012, 9, 30)


def claim_body(**changes: Any) -> dict[str, Any]:
    """A complete, valid claim by a victim; ``changes`` replace top-level blocks or values."""
    body: dict[str, Any] = {
        "claimant": {
            "full_name": "Aigerim Nurlanovna Sadykova",
            "iin": make_iin(CLAIMANT_BIRTH_DATE),
            "birth_date": CLAIMANT_BIRTH_DATE.isoformat(),
            "phone": "+7 701 123 45 67",
            "email": "aigerim@example.kz",
            "language": "kk",
            "iban": VALID_IBAN,
        },
        "role": "victim",
        "crime": {
            "erdr_number": "241500031000123",
            "article": "146",
            "part": 3,
            "committed_on": "2024-03-01",
            "recognized_on": "2024-03-05",
            "harm": "none",
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
    body.update(changes)
    return body


def victim_block(**changes: Any) -> dict[str, Any]:
    block = {
        "full_name": "Daniyar Sadykov",
        "iin": make_iin(VICTIM_BIRTH_DATE, sex="male"),
        "birth_date": VICTIM_BIRTH_DATE.isoformat(),
    }
    block.update(changes)
    return block


def with_claimant(**changes: Any) -> dict[str, Any]:
    body = claim_body()
    body["claimant"].update(changes)
    return body


def with_crime(**changes: Any) -> dict[str, Any]:
    body = claim_body()
    body["crime"].update(changes)
    return body


def load(body: Any, today: date = TODAY) -> dict[str, Any]:
    return ClaimSubmissionSchema(today=today).load(copy.deepcopy(body))


def field_errors(body: Any, today: date = TODAY) -> dict[str, list[str]]:
    """The ``fields`` part of the API's error body for a submission that must be refused."""
    with pytest.raises(ValidationError) as caught:
        load(body, today)
    return validation_errors_to_fields(caught.value)


# --- The whole claim ---------------------------------------------------------------------------


def test_a_complete_claim_by_a_victim_loads_as_plain_data_with_dates_and_normalised_text() -> None:
    body = claim_body()
    body["claimant"]["iban"] = "kz86 125k zt50 0410 0100"
    body["claimant"]["full_name"] = "  Aigerim Nurlanovna Sadykova "

    assert load(body) == {
        "claimant": {
            "full_name": "Aigerim Nurlanovna Sadykova",
            "iin": make_iin(CLAIMANT_BIRTH_DATE),
            "birth_date": CLAIMANT_BIRTH_DATE,
            "phone": "+77011234567",
            "email": "aigerim@example.kz",
            "language": "kk",
            "iban": VALID_IBAN,
        },
        "role": "victim",
        "victim": None,
        "crime": {
            "erdr_number": "241500031000123",
            "article": "146",
            "part": "3",  # the part as the law writes it: text
            "paragraph": None,
            "by_criminal_group": None,
            "committed_on": date(2024, 3, 1),
            "recognized_on": date(2024, 3, 5),
            "harm": "none",
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }


def test_a_claim_by_a_representative_carries_the_victim() -> None:
    loaded = load(claim_body(role="representative", victim=victim_block()))
    assert loaded["victim"] == {
        "full_name": "Daniyar Sadykov",
        "iin": make_iin(VICTIM_BIRTH_DATE, sex="male"),
        "birth_date": VICTIM_BIRTH_DATE,
    }


def test_every_problem_in_a_claim_is_reported_at_once_on_dotted_field_paths() -> None:
    body = claim_body(role="successor", consent=False)
    body["claimant"]["iban"] = "KZ00"
    body["crime"]["part"] = 0

    errors = field_errors(body)

    assert errors == {
        "claimant.iban": [IBAN_FORMAT_MESSAGE],
        "crime.part": [PART_MESSAGE],
        "consent": [CONSENT_MESSAGE],
        "victim": ["is required when the claimant is the victim's representative or successor"],
    }


def test_a_body_that_is_not_an_object_is_refused_as_a_whole() -> None:
    assert field_errors(["not", "a", "claim"]) == {"_schema": ["must be an object with named fields"]}


@pytest.mark.parametrize("block", ["claimant", "crime"])
def test_a_block_that_is_not_an_object_is_refused_on_the_block_itself(block: str) -> None:
    assert field_errors(claim_body(**{block: "text"})) == {block: ["must be an object with named fields"]}


@pytest.mark.parametrize("block", ["claimant", "role", "crime"])
def test_each_main_part_of_a_claim_is_required(block: str) -> None:
    body = claim_body()
    del body[block]
    assert field_errors(body) == {block: ["is required"]}


def test_flattening_keeps_the_messages_of_hand_made_errors() -> None:
    nested = ValidationError({"claimant": {"iin": ["a"], "_schema": ["b"]}, "_schema": ["c"]})
    assert validation_errors_to_fields(nested) == {"claimant.iin": ["a"], "claimant": ["b"], "_schema": ["c"]}
    assert validation_errors_to_fields(ValidationError("whole body")) == {"_schema": ["whole body"]}


# --- Unknown fields ----------------------------------------------------------------------------


def test_an_unknown_top_level_field_is_refused_and_the_allowed_fields_named() -> None:
    errors = field_errors(claim_body(concent=True))
    assert errors == {"concent": ["is not a field here; allowed: claimant, role, victim, crime, consent"]}


def test_a_misspelt_field_inside_a_block_is_refused_on_its_dotted_path() -> None:
    body = claim_body()
    body["claimant"]["ibna"] = body["claimant"].pop("iban")
    errors = field_errors(body)
    assert errors["claimant.iban"] == ["is required"]
    assert errors["claimant.ibna"] == [
        "is not a field here; allowed: full_name, iin, birth_date, phone, email, language, iban"
    ]


def test_an_unknown_field_in_the_crime_block_is_refused() -> None:
    assert list(field_errors(with_crime(court="Almaty"))) == ["crime.court"]


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Li", "A" * 200, "  Li  ", "Әсел Жақсылықова"])
def test_a_name_of_2_to_200_characters_after_trimming_is_accepted(name: str) -> None:
    assert load(with_claimant(full_name=name))["claimant"]["full_name"] == name.strip()


@pytest.mark.parametrize("name", ["", "A", "  A  ", "A" * 201, "   "])
def test_a_name_shorter_than_2_or_longer_than_200_characters_is_refused(name: str) -> None:
    assert field_errors(with_claimant(full_name=name)) == {
        "claimant.full_name": ["must be 2 to 200 characters long"]
    }


def test_a_victim_name_follows_the_same_rule() -> None:
    body = claim_body(role="representative", victim=victim_block(full_name="X"))
    assert field_errors(body) == {"victim.full_name": ["must be 2 to 200 characters long"]}


def test_a_name_that_is_not_text_is_refused() -> None:
    assert field_errors(with_claimant(full_name=42)) == {"claimant.full_name": ["must be text"]}


# --- IIN and birth date ------------------------------------------------------------------------


def test_an_iin_with_a_wrong_check_digit_is_refused_naming_what_is_allowed() -> None:
    iin = make_iin(CLAIMANT_BIRTH_DATE)
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    assert field_errors(with_claimant(iin=wrong)) == {"claimant.iin": [IIN_MESSAGE]}


@pytest.mark.parametrize("iin", ["", "88040240001", "8804024000123", "88040240001X"])
def test_an_iin_that_is_not_12_digits_is_refused(iin: str) -> None:
    assert field_errors(with_claimant(iin=iin)) == {"claimant.iin": [IIN_MESSAGE]}


def test_an_iin_for_another_birth_date_is_refused_on_the_iin_field() -> None:
    other_day = CLAIMANT_BIRTH_DATE + timedelta(days=1)
    errors = field_errors(with_claimant(birth_date=other_day.isoformat()))
    assert errors == {"claimant.iin": ["does not match the birth date; this IIN encodes 1988-04-02"]}


def test_a_victim_iin_for_another_birth_date_is_refused_on_the_victim_iin_field() -> None:
    body = claim_body(role="successor", victim=victim_block(birth_date="2012-10-01"))
    assert field_errors(body) == {
        "victim.iin": ["does not match the birth date; this IIN encodes 2012-09-30"]
    }


def test_an_iin_with_surrounding_spaces_is_trimmed() -> None:
    iin = make_iin(CLAIMANT_BIRTH_DATE)
    assert load(with_claimant(iin=f" {iin} "))["claimant"]["iin"] == iin


def test_a_baby_born_today_can_be_named_as_a_victim() -> None:
    body = claim_body(
        role="representative", victim=victim_block(iin=make_iin(TODAY), birth_date=TODAY.isoformat())
    )
    assert load(body)["victim"]["birth_date"] == TODAY


def test_a_birth_date_after_today_is_refused() -> None:
    body = claim_body(
        role="representative", victim=victim_block(iin=make_iin(TOMORROW), birth_date=TOMORROW.isoformat())
    )
    assert field_errors(body) == {"victim.birth_date": [NOT_AFTER_TODAY]}


def test_a_birth_date_on_1_january_1900_is_accepted() -> None:
    first_day = date(1900, 1, 1)
    body = with_claimant(iin=make_iin(first_day), birth_date=first_day.isoformat())
    assert load(body)["claimant"]["birth_date"] == first_day


def test_a_birth_date_before_1900_is_refused() -> None:
    last_day_of_1899 = date(1899, 12, 31)
    body = with_claimant(iin=make_iin(last_day_of_1899), birth_date=last_day_of_1899.isoformat())
    assert field_errors(body) == {"claimant.birth_date": ["must not be before 1900-01-01"]}


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["1988-4-2", "02.04.1988", "19880402", "1988-04-02T00:00:00", "1988-W14-6", "1988-02-30", "", 19880402],
)
def test_a_date_not_written_as_a_real_yyyy_mm_dd_is_refused(written: object) -> None:
    assert field_errors(with_claimant(birth_date=written)) == {"claimant.birth_date": [DATE_MESSAGE]}


def test_a_crime_committed_today_and_recognised_today_is_accepted() -> None:
    crime = load(with_crime(committed_on=TODAY.isoformat(), recognized_on=TODAY.isoformat()))["crime"]
    assert (crime["committed_on"], crime["recognized_on"]) == (TODAY, TODAY)


def test_a_crime_date_after_today_is_refused() -> None:
    body = with_crime(committed_on=TOMORROW.isoformat(), recognized_on=TOMORROW.isoformat())
    assert field_errors(body) == {
        "crime.committed_on": [NOT_AFTER_TODAY],
        "crime.recognized_on": [NOT_AFTER_TODAY],
    }


def test_recognition_as_a_victim_on_the_day_of_the_crime_is_accepted() -> None:
    crime = load(with_crime(committed_on="2024-03-01", recognized_on="2024-03-01"))["crime"]
    assert crime["recognized_on"] == date(2024, 3, 1)


def test_recognition_as_a_victim_before_the_crime_is_refused() -> None:
    errors = field_errors(with_crime(committed_on="2024-03-01", recognized_on="2024-02-29"))
    assert errors == {
        "crime.recognized_on": ["must not be before the date the crime was committed (committed_on)"]
    }


def test_the_same_claim_is_judged_against_the_date_the_schema_was_built_for() -> None:
    body = with_crime(committed_on=TODAY.isoformat(), recognized_on=TODAY.isoformat())
    assert load(body, today=TODAY)
    assert set(field_errors(body, today=YESTERDAY)) == {"crime.committed_on", "crime.recognized_on"}


@pytest.mark.parametrize("not_a_date", [datetime(2025, 6, 15, 12, 0), "2025-06-15", None])
def test_the_schema_needs_the_funds_date_as_a_plain_date(not_a_date: object) -> None:
    with pytest.raises(TypeError, match="today must be a datetime.date"):
        ClaimSubmissionSchema(today=not_a_date)  # type: ignore[arg-type]


def test_the_schema_cannot_be_built_without_the_funds_date() -> None:
    with pytest.raises(TypeError):
        ClaimSubmissionSchema()  # type: ignore[call-arg]


# --- Contact details and language --------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+77011234567",
        "+7 701 123 45 67",
        "+7 (701) 123-45-67",
        "+7-701-1234567",
        "8 701 123 45 67",
        "87011234567",
        "8 (701) 123-45-67",
        "77011234567",
    ],
)
def test_a_phone_as_kazakhs_write_it_is_stored_in_e164(typed: str) -> None:
    assert load(with_claimant(phone=typed))["claimant"]["phone"] == "+77011234567"


@pytest.mark.parametrize(
    "typed", ["7011234567", "8 701 123 45 6", "+7 701 123 45 6", "+7 701 123 45 678", "+1 701 123 45 67", ""]
)
def test_a_phone_that_is_not_plus_7_or_8_and_10_digits_is_refused_naming_the_field(typed: str) -> None:
    assert field_errors(with_claimant(phone=typed)) == {
        "claimant.phone": [
            "must be a phone number: +7 or 8, then 10 digits, for example +7 701 123 45 67 or 8 701 123 45 67"
        ]
    }


def test_email_may_be_left_out() -> None:
    body = claim_body()
    del body["claimant"]["email"]
    assert load(body)["claimant"]["email"] is None


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_email_counts_as_none(blank: str | None) -> None:
    assert load(with_claimant(email=blank))["claimant"]["email"] is None


@pytest.mark.parametrize(
    "email", ["aigerim", "aigerim@", "@example.kz", "a b@example.kz", "x" * 250 + "@example.kz"]
)
def test_an_email_given_must_be_valid(email: str) -> None:
    assert field_errors(with_claimant(email=email)) == {
        "claimant.email": ["must be an email address such as name@example.kz"]
    }


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_claimant_chooses_kazakh_russian_or_english(language: str) -> None:
    assert load(with_claimant(language=language))["claimant"]["language"] == language


@pytest.mark.parametrize("language", ["kz", "KK", "de", ""])
def test_another_language_is_refused_naming_the_allowed_ones(language: str) -> None:
    assert field_errors(with_claimant(language=language)) == {
        "claimant.language": ["must be one of: kk, ru, en"]
    }


# --- IBAN --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["KZ86 125K ZT50 0410 0100", "kz86125kzt5004100100", " kz86 125k zt50 0410 0100 "]
)
def test_an_iban_with_spaces_or_lower_case_is_accepted_and_normalised(typed: str) -> None:
    assert load(with_claimant(iban=typed))["claimant"]["iban"] == VALID_IBAN


def test_an_iban_with_one_character_changed_is_refused_as_mistyped() -> None:
    mistyped = VALID_IBAN[:10] + "6" + VALID_IBAN[11:]
    assert mistyped != VALID_IBAN
    assert field_errors(with_claimant(iban=mistyped)) == {
        "claimant.iban": [
            "must be a Kazakh IBAN with correct check digits; this one has a mistyped character, "
            "copy it again from your bank details"
        ]
    }


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "KZ86125KZT500410010", "KZ86-125K-ZT50-0410-0100", 42]
)
def test_an_iban_that_is_not_shaped_like_a_kazakh_one_is_refused(iban: object) -> None:
    assert field_errors(with_claimant(iban=iban)) == {"claimant.iban": [IBAN_FORMAT_MESSAGE]}


# --- Role and victim ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["representative", "successor"])
def test_a_representative_or_successor_must_name_the_victim(role: str) -> None:
    message = ["is required when the claimant is the victim's representative or successor"]
    assert field_errors(claim_body(role=role)) == {"victim": message}
    assert field_errors(claim_body(role=role, victim=None)) == {"victim": message}


@pytest.mark.parametrize("role", ["representative", "successor"])
def test_a_representative_or_successor_with_an_incomplete_victim_block_is_told_what_is_missing(
    role: str,
) -> None:
    assert field_errors(claim_body(role=role, victim={})) == {
        "victim.full_name": ["is required"],
        "victim.iin": ["is required"],
        "victim.birth_date": ["is required"],
    }


def test_a_victim_block_sent_by_the_victim_is_ignored() -> None:
    loaded = load(claim_body(role="victim", victim={"full_name": "", "typo": True}))
    assert loaded["victim"] is None


def test_a_representative_cannot_give_their_own_iin_as_the_victims() -> None:
    claimant = claim_body()["claimant"]
    body = claim_body(
        role="representative",
        victim=victim_block(iin=claimant["iin"], birth_date=claimant["birth_date"]),
    )
    assert field_errors(body) == {
        "victim.iin": [
            "must be the victim's IIN, not the claimant's; if you are the victim, choose role victim"
        ]
    }


@pytest.mark.parametrize("role", ["Victim", "guardian", "", None])
def test_an_unknown_role_is_refused_naming_the_allowed_ones(role: str | None) -> None:
    expected = "is required" if role is None else "must be one of: victim, representative, successor"
    assert field_errors(claim_body(role=role)) == {"role": [expected]}


# --- Crime -------------------------------------------------------------------------------------


def test_an_erdr_number_must_be_15_digits() -> None:
    message = "must be the 15-digit case number in the Unified Register of Pre-trial Investigations (ERDR)"
    assert field_errors(with_crime(erdr_number="24150003100012")) == {"crime.erdr_number": [message]}
    assert field_errors(with_crime(erdr_number="2415000310001234")) == {"crime.erdr_number": [message]}


@pytest.mark.parametrize("article", ["1", "120", "146", "99-1", "999"])
def test_an_article_of_1_to_3_digits_with_an_optional_suffix_is_kept_as_text(article: str) -> None:
    assert load(with_crime(article=article))["crime"]["article"] == article


@pytest.mark.parametrize("article", ["1000", "0", "012", "99-", "99-12", "146.1", "ст. 146", ""])
def test_another_article_is_refused(article: str) -> None:
    assert field_errors(with_crime(article=article)) == {
        "crime.article": [
            "must be a Criminal Code article number: 1 to 3 digits, optionally with a suffix as in 99-1"
        ]
    }


def test_an_article_sent_as_a_number_is_refused_asking_for_text() -> None:
    assert field_errors(with_crime(article=146)) == {
        "crime.article": ['must be written as text, for example "146" or "99-1"']
    }


@pytest.mark.parametrize(
    ("part", "as_text"),
    [(1, "1"), (10, "10"), ("3", "3"), ("3-1", "3-1"), (" 3-2 ", "3-2"), ("10-9", "10-9")],
)
def test_a_part_is_text_as_the_law_writes_it_and_a_whole_number_is_still_taken(
    part: object, as_text: str
) -> None:
    assert load(with_crime(part=part))["crime"]["part"] == as_text


@pytest.mark.parametrize("part", [0, 11, -1, "0", "11", "03", "3-0", "3-10", "3.1", "3-", 3.5, True, None])
def test_a_part_that_is_not_1_to_10_optionally_with_a_sub_part_1_to_9_is_refused(part: object) -> None:
    expected = "is required" if part is None else PART_MESSAGE
    assert field_errors(with_crime(part=part)) == {"crime.part": [expected]}


def test_paragraph_and_criminal_group_are_optional_and_none_when_not_given() -> None:
    crime = load(with_crime())["crime"]
    assert (crime["paragraph"], crime["by_criminal_group"]) == (None, None)
    crime = load(with_crime(paragraph=2, by_criminal_group=True))["crime"]
    assert (crime["paragraph"], crime["by_criminal_group"]) == (2, True)


@pytest.mark.parametrize("paragraph", [0, 10, "2", 2.5, True])
def test_a_paragraph_that_is_not_a_whole_number_from_1_to_9_is_refused(paragraph: object) -> None:
    assert field_errors(with_crime(paragraph=paragraph)) == {"crime.paragraph": [PARAGRAPH_MESSAGE]}


@pytest.mark.parametrize("group", ["yes", 1, "true"])
def test_committed_by_a_criminal_group_is_true_or_false(group: object) -> None:
    assert field_errors(with_crime(by_criminal_group=group)) == {
        "crime.by_criminal_group": ["must be true or false"]
    }


@pytest.mark.parametrize("harm", ["death", "grave_harm", "hiv_infection", "none"])
def test_each_kind_of_harm_is_accepted(harm: str) -> None:
    assert load(with_crime(harm=harm))["crime"]["harm"] == harm


def test_another_kind_of_harm_is_refused_naming_the_allowed_ones() -> None:
    assert field_errors(with_crime(harm="injury")) == {
        "crime.harm": ["must be one of: death, grave_harm, hiv_infection, none"]
    }


def test_a_victim_reporting_death_as_the_harm_is_left_to_the_rules_to_decide() -> None:
    assert load(with_crime(harm="death"))["crime"]["harm"] == "death"


def test_a_deadline_restored_by_a_court_defaults_to_false() -> None:
    body = claim_body()
    del body["crime"]["deadline_restored_by_court"]
    assert load(body)["crime"]["deadline_restored_by_court"] is False


def test_a_deadline_restored_by_a_court_can_be_declared() -> None:
    assert load(with_crime(deadline_restored_by_court=True))["crime"]["deadline_restored_by_court"] is True


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, None])
def test_a_deadline_restored_by_a_court_must_be_true_or_false(value: object) -> None:
    assert field_errors(with_crime(deadline_restored_by_court=value)) == {
        "crime.deadline_restored_by_court": ["must be true or false"]
    }


# --- Consent -----------------------------------------------------------------------------------


@pytest.mark.parametrize("consent", [False, "true", 1, "yes", None])
def test_consent_must_be_exactly_true(consent: object) -> None:
    assert field_errors(claim_body(consent=consent)) == {"consent": [CONSENT_MESSAGE]}


def test_a_claim_without_consent_is_refused() -> None:
    body = claim_body()
    del body["consent"]
    assert field_errors(body) == {"consent": [CONSENT_MESSAGE]}
