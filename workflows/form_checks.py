"""Deploy-time checks of the task forms: each must be usable by pages, letters and the engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .formats import known_formats
from .forms import CODES_FILE, FormDefinitionError, form_names, load_form, read_json


def check_forms(forms_dir: Path) -> list[str]:
    """Problems that must stop a deployment; an empty list when every shipped form is usable.

    Each form must be valid JSON and a valid draft 2020-12 schema whose references resolve; it must
    be an object form with a title, a title on every property, ``additionalProperties: false``,
    rules that name only declared fields, and an ``x-labels`` entry for every enumerated code.
    """
    forms_dir = Path(forms_dir)
    problems: list[str] = []
    problems.extend(f"{CODES_FILE}: {p}" for p in _codes_problems(forms_dir))
    names = form_names(forms_dir)
    if not names:
        problems.append(f"{forms_dir}: no forms found")
    for name in names:
        problems.extend(f"{name}.json: {p}" for p in _form_problems(forms_dir, name))
    return problems


_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _schema_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a valid draft 2020-12 schema, or None when it is."""
    try:
        schema = read_json(path)
    except FormDefinitionError as exc:
        return str(exc).removeprefix(f"{path.name}: ")
    if not isinstance(schema, dict):
        return "must be a JSON object"
    if schema.get("$schema", _DRAFT_2020_12) != _DRAFT_2020_12:
        return f'"$schema" must be {_DRAFT_2020_12}'
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "top level"
        return f"not a valid JSON Schema at {where}: {exc.message}"
    return None


def _codes_problems(forms_dir: Path) -> list[str]:
    """Problems of the shared code lists (messages without the file name)."""
    path = forms_dir / CODES_FILE
    if not path.is_file():
        return ["missing"]
    problem = _schema_problem(path)
    if problem:
        return [problem]
    return list(_label_problems(read_json(path), "#"))


def _form_problems(forms_dir: Path, name: str) -> list[str]:
    """Problems of one form (messages without the file name)."""
    problem = _schema_problem(forms_dir / f"{name}.json")
    if problem:
        return [problem]
    try:
        form = load_form(forms_dir, name)
    except FormDefinitionError as exc:
        return [str(exc).removeprefix(f"{name}.json: ")]
    problems = []
    if not isinstance(form.get("title"), str) or not form["title"].strip():
        problems.append("has no title")
    if form.get("type") != "object":
        problems.append('must be an object form ("type": "object")')
    if form.get("additionalProperties") is not False:
        problems.append('must reject unknown fields ("additionalProperties": false)')
    properties = form.get("properties")
    if not isinstance(properties, dict) or not properties:
        problems.append("declares no properties")
        return problems
    for field, spec in properties.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("title"), str) or not spec["title"].strip():
            problems.append(f"property {field!r} has no title")
    problems.extend(_undeclared_fields(form, set(properties)))
    problems.extend(_label_problems(form, "#"))
    problems.extend(_unknown_formats(form, "#"))
    return problems


def _unknown_formats(schema: Any, where: str) -> Iterator[str]:
    """Every ``format`` must be one the engine checks: jsonschema passes any other without a word."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from _unknown_formats(item, f"{where}/{i}")
        return
    if not isinstance(schema, dict):
        return
    name = schema.get("format")
    if name is not None and name not in known_formats():
        checked = ", ".join(known_formats())
        yield f"format {name!r} at {where} is not one the engine checks (it checks: {checked})"
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs") and isinstance(value, dict):
            # A mapping of names to schemas: a field may be called "format" without being one.
            for field, sub in value.items():
                yield from _unknown_formats(sub, f"{where}/{key}/{field}")
        elif key not in ("x-labels", "x-messages", "enum", "const", "examples"):
            yield from _unknown_formats(value, f"{where}/{key}")


def _undeclared_fields(form: dict[str, Any], declared: set[str]) -> Iterator[str]:
    """Rules that name a field the form does not declare (a typo makes a rule silently dead)."""
    pending: list[tuple[str, Any]] = [("#", form)]
    while pending:
        where, schema = pending.pop()
        if not isinstance(schema, dict):
            continue
        for field in schema.get("required", []):
            if field not in declared:
                yield f"{where} requires undeclared field {field!r}"
        if where != "#":
            for field in schema.get("properties", {}):
                if field not in declared:
                    yield f"{where} has a rule on undeclared field {field!r}"
        for keyword in ("allOf", "anyOf", "oneOf"):
            pending.extend((f"{where}/{keyword}/{i}", sub) for i, sub in enumerate(schema.get(keyword, [])))
        for keyword in ("if", "then", "else", "not"):
            if keyword in schema:
                pending.append((f"{where}/{keyword}", schema[keyword]))


def _label_problems(schema: Any, where: str) -> Iterator[str]:
    """Every ``enum`` must come with ``x-labels`` giving words for exactly its codes."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from _label_problems(item, f"{where}/{i}")
        return
    if not isinstance(schema, dict):
        return
    # A condition (if / contains) tests codes; only enums an officer chooses from need words.
    if isinstance(schema.get("enum"), list) and "/if/" not in f"{where}/":
        labels = schema.get("x-labels")
        codes = [str(code) for code in schema["enum"]]
        if not isinstance(labels, dict):
            yield f"{where}: enum has no x-labels"
        else:
            missing = [code for code in codes if not str(labels.get(code, "")).strip()]
            extra = [code for code in labels if code not in codes]
            if missing:
                yield f"{where}: x-labels has no words for {', '.join(missing)}"
            if extra:
                yield f"{where}: x-labels names codes not in the enum: {', '.join(extra)}"
    for key, value in schema.items():
        if key not in ("x-labels", "x-messages", "enum", "const"):
            yield from _label_problems(value, f"{where}/{key}")
