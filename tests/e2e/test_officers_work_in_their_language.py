"""A claim worked from intake to approval by officers whose browsers speak Kazakh or Russian, a
supervisor giving the review to a named colleague, and an auditor stepping through the replay:
every page they see is in their language, with no sentence of the staff catalog left in English.

Controls are found by their names in the page (form fields, addresses), not by their English words,
so that the same steps run in both languages; what the pages say is checked against the catalog.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fund.claims.submission import submit_claim
from tests.conftest import PASSWORD, claim_body
from tests.web.test_staff_languages import _english_sentences

LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def speaks(page, language: str, english: list[str]) -> None:
    """The page is in ``language``: its lang attribute, and no English sentence of the catalog."""
    assert page.locator("html").get_attribute("lang") == language, page.url
    # The decision tables' own notes (the lawyers' text in bpmn/*.dmn) are written in English
    # only, and the replay shows the recorded data as it is (JSON): neither is checked.
    text = page.evaluate(
        """() => {
            const main = document.querySelector("main").cloneNode(true);
            const notes = "section[aria-labelledby=rules-title] div.rule > p:first-child, "
                + "li.rule-note, pre.json";
            main.querySelectorAll(notes).forEach((element) => element.remove());
            return main.innerText;
        }"""
    )
    found = [sentence for sentence in english if sentence in text]
    assert found == [], f"{page.url}: {found}"


def open_task(page, base_url: str, reference: str) -> None:
    """Open the claim's task from the worklist (taking it first if the worklist offers that)."""
    page.goto(f"{base_url}/worklist")
    row = page.locator("tr", has=page.locator(f"a:text-is('{reference}')"))
    row.locator("a[href*='/tasks/']").first.click()


def complete(page) -> None:
    page.locator("#task-form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_officers_supervisor_and_auditor_work_a_claim_in_their_language(
    live_server, new_page, shot, language
):
    english = _english_sentences()
    suffix = f"_{language}"
    intake, reviewer, approver = f"dana{suffix}", f"rita{suffix}", f"arman{suffix}"
    supervisor, auditor = f"saule{suffix}", f"aida{suffix}"
    live_server.user(intake, "intake")
    live_server.user(reviewer, "reviewer")
    live_server.user(f"rosa{suffix}", "reviewer")
    live_server.user(approver, "approver")
    live_server.user(supervisor, "supervisor")
    live_server.user(auditor, "auditor")
    reference = live_server.run(submit_claim, claim_body(), datetime.now(UTC)).reference
    locale = LOCALES[language]

    # Intake: the documents are complete.
    page = new_page(locale=locale)
    sign_in(page, live_server.url, intake)
    open_task(page, live_server.url, reference)
    speaks(page, language, english)
    page.locator("input[name=documents_complete][value=yes]").check()
    complete(page)
    shot(page, f"intake-done-{language}")

    # The supervisor gives the review to Rita by name, and sees each officer's load.
    boss = new_page(locale=locale)
    sign_in(boss, live_server.url, supervisor)
    boss.goto(f"{live_server.url}/supervision?role=reviewer")
    speaks(boss, language, english)
    shot(boss, f"supervision-{language}")
    row = boss.locator("tr", has=boss.locator(f"text={reference}"))
    row.locator("select[name=assignee]").select_option(reviewer)
    row.locator("button[type=submit]").click()
    shot(boss, f"supervisor-assigned-{language}")
    assert reviewer in boss.locator("main").inner_text()

    # Rita reviews: the task is hers already.
    review = new_page(locale=locale)
    sign_in(review, live_server.url, reviewer)
    open_task(review, live_server.url, reference)
    speaks(review, language, english)
    review.locator("[name=prosecutor_office]").fill("Алматы қаласының прокуратурасы")
    review.locator("input[name=recommendation][value=approve]").check()
    shot(review, f"review-{language}")
    complete(review)

    # Arman approves.
    approve = new_page(locale=locale)
    sign_in(approve, live_server.url, approver)
    open_task(approve, live_server.url, reference)
    speaks(approve, language, english)
    approve.locator("input[name=decision][value=approve]").check()
    complete(approve)
    approve.goto(f"{live_server.url}/claims/{reference}")
    speaks(approve, language, english)
    shot(approve, f"claim-approved-{language}")

    # The auditor steps through the replay: every step matches, in the auditor's language.
    audit = new_page(locale=locale)
    sign_in(audit, live_server.url, auditor)
    audit.goto(f"{live_server.url}/audit/claims/{reference}/replay?step=1")
    speaks(audit, language, english)
    audit.locator("a[rel=next]").first.click()
    assert "step=2" in audit.url
    speaks(audit, language, english)
    assert audit.locator("section.replay-step.ok").count() == 1
    shot(audit, f"replay-step-2-{language}")
