"""The replay shows what was recorded as people wrote it: Kazakh and Russian as letters, never as
``\\uXXXX`` escapes, and markup in a recorded text as text.
"""

from __future__ import annotations

import pytest

from fund.audit.replay_cache import REPLAYS
from tests.conftest import TORTURE_REVIEW_APPROVE
from tests.officer_helpers import browser, freeze_clock, html, main_text

OFFICE = "Алматы қаласының прокуратурасы"  # Kazakh: ә, ң, ұ, қ, ы
REASON = "Счёт закрыт <b>банком</b> & «Қазпошта»"  # Russian with markup and an ampersand


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def reviewed_in_kazakh_and_failed_in_russian(submit, officers, web_clock) -> str:
    """Айгүл Сәрсенова's claim: reviewed with a Kazakh office name, its payment failed (Russian)."""
    REPLAYS.clear()
    reference = submit()["reference"]
    web_clock.advance(days=1)
    officers.check_documents(reference)
    task = officers.task(reference, "review_torture", "rita")
    response = officers.complete(task["id"], dict(TORTURE_REVIEW_APPROVE, prosecutor_office=OFFICE), "rita")
    assert response.status_code == 200, response.get_json()
    officers.approve(reference)
    response = officers.deliver(
        reference, "payment_failed", {"batch": "PB-2026-001", "reason": REASON}, "farida"
    )
    assert response.status_code == 200, response.get_json()
    return reference


def test_recorded_kazakh_and_russian_text_is_shown_as_letters(
    app, staff, reviewed_in_kazakh_and_failed_in_russian
):
    auditor = browser(app, staff, "aida", "auditor")
    base = f"/audit/claims/{reviewed_in_kazakh_and_failed_in_russian}/replay"
    responses = []
    step = 1
    while True:
        response = auditor.get(f"{base}?step={step}")
        assert response.status_code == 200
        responses.append(response)
        if f"Step {step} of {step}" in main_text(response):
            break
        step += 1

    everything = "\n".join(r.get_data(as_text=True) for r in responses)
    assert "\\u04" not in everything and "\\u00ab" not in everything and "\\u0027" not in everything

    def recorded(response) -> str:
        return "\n".join(html(response).xpath("//pre[@class='json']/text()"))

    assert any(f'"prosecutor_office": "{OFFICE}"' in recorded(r) for r in responses)
    (failed,) = [r for r in responses if "Счёт закрыт" in recorded(r) and "payment_failed" in recorded(r)]
    assert f'"reason": "{REASON}"' in recorded(failed)  # the markup is text, not an element
    assert html(failed).xpath("//pre[@class='json']//b") == []
