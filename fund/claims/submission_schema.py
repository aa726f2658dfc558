"""The shape of a public claim submission, and how its errors are reported.

``ClaimSubmissionSchema(today=...).load(body)`` returns a plain dict with ``date`` objects and
normalised strings (IBAN without spaces, phone in E.164: +7XXXXXXXXXX), or raises ``ValidationError``.
The schema checks form only: whether the crime and harm entitle anyone to compensation is
decided by the rules tables, not here.

``today`` is the fund's date in Asia/Almaty, passed in by the service so that the schema never
reads the clock (marshmallow 4 has no ``context``, so it is a constructor argument).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from fund.claims.submission_messages import (
    ARTICLE_AS_TEXT_MESSAGE,
    ARTICLE_MESSAGE,
    BOOLEAN_MESSAGE,
    CONSENT_MESSAGE,
    DATE_MESSAGE,
    EARLIEST_BIRTH_DATE,
    EMAIL_MESSAGE,
    ERDR_MESSAGE,
    HARMS,
    IBAN_CHECKSUM_MESSAGE,
    IBAN_FORMAT_MESSAGE,
    IIN_MESSAGE,
    LANGUAGES,
    NAME_MAX_LENGTH,
    NAME_MESSAGE,
    NAME_MIN_LENGTH,
    OBJECT_MESSAGE,
    PARAGRAPH_MESSAGE,
    PART_MESSAGE,
    PHONE_MESSAGE,
    RECOGNIZED_BEFORE_CRIME_MESSAGE,
    REQUIRED_MESSAGE,
    ROLES,
    ROLES_ACTING_FOR_VICTIM,
    VICTIM_IIN_MESSAGE,
    VICTIM_REQUIRED_MESSAGE,
    ErrorMessage,
)
from fund.common.validation import (
    birth_date_from_iin,
    is_kz_iban_format,
    is_valid_erdr_number,
    is_valid_iin,
    is_valid_kz_iban,
    normalize_iban,
    normalize_kz_phone,
)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A part of a Criminal Code article as the law writes it: "3", "10", "3-1" (parts 1 to 10, sub-parts 1 to 9).
_ARTICLE_PART = re.compile(r"(10|[1-9])(-[1-9])?")
_ABSENT_MESSAGES = {"required": REQUIRED_MESSAGE, "null": REQUIRED_MESSAGE}


def _one_of_message(allowed: tuple[str, ...]) -> ErrorMessage:
    return ErrorMessage("must be one of: " + ", ".join(allowed), "not_one_of", allowed=", ".join(allowed))


# ---------------------------------------------------------------------------------------------
# Fields: marshmallow's own messages ("Not a valid string.") do not say what is allowed.


class _Text(fields.String):
    """Text with surrounding whitespace trimmed before it is checked."""

    default_error_messages = {**_ABSENT_MESSAGES, "invalid": ErrorMessage("must be text", "text_invalid")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _Phone(_Text):
    """A phone number as people write it (``8 701 234 56 78``), stored in E.164: +7XXXXXXXXXX."""

    default_error_messages = {"invalid": PHONE_MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        phone = normalize_kz_phone(super()._deserialize(value, attr, data, **kwargs))
        if phone is None:
            raise self.make_error("invalid")
        return phone


class _OptionalEmail(_Text):
    """An email address; empty text is taken as no address (web forms send "" for a blank)."""

    default_error_messages = {"invalid": EMAIL_MESSAGE}
    _is_email = validate.Email(error=EMAIL_MESSAGE)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        email = super()._deserialize(value, attr, data, **kwargs)
        if not email:
            return None
        if len(email) > 254:  # the longest address SMTP can carry (RFC 5321)
            raise self.make_error("invalid")
        return self._is_email(email)


class _Iban(_Text):
    """A Kazakh IBAN, normalised to 20 characters without spaces, in upper case."""

    default_error_messages = {"invalid": IBAN_FORMAT_MESSAGE, "checksum": IBAN_CHECKSUM_MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        iban = normalize_iban(super()._deserialize(value, attr, data, **kwargs))
        if not is_kz_iban_format(iban):
            raise self.make_error("invalid")
        if not is_valid_kz_iban(iban):
            raise self.make_error("checksum")
        return iban


class _IsoDate(fields.Field[date]):
    """A calendar date written exactly as YYYY-MM-DD.

    ``date.fromisoformat`` alone would also take 20240105 and week dates such as 2024-W01-1.
    """

    default_error_messages = {**_ABSENT_MESSAGES, "invalid": DATE_MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(text := value.strip()):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise self.make_error("invalid") from error


class _StrictBoolean(fields.Field[bool]):
    """JSON true or false only: not "yes", 1 or "true"."""

    default_error_messages = {
        "required": REQUIRED_MESSAGE,
        "null": BOOLEAN_MESSAGE,
        "invalid": BOOLEAN_MESSAGE,
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _ArticlePart(fields.Field[str]):
    """The part of an article as text, as the law writes it: "3", "3-1", "3-2".

    A whole number (the API's first shape, ``"part": 3``) is still taken and read as text.
    """

    default_error_messages = {**_ABSENT_MESSAGES, "invalid": PART_MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value) if 1 <= value <= 10 else ""  # never str() a huge number: it raises
        if not isinstance(value, str) or not _ARTICLE_PART.fullmatch(part := value.strip()):
            raise self.make_error("invalid")
        return part


class _Consent(fields.Field[bool]):
    """The claimant's consent to processing of personal data: JSON true and nothing else."""

    default_error_messages = {
        "required": CONSENT_MESSAGE,
        "null": CONSENT_MESSAGE,
        "invalid": CONSENT_MESSAGE,
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is not True:
            raise self.make_error("invalid")
        return True


class _Block(fields.Nested):
    """A nested group of fields (claimant, victim, crime)."""

    default_error_messages = {**_ABSENT_MESSAGES, "type": OBJECT_MESSAGE}


def _must(is_valid: Callable[[str], bool], message: str) -> Callable[[str], None]:
    """A field validator from a yes/no check. Marshmallow 4 ignores a validator that returns
    False, so every check must raise instead.
    """

    def check(value: str) -> None:
        if not is_valid(value):
            raise ValidationError(message)

    return check


def _name_field() -> _Text:
    return _Text(
        required=True, validate=validate.Length(NAME_MIN_LENGTH, NAME_MAX_LENGTH, error=NAME_MESSAGE)
    )


def _iin_field() -> _Text:
    return _Text(required=True, validate=_must(is_valid_iin, IIN_MESSAGE))


def _choice_field(allowed: tuple[str, ...]) -> _Text:
    return _Text(required=True, validate=validate.OneOf(allowed, error=_one_of_message(allowed)))


# ---------------------------------------------------------------------------------------------
# Schemas


class _FundSchema(Schema):
    """Base of the submission's schemas: unknown fields are refused and ``today`` is known.

    ``today`` is handed down to nested schemas of this family when the schema is built, so that
    every "not after today" check uses the same date.
    """

    class Meta:
        unknown = RAISE

    error_messages = {"type": OBJECT_MESSAGE}

    def __init__(self, *, today: date, **kwargs: Any) -> None:
        # A datetime is a date too, but comparing it with a date raises TypeError mid-request.
        if not isinstance(today, date) or isinstance(today, datetime):
            raise TypeError(f"today must be a datetime.date (the fund's date in Asia/Almaty), not {today!r}")
        self.today = today
        super().__init__(**kwargs)
        for field in self.fields.values():
            if isinstance(field, fields.Nested) and isinstance(field.nested, type):
                if issubclass(field.nested, _FundSchema):
                    field.nested = field.nested(today=today)
        allowed = ", ".join(self.load_fields)
        self.error_messages["unknown"] = ErrorMessage(
            "is not a field here; allowed: " + allowed, "unknown_field", allowed=allowed
        )

    def _not_after_today(self, value: date) -> None:
        if value > self.today:
            raise ValidationError(
                ErrorMessage(
                    f"must not be after today ({self.today.isoformat()})",
                    "date_in_future",
                    today=self.today.isoformat(),
                )
            )


class _PersonSchema(_FundSchema):
    """A person identified by name, IIN and birth date; the IIN must encode the birth date."""

    full_name = _name_field()
    iin = _iin_field()
    birth_date = _IsoDate(required=True)

    @validates("birth_date")
    def _birth_date_is_plausible(self, value: date, **kwargs: Any) -> None:
        self._not_after_today(value)
        if value < EARLIEST_BIRTH_DATE:
            raise ValidationError(
                ErrorMessage(
                    f"must not be before {EARLIEST_BIRTH_DATE.isoformat()}",
                    "date_too_early",
                    earliest=EARLIEST_BIRTH_DATE.isoformat(),
                )
            )

    @validates_schema(skip_on_field_errors=False)
    def _iin_matches_birth_date(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Only fields that passed their own checks are in ``data``, so a present IIN is valid
        # and encodes a real date.
        if "iin" not in data or "birth_date" not in data:
            return
        encoded = birth_date_from_iin(data["iin"])
        if encoded is not None and encoded != data["birth_date"]:
            message = ErrorMessage(
                f"does not match the birth date; this IIN encodes {encoded.isoformat()}",
                "iin_birth_date_mismatch",
                encoded=encoded.isoformat(),
            )
            raise ValidationError(message, field_name="iin")


class ClaimantSchema(_PersonSchema):
    """The person submitting the claim, and how to reach and pay them."""

    phone = _Phone(required=True)
    email = _OptionalEmail(load_default=None, allow_none=True)
    language = _choice_field(LANGUAGES)
    iban = _Iban(required=True)


class VictimSchema(_PersonSchema):
    """The victim, when the claimant is their representative or successor."""


class CrimeSchema(_FundSchema):
    """The criminal case in which the victim was recognised, and the harm suffered."""

    erdr_number = _Text(required=True, validate=_must(is_valid_erdr_number, ERDR_MESSAGE))
    article = _Text(
        required=True,
        validate=validate.Regexp(r"[1-9][0-9]{0,2}(-[1-9])?\Z", error=ARTICLE_MESSAGE),
        error_messages={"invalid": ARTICLE_AS_TEXT_MESSAGE},
    )
    part = _ArticlePart(required=True)
    # Optional: "paragraph 2) of part 3"; none when the law names the whole part.
    paragraph = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(1, 9, error=PARAGRAPH_MESSAGE),
        error_messages={"invalid": PARAGRAPH_MESSAGE, "too_large": PARAGRAPH_MESSAGE},
    )
    # Optional: the qualifier "committed by a criminal group"; none when the claimant does not say.
    by_criminal_group = _StrictBoolean(load_default=None, allow_none=True)
    committed_on = _IsoDate(required=True)
    recognized_on = _IsoDate(required=True)
    harm = _choice_field(HARMS)
    deadline_restored_by_court = _StrictBoolean(load_default=False)

    @validates("committed_on", "recognized_on")
    def _date_is_not_in_future(self, value: date, **kwargs: Any) -> None:
        self._not_after_today(value)

    @validates_schema(skip_on_field_errors=False)
    def _recognized_after_crime(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "committed_on" not in data or "recognized_on" not in data:
            return
        if data["recognized_on"] < data["committed_on"]:
            raise ValidationError(RECOGNIZED_BEFORE_CRIME_MESSAGE, field_name="recognized_on")


class ClaimSubmissionSchema(_FundSchema):
    """A claim as submitted by the public. Build one per request: ``ClaimSubmissionSchema(today=...)``.

    When ``role`` is ``victim`` the claimant is the victim: any ``victim`` block sent is ignored
    unchecked and the result carries ``"victim": None``. For a representative or successor the
    ``victim`` block is required.
    """

    claimant = _Block(ClaimantSchema, required=True)
    role = _choice_field(ROLES)
    victim = _Block(VictimSchema, allow_none=True, load_default=None)
    crime = _Block(CrimeSchema, required=True)
    consent = _Consent(required=True)

    @pre_load
    def _ignore_victim_block_when_claimant_is_victim(self, body: Any, **kwargs: Any) -> Any:
        role = body.get("role") if isinstance(body, Mapping) else None
        if isinstance(role, str) and role.strip() == "victim" and "victim" in body:
            body = {key: value for key, value in body.items() if key != "victim"}
        return body

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _victim_named_when_claiming_for_them(
        self, data: dict[str, Any], original_data: Any, **kwargs: Any
    ) -> None:
        if data.get("role") not in ROLES_ACTING_FOR_VICTIM:
            return
        if not isinstance(original_data, Mapping) or original_data.get("victim") is None:
            raise ValidationError(VICTIM_REQUIRED_MESSAGE, field_name="victim")
        claimant_iin = (data.get("claimant") or {}).get("iin")
        victim_iin = (data.get("victim") or {}).get("iin")
        if claimant_iin is not None and claimant_iin == victim_iin:
            raise ValidationError({"iin": [VICTIM_IIN_MESSAGE]}, field_name="victim")


def validation_errors_to_fields(err: ValidationError) -> dict[str, list[str]]:
    """Marshmallow's nested error messages as dotted field paths, for the API's error body.

    ``{"claimant": {"iin": ["..."]}}`` becomes ``{"claimant.iin": ["..."]}``. An error about a
    whole block (``_schema`` inside it, e.g. "must be an object") is reported on the block's own
    path; an error about the whole body stays under ``_schema``.
    """
    flat: dict[str, list[str]] = {}
    _flatten_messages(err.normalized_messages(), "", flat)
    return flat


def _flatten_messages(messages: Any, path: str, flat: dict[str, list[str]]) -> None:
    if isinstance(messages, Mapping):
        for key, nested in messages.items():
            if key == "_schema":
                child_path = path
            else:
                child_path = f"{path}.{key}" if path else str(key)
            _flatten_messages(nested, child_path, flat)
        return
    items = messages if isinstance(messages, list | tuple) else [messages]
    for item in items:
        if isinstance(item, Mapping):
            _flatten_messages(item, path, flat)
        else:
            # An ErrorMessage stays one (a str, so JSON answers are unchanged) and keeps its code.
            flat.setdefault(path or "_schema", []).append(item if isinstance(item, str) else str(item))
