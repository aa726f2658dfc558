"""What the deployed rules ask about a claimant's crime, and whether they find a draft late.

Both are read from the eligibility table of the process version new claims start on (the most
recently deployed), never from a copy of the law in Python: deploy a table that names another
paragraph, or another deadline, and the portal asks and explains accordingly.

* :func:`crime_questions`: for an article and part whose rules differ by paragraph or by the
  qualifier "committed by a criminal group", which of the two to ask (and the paragraphs the
  rules name). Worked out once per version (:mod:`workflows.table_questions`).
* :func:`deadline_missed` / :func:`deadline_ended_on`: the table run on the draft's facts, as if
  the claim were sent today and no court had restored the deadline: late when the rule that
  matches gives the reason ``deadline_missed``. The last day in time is the last day on which the
  table does not say so (found by halving the days since the recognition).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fund.claims.process_versions import (
    ProcessVersionUnusable,
    current_process_version,
    stored_process_files,
)
from workflows.scripting import FUND_TIME_ZONE
from workflows.specs import SpecValidationError
from workflows.table_questions import Decision

log = logging.getLogger(__name__)

ELIGIBILITY = "eligibility"
CRIME_KEYS = ("article", "article_part")  # the table's input columns naming the crime
PARAGRAPH = "article_paragraph"
BY_CRIMINAL_GROUP = "by_criminal_group"
DEADLINE_MISSED = "deadline_missed"  # the reason the table gives a claim filed late
PARAGRAPHS_THE_SCHEMA_TAKES = range(1, 10)  # crime.paragraph: 1 to 9


@dataclass(frozen=True)
class CrimeQuestions:
    """What the rules need besides the article and part: nothing, a paragraph, the qualifier."""

    paragraphs: tuple[int, ...] = ()  # the paragraphs the rules name; empty when not asked
    by_criminal_group: bool = False

    @property
    def any(self) -> bool:
        return bool(self.paragraphs) or self.by_criminal_group


@dataclass(frozen=True)
class _Eligibility:
    decision: Decision
    questions: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]]


@functools.lru_cache(maxsize=8)
def _eligibility_of(version: str) -> _Eligibility | None:
    """The eligibility table of a deployed version and its questions (a version never changes)."""
    try:
        decision = Decision.of_files(stored_process_files(version).matching(".dmn"), ELIGIBILITY)
        questions = decision.columns_that_matter(CRIME_KEYS, (PARAGRAPH, BY_CRIMINAL_GROUP))
    except (ProcessVersionUnusable, SpecValidationError) as error:
        log.error("process version %s: the portal cannot read its eligibility table: %s", version[:12], error)
        return None
    return _Eligibility(decision, questions)


def _deployed() -> _Eligibility | None:
    version = current_process_version()
    return _eligibility_of(version.version) if version is not None else None


def crime_questions(article: str, part: str) -> CrimeQuestions:
    """What to ask about the crime named by ``article`` and ``part`` (as the claimant wrote them)."""
    eligibility = _deployed()
    if eligibility is None:
        return CrimeQuestions()
    matter = eligibility.questions.get((article.strip(), part.strip()), {})
    return CrimeQuestions(
        paragraphs=tuple(
            value for value in matter.get(PARAGRAPH, ()) if value in PARAGRAPHS_THE_SCHEMA_TAKES
        ),
        by_criminal_group=BY_CRIMINAL_GROUP in matter,
    )


def _late(eligibility: _Eligibility, facts: Mapping[str, Any], sent_on: date) -> bool:
    at = datetime.combine(sent_on, time(12), tzinfo=FUND_TIME_ZONE)
    outputs = eligibility.decision.decide(
        {**facts, "submitted_on": sent_on, "deadline_restored_by_court": False}, at
    )
    return outputs.get("eligibility_reason") == DEADLINE_MISSED


def _late_today(eligibility: _Eligibility | None, facts: Mapping[str, Any], today: date) -> bool:
    if eligibility is None or not isinstance(facts.get("recognized_on"), date):
        return False
    try:
        return _late(eligibility, facts, today)
    except Exception:  # noqa: BLE001 - a table that cannot decide on a draft gives no hint
        return False


def deadline_missed(facts: Mapping[str, Any], today: date) -> bool:
    """Whether the deployed rules find a claim with these facts, sent today, late.

    ``facts`` are the table's (``recognized_on``, ``article``, ...; None where the draft has no
    answer yet). False when the rules cannot decide on them (a half-typed draft, a date whose
    deadline would be past the calendar's last day): the hint is then simply not shown.
    """
    return _late_today(_deployed(), facts, today)


def deadline_ended_on(facts: Mapping[str, Any], today: date) -> date | None:
    """The last day on which the deployed rules find the claim in time, when sent today is late.

    None when sent today is in time, or the rules cannot decide. The days from the recognition to
    today are halved until the last day in time is found (about a dozen runs of the table).
    """
    eligibility = _deployed()
    if eligibility is None or not _late_today(eligibility, facts, today):
        return None
    recognized_on: date = facts["recognized_on"]
    in_time, late = max(recognized_on, date.min + timedelta(days=1)) - timedelta(days=1), today
    while (late - in_time).days > 1:
        middle = in_time + (late - in_time) // 2
        try:
            is_late = _late(eligibility, facts, middle)
        except Exception:  # noqa: BLE001 - the table got past its deadline rule: in time
            is_late = False
        if is_late:
            late = middle
        else:
            in_time = middle
    return in_time
