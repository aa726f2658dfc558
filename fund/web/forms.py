"""HTML forms generated from a task's JSON Schema (bpmn/forms/*.json), and the way back to JSON.

A task's form is data: the schema says each field's title, hint (``description``), type, allowed
codes with their words (``enum`` + ``x-labels``) and which fields are required. This module turns
a resolved schema into :class:`Field` descriptions that ``officer/_form.html`` renders, and turns
the posted form back into the JSON the engine validates:

==========================  ===================================  ==============================
schema                      HTML                                 JSON sent to the engine
==========================  ===================================  ==============================
boolean                     two radios, "Yes" / "No"             true / false
string with enum            radios (up to 6 codes) or a select   the code
array of enum               one checkbox per code                list of codes, in schema order
string, short or patterned  ``<input>``                          the text, trimmed
string, long                ``<textarea>``                       the text, trimmed
integer / number            ``<input inputmode=numeric>``        int / float
==========================  ===================================  ==============================

Empty optional fields are left out of the JSON, so "not answered" never reaches the engine as
``""``. Values that cannot be converted (``"maybe"`` for a boolean, ``"12a"`` for a whole number)
are passed on unchanged: the engine's validation then names the field and says what is allowed,
exactly as it does for the API. Nothing here decides what is valid; the schema does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

YES, NO = "yes", "no"
MAX_RADIOS = 6  # more codes than this are easier to pick from a list
LONG_TEXT = 255  # strings allowed to be longer than this get a textarea


@dataclass(frozen=True)
class Option:
    """One choice of a radio group, select or checkbox list."""

    value: str
    label: str
    selected: bool
    id: str


@dataclass(frozen=True)
class Field:
    """One form field, ready for the template: every id and text the HTML needs."""

    name: str
    kind: str  # radios, select, checkboxes, input, textarea
    label: str
    hint: str
    required: bool
    value: str = ""
    options: list[Option] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    max_length: int | None = None
    numeric: bool = False

    @property
    def id(self) -> str:
        return f"field-{self.name}"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def described_by(self) -> str:
        """The ids that ``aria-describedby`` names: the hint and the error, when there are any."""
        ids = [self.hint_id] if self.hint else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def first_control_id(self) -> str:
        """Where the error summary's link for this field jumps to."""
        return self.options[0].id if self.options and self.kind != "select" else self.id


def build_fields(
    schema: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> list[Field]:
    """The fields of a resolved form schema, in schema order, with values and errors filled in.

    ``values`` are JSON values (what the engine would get) or the raw posted strings;
    ``errors`` are the engine's messages by field name (``""`` for the form as a whole is
    ignored here: see :func:`form_errors`).
    """
    values = values or {}
    errors = errors or {}
    required = set(schema.get("required", []))
    fields = []
    for name, spec in schema.get("properties", {}).items():
        fields.append(_field(name, spec, name in required, values.get(name), list(errors.get(name, []))))
    return fields


def form_errors(schema: Mapping[str, Any], errors: Mapping[str, list[str]]) -> list[str]:
    """Errors that belong to no single field of the form (shown above it)."""
    declared = set(schema.get("properties", {}))
    problems = []
    for name, messages in errors.items():
        if name not in declared:
            prefix = f"{name}: " if name else ""
            problems.extend(prefix + message for message in messages)
    return problems


def parse_form(schema: Mapping[str, Any], form: MultiDict) -> dict[str, Any]:
    """The JSON object the engine expects, from a posted form (only the schema's fields).

    Empty optional answers are omitted; booleans, numbers and lists get their JSON types.
    """
    data: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec.get("type")
        if kind == "array":
            chosen = [value for value in form.getlist(name) if value != ""]
            codes = [str(code) for code in spec.get("items", {}).get("enum", [])]
            # Keep the schema's order: the letter lists reasons in the order the rules list them.
            ordered = [code for code in codes if code in chosen] + [v for v in chosen if v not in codes]
            if ordered:
                data[name] = ordered
            continue
        raw = form.get(name)
        if raw is None:
            continue
        raw = raw.strip()
        if raw == "":
            continue
        data[name] = _typed(kind, raw)
    return data


def _typed(kind: Any, raw: str) -> Any:
    """A posted string as the schema's type; unchanged when it is not one (validation says why)."""
    if kind == "boolean":
        return {YES: True, NO: False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and "." not in raw else number
    return raw


def _shown(value: Any) -> str:
    """A JSON value as the text an input shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def _field(name: str, spec: Mapping[str, Any], required: bool, value: Any, errors: list[str]) -> Field:
    label = spec.get("title") or name.replace("_", " ").capitalize()
    hint = spec.get("description", "")
    base_id = f"field-{name}"
    kind = spec.get("type")

    def options(codes: list[Any], labels: Mapping[str, str], chosen: set[str]) -> list[Option]:
        return [
            Option(str(code), labels.get(str(code), str(code)), str(code) in chosen, f"{base_id}-{code}")
            for code in codes
        ]

    if kind == "boolean":
        chosen = {_shown(value)} if value is not None else set()
        return Field(
            name,
            "radios",
            label,
            hint,
            required,
            options=[
                Option(YES, "Yes", YES in chosen, f"{base_id}-{YES}"),
                Option(NO, "No", NO in chosen, f"{base_id}-{NO}"),
            ],
            errors=errors,
        )
    if kind == "array" and "enum" in spec.get("items", {}):
        items = spec["items"]
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else set()
        return Field(
            name,
            "checkboxes",
            label,
            hint,
            required,
            options=options(items["enum"], items.get("x-labels", {}), chosen),
            errors=errors,
        )
    if "enum" in spec:
        chosen = {_shown(value)} if value is not None else set()
        widget = "radios" if len(spec["enum"]) <= MAX_RADIOS else "select"
        return Field(
            name,
            widget,
            label,
            hint,
            required,
            options=options(spec["enum"], spec.get("x-labels", {}), chosen),
            errors=errors,
        )
    max_length = spec.get("maxLength")
    long_text = kind == "string" and "pattern" not in spec and (max_length is None or max_length > LONG_TEXT)
    return Field(
        name,
        "textarea" if long_text else "input",
        label,
        hint,
        required,
        value=_shown(value),
        errors=errors,
        max_length=max_length,
        numeric=kind in ("integer", "number"),
    )
