"""A supervisor whose browser speaks Kazakh or Russian opens the service levels page: the claims
past or near the decision target, the longest waiting first, each with its days over or left and a
link to its claim, every word in the supervisor's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fund.claims.submission import submit_claim
from tests.conftest import claim_body, make_iin
from tests.e2e.test_officers_work_in_their_language import LOCALES, sign_in, speaks
from tests.web.test_staff_languages import _english_sentences


def submitted_days_ago(live_server, days: int, serial: int) -> str:
    """A claim of another victim, submitted ``days`` ago: its reference."""
    iin = make_iin(date(1990, 1, 15), serial=serial, female=True)
    body = claim_body(claimant__iin=iin)
    return live_server.run(submit_claim, body, datetime.now(UTC) - timedelta(days=days)).reference


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_supervisor_reads_the_service_levels_in_their_language(live_server, new_page, shot, language):
    serial = {"kk": 10, "ru": 20}[language]
    late = submitted_days_ago(live_server, 26, serial + 1)
    later = submitted_days_ago(live_server, 22, serial + 2)
    near = submitted_days_ago(live_server, 19, serial + 3)
    in_time = submitted_days_ago(live_server, 3, serial + 4)
    supervisor = live_server.user(f"saule_sla_{language}", "supervisor")

    page = new_page(locale=LOCALES[language])
    sign_in(page, live_server.url, supervisor)
    page.goto(f"{live_server.url}/supervision")
    page.locator("main a[href='/supervision/service-levels']").click()
    speaks(page, language, _english_sentences())
    decision = page.locator("#decision")
    links = decision.locator("tbody a").all_inner_texts()
    assert links.index(late) < links.index(later) < links.index(near)
    assert in_time not in links
    over = {"kk": "6 күнге кешікті", "ru": "просрочено на 6 дней"}[language]
    assert over in decision.locator("tr", has=page.locator(f"a:text-is('{late}')")).inner_text()
    shot(page, f"service-levels-{language}")
    page.screenshot(path=f"/tmp/shots/operations/service-levels-{language}.png", full_page=True)

    decision.locator(f"a:text-is('{late}')").click()
    assert page.url.endswith(f"/claims/{late}")
