"""The rules' results in words: which decision-table rule matched and why, the amount calculation,
and an officer's form answers as the form's own labels put them.

Everything is read from what the claim recorded (the engine's steps, the process data) and from
the files of the process version the claim runs on, so an explanation always matches the rules
that actually decided, even after the rules changed for new claims.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from flask_babel import gettext
from lxml import etree
from sqlalchemy import select

from fund.extensions import db
from fund.models import MciRate
from workflows.forms import CODES_FILE
from workflows.specs import ProcessSpec

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
HIT_POLICY_WORDS = {
    "UNIQUE": "exactly one rule of the table can apply to a claim",
    "FIRST": "the first rule that applies decides",
    "COLLECT": "every rule that applies adds to the result",
    "ANY": "every rule that applies gives the same result",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_COMPARISON = re.compile(r"^\?\s*(!=|==|<=|>=|<|>)\s*(.+)$")
_MEMBERSHIP = re.compile(r"^\?\s*(not\s+in|in)\s*\((.*)\)$")
# "? is not True": a yes/no fact that may not have been given (None), e.g. by_criminal_group.
_IDENTITY_WORDS = {
    "? is True": "is yes",
    "? is False": "is no",
    "? is None": "is not given",
    "? is not True": "is no or not given",
    "? is not False": "is yes or not given",
    "? is not None": "is given",
}
_COMPARISON_WORDS = {
    "!=": "is not",
    "==": "is",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
}


@dataclass(frozen=True)
class RuleExplanation:
    """One matched row of a decision table: its note, the conditions it tests, what it gives."""

    row: int
    description: str
    conditions: list[tuple[str, str]]  # (input, condition in words [+ this claim's value])
    outputs: list[tuple[str, str]]  # (output, value)


@dataclass(frozen=True)
class DecisionExplanation:
    """A business rule task the claim went through, with the rules that decided."""

    step: str  # the BPMN task's name, e.g. "Determine eligibility"
    table: str  # the decision's name, e.g. "Eligibility and amount"
    hit_policy: str
    hit_policy_words: str
    rules: list[RuleExplanation]


@dataclass(frozen=True)
class AmountCalculation:
    """MCI × rate = tenge, and whether the rate is the one fixed by the decision."""

    amount_mci: int
    mci_rate: int | None
    amount_kzt: int | None
    final: bool
    rate_note: str


@dataclass(frozen=True)
class _Table:
    name: str
    inputs: list[tuple[str, str]]  # (label, expression)
    outputs: list[str]
    rules: list[tuple[str, list[str], list[str]]]  # (description, input entries, output entries)


def _text(element) -> str:
    return (element.findtext(f"{{{DMN_NS}}}text") or "").strip() if element is not None else ""


@lru_cache(maxsize=16)
def _decision_tables(version: str, dmn_files: tuple[tuple[str, bytes], ...]) -> dict[str, _Table]:
    """Every decision table of a version's DMN files, by table id (a version never changes)."""
    tables = {}
    for _path, content in dmn_files:
        root = etree.fromstring(content, _PARSER)
        for decision in root.iter(f"{{{DMN_NS}}}decision"):
            for table in decision.iter(f"{{{DMN_NS}}}decisionTable"):
                inputs = [
                    (element.get("label") or "", _text(element.find(f"{{{DMN_NS}}}inputExpression")))
                    for element in table.findall(f"{{{DMN_NS}}}input")
                ]
                outputs = [
                    element.get("label") or element.get("name") or ""
                    for element in table.findall(f"{{{DMN_NS}}}output")
                ]
                rules = [
                    (
                        (rule.findtext(f"{{{DMN_NS}}}description") or "").strip(),
                        [_text(entry) for entry in rule.findall(f"{{{DMN_NS}}}inputEntry")],
                        [_text(entry) for entry in rule.findall(f"{{{DMN_NS}}}outputEntry")],
                    )
                    for rule in table.findall(f"{{{DMN_NS}}}rule")
                ]
                tables[table.get("id")] = _Table(decision.get("name") or "", inputs, outputs, rules)
    return tables


def _plain(value: str) -> str:
    """A DMN literal as people read it: no quotes; True/False as yes/no."""
    value = value.strip()
    if value in ("True", "False"):
        return "yes" if value == "True" else "no"
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace("_", " ")
    return value


def condition_words(entry: str) -> str | None:
    """A DMN input entry in words (``? in ("a", "b")`` -> "is one of: a, b"); None for "-"."""
    entry = entry.strip()
    if entry in ("", "-"):
        return None
    membership = _MEMBERSHIP.match(entry)
    if membership:
        values = ", ".join(_plain(part) for part in membership.group(2).split(",") if part.strip())
        if membership.group(1) != "in":
            return gettext("is none of: %(values)s", values=values)
        return gettext("is one of: %(values)s", values=values)
    comparison = _COMPARISON.match(entry)
    if comparison:
        return f"{gettext(_COMPARISON_WORDS[comparison.group(1)])} {_plain(comparison.group(2))}"
    if " ".join(entry.split()) in _IDENTITY_WORDS:
        return gettext(_IDENTITY_WORDS[" ".join(entry.split())])
    if entry.startswith("?"):
        return gettext("meets: %(entry)s", entry=entry)
    return gettext("is %(value)s", value=_plain(entry))


def _claim_value(expression: str, data: dict[str, Any]) -> str | None:
    """This claim's value of an input that is a plain data name (computed inputs give None)."""
    if expression in data and not isinstance(data[expression], dict | list):
        value = data[expression]
        return ("yes" if value else "no") if isinstance(value, bool) else str(value).replace("_", " ")
    return None


def explain_decisions(
    process: ProcessSpec, steps: list[dict[str, Any]], data: dict[str, Any]
) -> list[DecisionExplanation]:
    """The latest run of every business rule task in ``steps``, with its matched rules in words."""
    dmn_files = tuple(process.files.matching(".dmn").items())
    tables = _decision_tables(process.version, dmn_files)
    latest: dict[str, dict[str, Any]] = {}
    for step in steps:
        if isinstance(step.get("decision"), dict):
            latest[step["task"]] = step
    explained = []
    for step in latest.values():
        decision = step["decision"]
        table = tables.get(decision.get("table"))
        rules = []
        for matched in decision.get("rules", []):
            row = int(matched.get("row", 0))
            conditions: list[tuple[str, str]] = []
            outputs: list[tuple[str, str]] = []
            if table is not None and 1 <= row <= len(table.rules):
                _, entries, results = table.rules[row - 1]
                for (input_label, expression), entry in zip(table.inputs, entries, strict=False):
                    words = condition_words(entry)
                    if words is None:
                        continue
                    actual = _claim_value(expression, data)
                    if actual:
                        words = gettext(
                            "%(condition)s (this claim: %(value)s)", condition=words, value=actual
                        )
                    conditions.append((input_label, words))
                outputs = [(name, _plain(value)) for name, value in zip(table.outputs, results, strict=False)]
            rules.append(RuleExplanation(row, matched.get("description", ""), conditions, outputs))
        policy = str(decision.get("hit_policy", ""))
        explained.append(
            DecisionExplanation(
                step=step.get("title", step["task"]),
                table=table.name if table is not None else str(decision.get("table", "")),
                hit_policy=policy,
                hit_policy_words=HIT_POLICY_WORDS.get(policy, ""),
                rules=rules,
            )
        )
    return explained


def mci_rate_on(day: date) -> tuple[date, int] | None:
    """The MCI in force on ``day``: (effective date, tenge)."""
    row = db.session.execute(
        select(MciRate.effective_from, MciRate.amount_kzt)
        .where(MciRate.effective_from <= day)
        .order_by(MciRate.effective_from.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def amount_calculation(data: dict[str, Any], today: date) -> AmountCalculation | None:
    """The amount as MCI × rate = tenge: fixed once approved, an estimate at today's MCI before."""
    amount_mci = data.get("amount_mci")
    if not isinstance(amount_mci, int):
        return None
    if data.get("amount_kzt") is not None and data.get("mci_rate"):
        decided = data.get("decision_date") or ""
        return AmountCalculation(
            amount_mci,
            int(data["mci_rate"]),
            int(data["amount_kzt"]),
            True,
            gettext(
                "the MCI in force on the decision date (%(date)s); this is the amount paid",
                date=_day(decided),
            ),
        )
    rate = mci_rate_on(today)
    if rate is None:
        return AmountCalculation(amount_mci, None, None, False, gettext("no MCI rate is recorded for today"))
    effective_from, kzt = rate
    return AmountCalculation(
        amount_mci,
        kzt,
        amount_mci * kzt,
        False,
        gettext(
            "the MCI in force today (since %(date)s); "
            "the amount paid uses the MCI in force on the decision date",
            date=effective_from.strftime("%d.%m.%Y"),
        ),
    )


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


# --- form answers ----------------------------------------------------------------------------


def document_labels(process: ProcessSpec) -> dict[str, str]:
    """Words for the document codes of a version (``codes.json``)."""
    return dict(_code_labels(process.version, process.files.files.get(f"forms/{CODES_FILE}", b"{}")))


@lru_cache(maxsize=16)
def _code_labels(version: str, codes_json: bytes) -> tuple[tuple[str, str], ...]:
    codes = json.loads(codes_json)
    labels = codes.get("$defs", {}).get("document_code", {}).get("x-labels", {})
    return tuple(labels.items())


def answers_in_words(form: dict[str, Any] | None, data: dict[str, Any], masker) -> list[tuple[str, str]]:
    """(question, answer) pairs for form data, in the form's order, with its labels for codes.

    ``masker(name, value)`` returns the value to show for personal data (an IBAN) or None.
    """
    properties = (form or {}).get("properties", {})
    names = [name for name in properties if name in data] + [name for name in data if name not in properties]
    answers = []
    for name in names:
        spec = properties.get(name, {})
        value = data[name]
        masked = masker(name, value)
        if masked is not None:
            shown = masked
        elif isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, list):
            labels = spec.get("items", {}).get("x-labels", {})
            shown = "; ".join(labels.get(str(item), str(item)) for item in value) or "none"
        elif isinstance(value, dict):
            shown = ", ".join(f"{key}: {item}" for key, item in value.items())
        else:
            shown = spec.get("x-labels", {}).get(str(value), str(value))
        answers.append((spec.get("title") or name.replace("_", " ").capitalize(), shown))
    return answers
