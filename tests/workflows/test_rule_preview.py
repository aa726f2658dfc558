"""Decision tables run on recorded facts (workflows.rule_preview) give what the process's own
business rule tasks give: the same engine, the same script environment, every fact the table reads."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

from workflows.decision_tables import evaluate_decision
from workflows.rule_preview import DecisionRules
from workflows.specs import read_process_files

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DECISIONS = ("eligibility", "required_documents")


def table(inputs: list[str], rules: list[tuple[list[str], str]], output_type: str = "string") -> bytes:
    """A one-output UNIQUE table: ``inputs`` are input expressions, each rule (cells, output)."""
    columns = "".join(
        f'<input id="i{n}"><inputExpression id="e{n}" typeRef="string"><text>{text}</text>'
        "</inputExpression></input>"
        for n, text in enumerate(inputs)
    )
    rows = "".join(
        f'<rule id="r{r}">'
        + "".join(
            f'<inputEntry id="r{r}i{n}"><text>{cell}</text></inputEntry>' for n, cell in enumerate(cells)
        )
        + f'<outputEntry id="r{r}o"><text>{output}</text></outputEntry></rule>'
        for r, (cells, output) in enumerate(rules)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="t">'
        '<decision id="answer" name="Answer"><decisionTable id="t" hitPolicy="UNIQUE">'
        f'{columns}<output id="o" name="answer" typeRef="{output_type}"/>{rows}'
        "</decisionTable></decision></definitions>"
    ).encode()


def fact_grid():
    """Facts across the tables' columns: articles, parts, harms, roles, minors, late claims."""
    articles = ["146", "128", "135", "116", "118", "120", "99", "187"]
    parts = [1, 3, "2", "3", "3-1"]  # whole numbers (older claims) and text (the law's "3-1")
    harms = ["none", "grave_harm", "death"]
    roles = ["victim", "representative", "successor"]
    for article, part, harm, role, born, late in itertools.product(
        articles, parts, harms, roles, [date(1990, 1, 15), date(2010, 3, 1)], [False, True]
    ):
        yield {
            "article": article,
            "article_part": part,
            "harm": harm,
            "claimant_role": role,
            "victim_birth_date": born,
            "committed_on": date(2025, 5, 1),
            "recognized_on": date(2021, 6, 1) if late else date(2025, 6, 1),
            "submitted_on": date(2026, 1, 5),
            "deadline_restored_by_court": False,
        }


def with_missing_facts_as_none(facts: dict, rules: DecisionRules) -> dict:
    return {name: None for name in rules.reads} | facts


def test_the_shipped_tables_decide_every_claim_as_the_process_does():
    rules = DecisionRules.of_version(read_process_files(BPMN), DECISIONS)
    for facts in fact_grid():
        data = with_missing_facts_as_none(facts, rules)
        expected = evaluate_decision(BPMN / "eligibility.dmn", "eligibility", data)
        expected |= evaluate_decision(BPMN / "required_documents.dmn", "required_documents", data | expected)
        assert rules.decide(facts, AT) == expected, facts


def test_a_fact_the_claim_did_not_record_is_none():
    rows = [(['"116"', "True"], '"group"'), (['"116"', "None"], '"not recorded"'), (["-", "-"], '"other"')]
    dmn = table(["article", "by_criminal_group"], rows)
    rules = DecisionRules({"t.dmn": dmn}, ["answer"])
    assert rules.reads == ("article", "by_criminal_group")
    assert rules.decide({"article": "116"}, AT) == {"answer": "not recorded"}
    assert rules.decide({"article": "116", "by_criminal_group": True}, AT) == {"answer": "group"}
    assert rules.decide({"article": "120"}, AT) == {"answer": "other"}


def test_answers_kept_for_the_same_column_values_are_right_for_other_facts():
    dmn = table(
        ["years_between(victim_birth_date, committed_on) &lt; 18"],
        [(["True"], '"minor"'), (["False"], '"adult"')],
    )
    rules = DecisionRules({"t.dmn": dmn}, ["answer"])
    ages = {
        date(2010, 1, 1): "minor",
        date(1990, 1, 1): "adult",
        date(2012, 1, 1): "minor",
        date(1970, 1, 1): "adult",
    }
    for born, answer in ages.items():
        facts = {"victim_birth_date": born, "committed_on": date(2025, 5, 1)}
        assert rules.decide(facts, AT) == {"answer": answer}


def test_a_cell_glued_to_its_column_as_text_is_still_run_by_the_engine():
    # "< 18" is glued to the expression: "years_between(...) < 18" — the answer depends on the facts.
    dmn = table(
        ["years_between(victim_birth_date, committed_on)"],
        [(["&lt; 18"], '"minor"'), (["&gt;= 18"], '"adult"')],
    )
    rules = DecisionRules({"t.dmn": dmn}, ["answer"])
    for born, answer in ((date(2010, 1, 1), "minor"), (date(1990, 1, 1), "adult")):
        assert rules.decide({"victim_birth_date": born, "committed_on": date(2025, 5, 1)}, AT) == {
            "answer": answer
        }


def test_a_table_that_reads_the_mci_uses_the_rates_of_each_claim():
    dmn = table(["harm"], [(["-"], "30 * mci_on(submitted_on)")], output_type="integer")
    rules = DecisionRules({"t.dmn": dmn}, ["answer"])
    facts = {"harm": "none", "submitted_on": date(2026, 1, 5)}
    assert rules.decide(facts, AT, ((date(2026, 1, 1), 4325),)) == {"answer": 129_750}
    assert rules.decide(facts, AT, ((date(2026, 1, 1), 4000),)) == {"answer": 120_000}
