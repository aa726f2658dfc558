"""The claim's diagram shows the way the claim really went: only the flows it took are drawn as taken
(on the claim page and at every step of the auditors' replay), and the page opens on where the
claim is, with the whole process one link away, without JavaScript.

Two flows lead from "Documents complete?" to the review: "Complete" and "Incomplete after five
requests". The claim's steps alone cannot tell them apart; the gateway's recorded run can.
"""

from __future__ import annotations

import pytest

from fund.audit.replay_cache import REPLAYS
from tests.conftest import DOCUMENTS_MISSING
from tests.officer_helpers import browser, freeze_clock, html, main_text, post_with_token

COMPLETE = "flow_documents_check_to_start_review_round"
AT_LIMIT = "flow_documents_check_to_start_review_round_at_limit"
INCOMPLETE = "flow_documents_check_to_request_documents"
SUBMITTED = "flow_await_documents_to_intake_check"
DOCUMENTS = {"documents": ["forensic_medical_report"]}


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def complete_then_approved(submit, officers, web_clock) -> str:
    """Documents complete at the first check, reviewed, approved."""
    REPLAYS.clear()
    reference = submit()["reference"]
    for step in (officers.check_documents, officers.review, officers.approve):
        web_clock.advance(days=1)
        step(reference)
    return reference


@pytest.fixture
def asked_twice_for_documents(submit, officers, web_clock) -> str:
    """Documents missing twice (the claim loops back to the intake check twice), then complete."""
    REPLAYS.clear()
    reference = submit()["reference"]
    for _ in range(2):
        web_clock.advance(days=1)
        officers.check_documents(reference, DOCUMENTS_MISSING)
        web_clock.advance(days=3)
        response = officers.deliver(reference, "documents_submitted", DOCUMENTS, "ivan")
        assert response.status_code == 200, response.get_json()
    web_clock.advance(days=1)
    officers.check_documents(reference)
    return reference


def flows(page) -> dict[str, str]:
    """Each drawn flow's id and whether it is drawn as taken."""
    return {
        g.get("data-element-id"): "taken" if "flow-taken" in g.get("class") else "other"
        for g in page.xpath("//*[local-name()='g'][contains(@class, 'bpmn-flow')]")
    }


def test_a_claim_whose_documents_were_complete_shows_only_the_complete_flow_taken(
    app, staff, complete_then_approved
):
    officer = browser(app, staff, "ivan", "intake")

    drawn = flows(html(officer.get(f"/claims/{complete_then_approved}")))

    assert drawn[COMPLETE] == "taken"
    assert drawn[AT_LIMIT] == "other"  # the claim was never asked for documents five times
    assert drawn[INCOMPLETE] == "other"


def test_a_claim_that_looped_back_twice_for_documents_shows_the_loop_taken(
    app, staff, asked_twice_for_documents
):
    officer = browser(app, staff, "ivan", "intake")

    drawn = flows(html(officer.get(f"/claims/{asked_twice_for_documents}")))

    assert drawn[INCOMPLETE] == drawn[SUBMITTED] == drawn[COMPLETE] == "taken"
    assert drawn[AT_LIMIT] == "other"


def test_every_replay_step_shows_only_the_flows_taken_so_far(app, staff, complete_then_approved):
    auditor = browser(app, staff, "aida", "auditor")
    base = f"/audit/claims/{complete_then_approved}/replay"
    last = int(main_text(auditor.get(base)).split("Step 1 of ")[1].split()[0])

    seen = {}
    for number in range(1, last + 1):
        page = html(auditor.get(f"{base}?step={number}"))
        drawn = flows(page)
        assert drawn[AT_LIMIT] == "other", number
        seen[number] = drawn[COMPLETE]
        if "Check documents" in page.xpath("string(//h2[@id='step-title'])"):
            checked = number
            # The gateway path of that step names the one flow taken, not both.
            paths = page.xpath("string(//h3[.='Gateway paths taken']/following-sibling::*[1])")
            assert "Documents complete? → Start review round (Complete)" in " ".join(paths.split())
            assert "Incomplete after five requests" not in paths
    assert seen[1] == "other" and seen[checked] == seen[last] == "taken"


def test_the_diagram_opens_on_the_current_step_with_a_link_to_the_whole_process(
    app, staff, complete_then_approved
):
    officer = browser(app, staff, "farida", "finance")
    url = f"/claims/{complete_then_approved}"

    page = html(officer.get(url))

    (svg,) = page.xpath("//figure[@id='process-diagram']/*[local-name()='svg']")
    x, y, width, height = (float(n) for n in svg.get("viewbox").split())
    assert width <= 1100  # it fits the page's diagram box at its own size
    (wait,) = page.xpath("//*[@data-element-id='payment_wait']")
    assert wait.get("data-state") == "current"
    points = [
        float(n) for n in wait.xpath(".//*[local-name()='polygon']/@points")[0].replace(",", " ").split()
    ]
    xs, ys = points[0::2], points[1::2]
    assert x < min(xs) and max(xs) < x + width and y < min(ys) and max(ys) < y + height
    (whole_link,) = page.xpath("//p[@class='diagram-view']/a/@href")
    assert whole_link == f"{url}?diagram=whole#process-diagram"

    whole = html(officer.get(f"{url}?diagram=whole"))
    (full,) = whole.xpath("//figure[@id='process-diagram']/*[local-name()='svg']")
    assert float(full.get("viewbox").split()[2]) > 2 * width  # the whole process
    assert whole.xpath("//p[@class='diagram-view']/a/@href") == [f"{url}?diagram=focus#process-diagram"]
    assert whole.xpath("//script") == page.xpath("//script") == []
    # The page shown after "Show personal data" (a POST) links to the claim page, not to the POST.
    shown = html(post_with_token(officer, f"{url}/personal-data"))
    assert shown.xpath("//p[@class='diagram-view']/a/@href") == [f"{url}?diagram=whole#process-diagram"]
