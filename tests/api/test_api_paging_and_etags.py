"""Lists a page at a time with cursors, and a claim's ``ETag`` for clients that want optimistic
concurrency: ``If-None-Match`` answers 304, ``If-Match`` on a claim's messages 412 when stale."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import DOCUMENTS_MISSING, error_of

# --- the claim's ETag ----------------------------------------------------------------------------


def test_a_claim_has_an_etag_and_answers_304_while_it_has_not_changed(client, submit, officers, clock):
    reference = submit()["reference"]
    url = f"/api/v1/claims/{reference}"
    headers = officers.headers("ivan")

    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    unchanged = client.get(url, headers={**headers, "If-None-Match": etag})

    assert first.status_code == 200 and etag.startswith('"')
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag
    clock.advance(hours=1)
    officers.check_documents(reference, DOCUMENTS_MISSING)
    changed = client.get(url, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["status"] == "documents_requested"
    assert changed.headers["ETag"] != etag


@pytest.fixture
def waiting(submit, officers, clock) -> str:
    """A claim waiting for the documents intake asked for."""
    reference = submit()["reference"]
    officers.check_documents(reference, DOCUMENTS_MISSING)
    return reference


def deliver(client, officers, reference, **headers):
    return client.post(
        f"/api/v1/claims/{reference}/messages/documents_submitted",
        json={"documents": ["forensic_medical_report"]},
        headers={**officers.headers("ivan"), **headers},
    )


def test_a_message_with_a_stale_if_match_is_refused_with_412_and_changes_nothing(
    client, waiting, officers, clock
):
    stale = client.get(f"/api/v1/claims/{waiting}", headers=officers.headers("ivan")).headers["ETag"]
    clock.advance(minutes=5)
    # A colleague acts on the claim meanwhile (here: the same message, without If-Match).
    assert deliver(client, officers, waiting).status_code == 200
    officers.check_documents(waiting, DOCUMENTS_MISSING)

    refused = deliver(client, officers, waiting, **{"If-Match": stale})

    error = error_of(refused, 412)
    assert error["code"] == "precondition_failed" and list(error["fields"]) == ["If-Match"]
    assert officers.claim(waiting)["status"] == "documents_requested"


def test_a_message_with_the_current_etag_or_star_is_delivered(client, waiting, officers, clock):
    current = client.get(f"/api/v1/claims/{waiting}", headers=officers.headers("ivan")).headers["ETag"]
    assert deliver(client, officers, waiting, **{"If-Match": current}).status_code == 200
    officers.check_documents(waiting, DOCUMENTS_MISSING)
    assert deliver(client, officers, waiting, **{"If-Match": "*"}).status_code == 200


# --- the tasks, a page at a time -----------------------------------------------------------------


def page(client, officers, url):
    response = client.get(url, headers=officers.headers("ivan"))
    assert response.status_code == 200, response.get_json()
    link = response.headers.get("Link")
    if link is None:
        return response.get_json(), None
    assert link.endswith('>; rel="next"')
    return response.get_json(), link[1 : link.index(">")]


def test_tasks_are_paged_with_a_cursor_in_the_link_header(client, submit, officers, clock):
    # Five claims in one instant: their tasks share a creation time and are ordered by id.
    references = {submit()["reference"] for _ in range(3)}
    clock.advance(seconds=1)
    references |= {submit()["reference"] for _ in range(2)}

    seen, url, pages = [], "/api/v1/tasks?role=intake&limit=2", 0
    while url is not None:
        tasks, url = page(client, officers, url)
        seen.extend(tasks)
        pages += 1
        if url is not None:
            assert parse_qs(urlsplit(url).query)["role"] == ["intake"]  # the filters are kept
            assert len(tasks) == 2

    assert pages == 3
    assert {task["claim_reference"] for task in seen} == references and len(seen) == 5
    assert [(t["created_at"], t["id"]) for t in seen] == sorted((t["created_at"], t["id"]) for t in seen)
    everything, more = page(client, officers, "/api/v1/tasks")  # no limit: up to 200 at once
    assert everything == seen and more is None


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("limit=two", "limit"), ("after=bm9wZQ", "after")],
)
def test_a_bad_page_size_or_cursor_is_refused_naming_it(client, officers, query, field):
    response = client.get(f"/api/v1/tasks?{query}", headers=officers.headers("ivan"))
    assert list(error_of(response, 422)["fields"]) == [field]


def test_the_claims_search_is_paged_with_cursors_too(client, submit, officers, clock):
    for _ in range(3):
        submit()
    headers = officers.headers("ivan")
    found = client.get("/api/v1/claims?status=submitted", headers=headers).get_json()
    assert found["total"] == 3 and found["next"] is None and found["previous"] is None


def test_the_new_routes_answer_errors_in_the_documented_shape(client, officers, staff):
    error_of(client.get("/api/v1/claims?from=yesterday", headers=officers.headers("ivan")), 422)
    error_of(client.get("/api/v1/claims"), 401)
    refused = client.post("/api/v1/claims", data={"claim": "{}"}, headers=staff.headers("fatima", "finance"))
    error_of(refused, 403)


def test_tasks_of_several_roles_are_paged_in_one_order(client, submit, officers, staff, clock):
    checked = submit()["reference"]
    clock.advance(seconds=1)
    waiting = submit()["reference"]
    clock.advance(seconds=1)
    officers.check_documents(checked)  # its review task is now the newest task
    headers = staff.headers("dana", "intake", "reviewer")

    first = client.get("/api/v1/tasks?limit=1", headers=headers)
    link = first.headers["Link"]
    second = client.get(link[1 : link.index(">")], headers=headers)

    assert [t["claim_reference"] for t in first.get_json()] == [waiting]
    assert [(t["claim_reference"], t["role"]) for t in second.get_json()] == [(checked, "reviewer")]
    assert "Link" not in second.headers
