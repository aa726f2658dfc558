"""The claim page's diagram opens on the claim's current step, in chromium with JavaScript off: the
current task's shape is inside the diagram's box on first view, and the whole process is a link
away. Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fund.claims.submission import submit_claim
from tests.conftest import DOCUMENTS_COMPLETE, TORTURE_REVIEW_APPROVE, claim_body
from tests.e2e.conftest import sign_in
from tests.e2e.test_auditor_flow import _work


def _inside(inner: dict, outer: dict) -> bool:
    return (
        outer["x"] <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and outer["y"] <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


def test_the_claim_diagram_opens_on_the_current_step_without_javascript(live_server, browser, shot):
    live_server.user("ivan", "intake")
    live_server.user("rita", "reviewer")
    live_server.user("alma", "approver")
    start = datetime.now(UTC) - timedelta(days=1)
    reference = live_server.run(submit_claim, claim_body(), start).reference
    live_server.run(
        _work,
        reference,
        [("ivan", "intake_check", DOCUMENTS_COMPLETE), ("rita", "review_torture", TORTURE_REVIEW_APPROVE)],
        start,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, "alma")
        page.goto(f"{live_server.url}/claims/{reference}")

        figure = page.locator("figure#process-diagram")
        current = figure.locator("g[data-element-id='approval'][data-state='current'] rect").first
        figure.scroll_into_view_if_needed()
        box, shape = figure.bounding_box(), current.bounding_box()
        assert box is not None and shape is not None
        # Nothing scrolled inside the box: the current task is where the page opened it.
        assert figure.evaluate("f => f.scrollLeft") == 0
        assert _inside(shape, box), (shape, box)
        assert _inside(shape, {"x": 0, "y": 0, "width": 1280, "height": 900}), shape
        picture = shot(page, "diagram-centred-on-current-step", full_page=False)
        assert picture.stat().st_size > 10_000

        page.get_by_role("link", name="Whole process diagram").click()
        whole = page.locator("figure#process-diagram")
        assert whole.get_attribute("data-view") == "whole"
        # The whole process is wider than the box: it scrolls, starting at the process's start.
        assert whole.evaluate("f => f.scrollWidth > f.clientWidth")
        shot(page, "diagram-whole-process", full_page=False)
        page.get_by_role("link", name="Centred on the current step").click()
        assert page.locator("figure#process-diagram").get_attribute("data-view") == "focus"
    finally:
        context.close()
