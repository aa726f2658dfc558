"""The late-claim hint on the criminal case step is the deployed eligibility table's word: the draft's
facts run through it, as if sent today with no court decision, and the hint shows when the rule that
matches says ``deadline_missed``. Deploy a table with another deadline, and the hint follows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fund import PROJECT_ROOT
from fund.claims.process_versions import deploy_process
from tests.portal.test_portal_submission import NOW, answers, page, post_step


@pytest.fixture
def portal_clock(monkeypatch):
    """The portal's clock, frozen at Monday 2 March 2026, 14:00 in Almaty."""
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: NOW)
    monkeypatch.setattr("fund.portal.apply_views.utc_now", lambda: NOW)
    return NOW


def _hint(client, recognized_on: str, committed_on: str = "2022-01-10") -> str | None:
    """The deadline notice the case step shows for a draft recognised on ``recognized_on``, or None."""
    post_step(client, "who", answers()["who"])
    case = {**answers()["case"], "crime.committed_on": committed_on, "crime.recognized_on": recognized_on}
    post_step(client, "case", case)
    notice = page(client.get("/portal/apply/case")).xpath("//section[@aria-labelledby='deadline-heading']")
    return notice[0].text_content() if notice else None


def test_the_hint_shows_for_a_claim_recognised_more_than_three_years_ago(client, portal_clock):
    hint = _hint(client, "2023-03-01")
    assert hint is not None and "that time ended on March 1, 2026" in hint


def test_no_hint_for_a_claim_recognised_exactly_three_years_ago(client, portal_clock):
    assert _hint(client, "2023-03-02") is None  # the third anniversary itself is in time


def _deploy_with_deadline(tmp_path: Path, years: int) -> None:
    copy = tmp_path / "bpmn"
    shutil.copytree(PROJECT_ROOT / "bpmn", copy)
    table = copy / "eligibility.dmn"
    text = table.read_text(encoding="utf-8")
    rule = "submitted_on &lt;= add_years(recognized_on, 3)"
    assert text.count(rule) == 1
    table.write_text(text.replace(rule, f"submitted_on &lt;= add_years(recognized_on, {years})"), "utf-8")
    _version, new = deploy_process("tests", datetime(2026, 2, 1, 9, 0, tzinfo=UTC), copy)
    assert new


def test_the_hint_follows_the_deployed_table(client, portal_clock, tmp_path):
    assert _hint(client, "2024-02-01") is None  # two years and a month: in time under three years

    _deploy_with_deadline(tmp_path, years=2)

    hint = _hint(client, "2024-02-01")
    assert hint is not None and "that time ended on February 1, 2026" in hint
    assert _hint(client, "2024-03-02") is None  # two years to the day: in time


def test_a_longer_deadline_in_the_deployed_table_takes_the_hint_away(client, portal_clock, tmp_path):
    assert _hint(client, "2022-06-01", committed_on="2022-05-01") is not None

    _deploy_with_deadline(tmp_path, years=5)

    assert _hint(client, "2022-06-01", committed_on="2022-05-01") is None
