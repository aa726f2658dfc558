"""Internal notes: an officer writes a note on the claim page; colleagues read it in the claim's
history with its author and time; the claimant never sees it, on the portal or through the API."""

from __future__ import annotations

import pytest

from fund.extensions import db
from fund.models import ClaimNote
from tests.officer_helpers import (
    browser,
    form_on,
    freeze_clock,
    html,
    main_text,
    post_with_token,
    send,
    text_of,
)
from tests.portal.test_portal_status import portal_sign_in

NOTE = "Заявитель звонил 2 марта: справку из больницы принесёт лично."


@pytest.fixture
def web_clock(monkeypatch):
    clock = freeze_clock(monkeypatch)
    monkeypatch.setattr("fund.officers.desk_views.utc_now", clock)
    return clock


@pytest.fixture
def filed(submit, web_clock) -> dict:
    return submit()


def write_note(client, reference: str, note: str):
    return send(client, form_on(html(client.get(f"/claims/{reference}")), "/notes"), note=note)


def test_a_note_is_shown_in_the_history_to_colleagues_with_its_author_and_time(app, staff, filed):
    reference = filed["reference"]
    ivan = browser(app, staff, "ivan", "intake")

    written = write_note(ivan, reference, NOTE)

    assert written.status_code == 302 and written.headers["Location"].endswith(
        f"/claims/{reference}#history-title"
    )
    rosa = browser(app, staff, "rosa", "reviewer")
    history = text_of(html(rosa.get(f"/claims/{reference}")).get_element_by_id("history-title").getparent())
    assert f"Internal note — ivan, 02.03.2026 14:00 Note {NOTE}" in history
    auditor = browser(app, staff, "aida", "auditor")
    assert NOTE in main_text(auditor.get(f"/claims/{reference}"))


def test_the_claimant_never_sees_a_note_on_the_portal_or_through_the_api(app, staff, filed, client):
    reference = filed["reference"]
    write_note(browser(app, staff, "ivan", "intake"), reference, NOTE)

    assert portal_sign_in(client, reference, filed["access_code"]).status_code == 303
    portal_page = client.get("/portal/status").get_data(as_text=True)
    api_status = client.get(
        f"/api/v1/claims/{reference}/status", headers={"X-Access-Code": filed["access_code"]}
    ).get_data(as_text=True)

    assert db.session.query(ClaimNote).count() == 1
    assert "справку из больницы" not in portal_page and "Internal note" not in portal_page
    assert "справку из больницы" not in api_status and "note" not in api_status.lower()


def test_an_empty_or_overlong_note_is_not_saved_and_says_why(app, staff, filed):
    reference = filed["reference"]
    ivan = browser(app, staff, "ivan", "intake")

    write_note(ivan, reference, "   ")
    page = main_text(ivan.get(f"/claims/{reference}"))
    write_note(ivan, reference, "x" * 2001)

    assert "The note was not saved: it must be between 1 and 2000 characters." in page
    assert db.session.query(ClaimNote).count() == 0


def test_auditors_read_notes_but_get_no_form_and_may_not_write(app, staff, filed):
    reference = filed["reference"]
    aida = browser(app, staff, "aida", "auditor")
    ivan = browser(app, staff, "ivan", "intake")
    form = form_on(html(ivan.get(f"/claims/{reference}")), "/notes")

    assert not [
        f for f in html(aida.get(f"/claims/{reference}")).forms if "/notes" in (f.get("action") or "")
    ]
    refused = post_with_token(
        aida, form.get("action"), {"note": "audit remark"}, token_page=f"/claims/{reference}"
    )

    assert refused.status_code == 403
    assert "this needs one of the roles" in main_text(refused)
    assert db.session.query(ClaimNote).count() == 0


def test_a_note_without_the_forms_csrf_token_is_refused(app, staff, filed):
    ivan = browser(app, staff, "ivan", "intake")

    refused = ivan.post(f"/claims/{filed['reference']}/notes", data={"note": NOTE})

    assert refused.status_code == 400
    assert db.session.query(ClaimNote).count() == 0


@pytest.mark.parametrize(
    "language, intake_words, supervisor_words",
    [
        ("kk", "қабылдау қызметкері", "бөлім басшысы"),
        ("ru", "сотрудник приёма", "руководитель подразделения"),
        ("en", "intake officer", "supervisor"),
    ],
)
def test_a_refusal_for_want_of_a_role_names_the_roles_in_the_pages_language(
    app, staff, filed, language, intake_words, supervisor_words
):
    reference = filed["reference"]
    aida = browser(app, staff, "aida", "auditor")
    staff.user("aida").language = language
    db.session.commit()
    form = form_on(html(browser(app, staff, "ivan", "intake").get(f"/claims/{reference}")), "/notes")

    refused = post_with_token(aida, form.get("action"), {"note": "x"}, token_page=f"/claims/{reference}")

    assert refused.status_code == 403
    text = main_text(refused)
    assert intake_words in text and supervisor_words in text
    assert "intake," not in text and "approver" not in text  # the roles by name, not by code
