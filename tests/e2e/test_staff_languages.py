"""An officer switches the staff pages to Kazakh in the header and works the worklist in Kazakh."""

from __future__ import annotations

from datetime import UTC, datetime

from fund.claims.submission import submit_claim
from tests.conftest import claim_body
from tests.e2e.conftest import sign_in


def test_an_officer_switches_to_kazakh_and_sees_the_worklist_in_kazakh(live_server, new_page, shot):
    live_server.user("dana", "intake")
    reference = live_server.run(submit_claim, claim_body(), datetime.now(UTC)).reference

    page = new_page()  # an English browser (en-GB)
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/worklist")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Worklist"

    page.locator("header").get_by_role("button", name="Қазақша").click()
    page.wait_for_url(f"{live_server.url}/worklist")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text() == "Жұмыс тізімі"
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    assert row.get_by_role("link", name="Құжаттарды тексеру").is_visible()
    assert row.get_by_role("button", name="Алу").is_visible()
    main = page.locator("main").inner_text()
    assert "Worklist" not in main and "Take" not in main
    shot(page, "worklist-kk")

    # The task page speaks Kazakh too, with its generated form.
    row.get_by_role("link", name="Құжаттарды тексеру").click()
    assert page.get_by_role("button", name="Тапсырманы аяқтау").is_visible()
    shot(page, "task-kk")

    # The choice is kept on the account: after signing in again the pages are still Kazakh.
    page.locator("header").get_by_role("button", name="Шығу", exact=True).click()
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/worklist")
    assert page.get_by_role("heading", level=1).inner_text() == "Жұмыс тізімі"
