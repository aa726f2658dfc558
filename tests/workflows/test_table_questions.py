"""Which columns of a decision table matter for a pair of key values, read from the table itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fund import PROJECT_ROOT
from workflows.process_files import read_process_files
from workflows.table_questions import Decision


def _eligibility() -> Decision:
    return Decision.of_files(read_process_files(PROJECT_ROOT / "bpmn").matching(".dmn"), "eligibility")


def test_the_eligibility_table_says_which_article_and_part_need_a_paragraph_or_the_qualifier():
    matter = _eligibility().columns_that_matter(
        ("article", "article_part"), ("article_paragraph", "by_criminal_group")
    )

    assert matter[("120", "3")] == {"article_paragraph": (2,)}
    assert matter[("120", "3-2")] == {"article_paragraph": (1, 3)}
    assert matter[("128", "4")] == {"article_paragraph": (1, 2)}
    assert matter[("116", "1")] == {"by_criminal_group": (True, False)}
    assert matter[("116", "3")] == {"by_criminal_group": (True, False)}
    for not_asked in (("146", "2"), ("146", "3"), ("120", "4"), ("124", "1"), ("116", "4")):
        assert not_asked not in matter
    assert all(
        article in {"106", "116", "120", "121", "125", "126", "127", "128", "135"} for article, _ in matter
    )


def test_a_decision_runs_on_facts_as_a_business_rule_task_would():
    facts = {
        "article": "146",
        "article_part": "2",
        "article_paragraph": None,
        "by_criminal_group": None,
        "harm": "none",
        "claimant_role": "victim",
        "victim_birth_date": date(1990, 1, 15),
        "committed_on": date(2025, 5, 1),
        "recognized_on": date(2025, 6, 1),
        "submitted_on": date(2026, 3, 2),
        "deadline_restored_by_court": False,
    }
    decision = _eligibility()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)

    assert decision.decide(facts, at)["eligibility_reason"] == "torture"
    late = {**facts, "submitted_on": date(2028, 6, 2)}
    assert decision.decide(late, at)["eligibility_reason"] == "deadline_missed"
