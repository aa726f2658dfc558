"""The forms officers fill in at each user task, and the engine's check of what they submit.

A form is a JSON Schema (draft 2020-12) in ``bpmn/forms/NAME.json``. The code lists that several
forms share (documents, rejection reasons) live once in ``bpmn/forms/codes.json``; forms refer to
them with ``"$ref": "codes.json#/$defs/..."``. :func:`load_form` resolves those references through a
``referencing`` registry and inlines them, so a loaded form is self-contained: pages build the HTML
form from it and letters read the ``x-labels`` (code -> plain English) straight from it.

Error messages are for officers, not for programmers. A rule whose generic message would not say
why it applies (an ``if``/``then`` requirement, an IBAN pattern) carries its own message in the
schema, next to the rule: ``"x-messages": {"minItems": "must list at least one reason when ..."}``.

A field may declare a ``format`` the engine checks (``"format": "kz-iban"``: a Kazakh IBAN with
right check digits, the claim form's own check); :mod:`workflows.formats` lists them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from .formats import FORM_FORMATS, format_message

CODES_FILE = "codes.json"
FORM_LEVEL = ""

_FORM_NAME = re.compile(r"[a-z][a-z0-9_]*")
_FILE_NAME = re.compile(r"[a-z][a-z0-9_]*\.json")
_MAX_REF_DEPTH = 16
# Keywords that only describe; a form may override them beside a "$ref" (e.g. its own title).
_ANNOTATIONS = frozenset({"title", "description", "x-labels", "x-messages", "$comment", "examples"})
_TYPE_WORDS = {
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


class FormNotFound(LookupError):
    """No form of that name is shipped in the forms folder."""


class FormDefinitionError(ValueError):
    """A shipped form cannot be used: bad JSON or a reference that does not resolve."""


class FormDataInvalid(ValueError):
    """Submitted form data broke the form's rules; ``errors`` maps field name to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{field or 'form'}: {', '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(f"form data is not valid: {summary}")


def form_names(forms_dir: Path) -> list[str]:
    """Names of the forms shipped in ``forms_dir`` (every ``*.json`` but the code lists), sorted."""
    return sorted(path.stem for path in Path(forms_dir).glob("*.json") if path.name != CODES_FILE)


def load_form(forms_dir: Path, name: str) -> dict[str, Any]:
    """Load the form ``name`` (e.g. ``"intake_check"``) with every ``$ref`` resolved and inlined.

    Raises :class:`FormNotFound` when there is no such form and :class:`FormDefinitionError` when
    the file is not JSON or refers to something that does not exist.
    """
    forms_dir = Path(forms_dir)
    file_name = f"{name}.json"
    if not _FORM_NAME.fullmatch(name) or file_name == CODES_FILE or not (forms_dir / file_name).is_file():
        known = ", ".join(form_names(forms_dir)) or "none"
        raise FormNotFound(f"no form named {name!r} in {forms_dir} (forms: {known})")
    return _resolve(read_json(forms_dir / file_name), file_name, _file_retriever(forms_dir))


def resolve_form(documents: Mapping[str, Any], file_name: str) -> dict[str, Any]:
    """The form ``documents[file_name]`` with every ``$ref`` inlined from ``documents``.

    For forms held in memory (a deployed process version) rather than in a folder: ``documents``
    maps file names (``"codes.json"``, ``"review.json"``) to their parsed JSON. Raises
    :class:`FormNotFound` or :class:`FormDefinitionError` as :func:`load_form` does.
    """
    if file_name not in documents or file_name == CODES_FILE:
        raise FormNotFound(f"no form named {file_name!r} (forms: {', '.join(sorted(documents)) or 'none'})")

    def retrieve(uri: str) -> Resource:
        if uri not in documents:
            raise NoSuchResource(ref=uri)
        return DRAFT202012.create_resource(documents[uri])

    return _resolve(documents[file_name], file_name, retrieve)


def _resolve(contents: Any, file_name: str, retrieve: Callable[[str], Resource]) -> dict[str, Any]:
    """Inline the references of the form ``file_name``, fetching other files through ``retrieve``."""
    registry = Registry(retrieve=retrieve).with_resource(file_name, DRAFT202012.create_resource(contents))
    try:
        form = _inline_refs(contents, registry.resolver(base_uri=file_name), depth=0)
    except FormDefinitionError as exc:
        raise FormDefinitionError(f"{file_name}: {exc}") from exc
    if not isinstance(form, dict):
        raise FormDefinitionError(f"{file_name}: a form must be a JSON object")
    return form


def validate_form_data(form: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    """Check submitted data against a form from :func:`load_form`; ``{}`` when valid.

    Otherwise errors are keyed by field name (``""`` for the form as a whole) and say in plain
    English what is allowed. A conditional requirement is reported on the field it concerns; a
    field the form does not declare is reported on that field.
    """
    errors: dict[str, list[str]] = {}
    found = list(Draft202012Validator(form, format_checker=FORM_FORMATS).iter_errors(data))
    # A value that already breaks another rule (an IBAN's pattern) is not also told its format is
    # wrong: the second message would only repeat the first in other words.
    broken = {tuple(error.absolute_path) for error in found if error.validator != "format"}
    for error in found:
        if error.validator == "format" and tuple(error.absolute_path) in broken:
            continue
        for field, message in _describe(error):
            messages = errors.setdefault(field, [])
            if message not in messages:
                messages.append(message)
    return errors


def clean_form_data(form: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` and return a copy holding only the form's declared fields, in form order.

    Raises :class:`FormDataInvalid` (with the same errors as :func:`validate_form_data`) when the
    data breaks the form's rules, so unchecked input never reaches the workflow.
    """
    errors = validate_form_data(form, data)
    if errors:
        raise FormDataInvalid(errors)
    return {field: copy.deepcopy(data[field]) for field in form.get("properties", {}) if field in data}


# --- loading -------------------------------------------------------------------------------------


def read_json(path: Path) -> Any:
    """The parsed JSON file at ``path``; :class:`FormDefinitionError` when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormDefinitionError(f"{path.name}: not valid JSON: {exc}") from exc


def _file_retriever(forms_dir: Path) -> Callable[[str], Resource]:
    """Fetch ``codes.json`` (or another file of the forms folder) when a reference first needs it.

    Only plain file names of that folder are served: a reference cannot reach anywhere else.
    """

    def retrieve(uri: str) -> Resource:
        path = forms_dir / uri
        if not _FILE_NAME.fullmatch(uri) or not path.is_file():
            raise NoSuchResource(ref=uri)
        return DRAFT202012.create_resource(read_json(path))

    return retrieve


def _definition_error_behind(exc: BaseException) -> FormDefinitionError | None:
    """The broken-file error that made a reference unresolvable, if that was the cause."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, FormDefinitionError):
            return cause
        cause = cause.__cause__
    return None


def _inline_refs(node: Any, resolver: Any, depth: int) -> Any:
    """A copy of ``node`` with each ``{"$ref": ...}`` replaced by what it points to."""
    if isinstance(node, list):
        return [_inline_refs(item, resolver, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" not in node:
        return {key: _inline_refs(value, resolver, depth) for key, value in node.items()}
    if depth >= _MAX_REF_DEPTH:
        raise FormDefinitionError(f"references nest too deep: is {node['$ref']!r} circular?")
    try:
        resolved = resolver.lookup(node["$ref"])
    except Unresolvable as exc:
        raise _definition_error_behind(exc) or FormDefinitionError(
            f"reference {node['$ref']!r} does not resolve"
        ) from exc
    target = _inline_refs(resolved.contents, resolved.resolver, depth + 1)
    if not isinstance(target, dict):
        raise FormDefinitionError(f"reference {node['$ref']!r} does not point to a schema object")
    target = {key: value for key, value in target.items() if key not in ("$schema", "$id")}
    siblings = {key: _inline_refs(value, resolver, depth) for key, value in node.items() if key != "$ref"}
    clashes = (target.keys() & siblings.keys()) - _ANNOTATIONS
    if clashes:
        raise FormDefinitionError(
            f"beside reference {node['$ref']!r}, these rules would override the referenced ones: "
            + ", ".join(sorted(clashes))
        )
    return {**target, **siblings}


# --- error messages ------------------------------------------------------------------------------


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(field, plain-English message) pairs for one jsonschema error."""
    path = list(error.absolute_path)
    keyword = str(error.validator)
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}

    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for field in error.validator_value:
            if field not in present:
                yield _field_of(path, field), custom.get("required", "is required")
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        declared = list(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        allowed = ", ".join(declared) or "none"
        for field in error.instance:
            if field not in declared and not any(re.search(p, field) for p in patterns):
                yield _field_of(path, field), f"is not a field of this form (the fields are: {allowed})"
        return

    field = str(path[0]) if path else FORM_LEVEL
    if keyword in custom:
        yield field, custom[keyword]
        return
    message = _generic_message(keyword, error.validator_value, error.instance)
    if not path and keyword == "type":
        message = "the form data " + message
    elif len(path) > 1 and isinstance(path[1], int):
        message = f"item {path[1] + 1} ({_show(error.instance)}) {message}"
    yield field, message


def _field_of(path: list[Any], name: str) -> str:
    """The top-level field concerned by a rule on ``name`` at ``path``."""
    return str(path[0]) if path else name


def _generic_message(keyword: str, rule: Any, value: Any) -> str:
    """A plain-English message for a rule that carries no ``x-messages`` entry of its own."""
    if keyword == "enum":
        return "must be one of: " + ", ".join(str(code) for code in rule)
    if keyword == "const":
        return f"must be {_show(rule)}"
    if keyword == "type":
        kinds = [rule] if isinstance(rule, str) else list(rule)
        return "must be " + " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)
    if keyword == "minLength":
        return f"must be at least {rule} characters long"
    if keyword == "maxLength":
        return f"must be at most {rule} characters long"
    if keyword == "minItems":
        return f"must list at least {rule}" if rule != 1 else "must list at least one"
    if keyword == "maxItems":
        return f"must list at most {rule}" if rule else "must be empty"
    if keyword == "uniqueItems":
        repeated = (
            [item for i, item in enumerate(value) if item in value[:i]] if isinstance(value, list) else []
        )
        shown = ", ".join(dict.fromkeys(_show(item) for item in repeated))
        return f"must not list the same value twice ({shown} repeated)" if shown else "must not repeat values"
    if keyword == "pattern":
        return "is not in the expected format"
    if keyword == "format":
        return format_message(rule, value)
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "exclusiveMinimum": "more than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }
        return f"must be {words[keyword]} {rule}"
    return "is not valid"


def _show(value: Any) -> str:
    """A value as an officer would recognise it in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)
