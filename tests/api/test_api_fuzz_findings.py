"""What the API fuzz run (.ci/api_fuzz.py, schemathesis against the OpenAPI document) found, each
pinned here by a plain test: a huge id in a URL was a 500, the status lookup without an access code
was a 404 (an unauthenticated call must say so), a message's broken body was judged after its
If-Match, and the document allowed searches and page sizes the API refused or refused ones it took.
"""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import select
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import IntegerConverter

from fund.common.row_ids import MAX_ROW_ID, RowIdConverter
from fund.extensions import db
from fund.models import PortalSignInFailure
from fund.officers.search import MAX_QUERY_LENGTH
from tests.conftest import error_of

HUGE_ID = 2**64 + 7  # past SQLite's 64-bit integers and PostgreSQL's bigint alike
ALL_ROLES = ("intake", "reviewer", "approver", "finance", "auditor", "admin", "supervisor")


def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def parameter(client, path: str, method: str, name: str) -> dict:
    (found,) = [p for p in document(client)["paths"][path][method]["parameters"] if p.get("name") == name]
    return found


def test_an_id_in_a_url_is_bounded_to_what_a_table_holds():
    urls = Map([Rule("/batches/<int:batch_id>", endpoint="batch")], converters={"int": RowIdConverter})
    adapter = urls.bind("fund.example")
    assert adapter.match(f"/batches/{MAX_ROW_ID}") == ("batch", {"batch_id": MAX_ROW_ID})
    for too_big in (MAX_ROW_ID + 1, HUGE_ID, "9" * 5000):
        with pytest.raises(Exception) as refused:
            adapter.match(f"/batches/{too_big}")
        assert getattr(refused.value, "code", None) == 404


def test_every_api_route_with_an_id_answers_404_for_a_huge_id_not_500(app, client, staff):
    assert app.url_map.converters["int"] is RowIdConverter
    headers = staff.headers("everyone", *ALL_ROLES)
    with_ids = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())
    ]
    assert with_ids, "no route under /api/v1 takes an <int:…> id: this test checks nothing"
    for rule in with_ids:
        url = rule.rule
        for name, converter in rule._converters.items():
            value = str(HUGE_ID) if isinstance(converter, IntegerConverter) else "VCF-2026-000001"
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        method = "GET" if "GET" in rule.methods else "POST"
        answer = client.open(url, method=method, headers=headers)
        assert error_of(answer, 404)["code"] == "not_found", url


def test_the_status_lookup_without_an_access_code_is_401_naming_the_header_and_counts_no_guess(
    client, submit, clock
):
    claim = submit()
    for headers in ({}, {"X-Access-Code": ""}, {"X-Access-Code": "   "}):
        answer = client.get(f"/api/v1/claims/{claim['reference']}/status", headers=headers)
        error = error_of(answer, 401)
        assert error["code"] == "unauthenticated" and list(error["fields"]) == ["X-Access-Code"]
    db.session.expire_all()
    assert db.session.scalar(select(PortalSignInFailure)) is None  # no failure counted: it was no guess
    right = {"X-Access-Code": claim["access_code"]}
    assert client.get(f"/api/v1/claims/{claim['reference']}/status", headers=right).status_code == 200
    claim_status = document(client)["paths"]["/api/v1/claims/{reference}/status"]["get"]
    assert "401" in claim_status["responses"]


@pytest.mark.parametrize("body", [b"-1.4e128", b"[]", b'"documents"', b"true"])
def test_a_message_whose_body_is_not_an_object_is_422_even_with_a_stale_if_match(
    client, submit, officers, clock, body
):
    reference = submit()["reference"]
    answer = client.post(
        f"/api/v1/claims/{reference}/messages/documents_submitted",
        data=body,
        content_type="application/json",
        headers={**officers.headers("ivan"), "If-Match": '"not-the-etag"'},
    )
    assert error_of(answer, 422)["fields"] == {"": ["must be a JSON object"]}


def test_the_document_bounds_the_search_text_as_the_search_does(client, officers):
    q = parameter(client, "/api/v1/claims", "get", "q")
    assert q["schema"]["maxLength"] == MAX_QUERY_LENGTH
    headers = officers.headers("ivan")
    longest = client.get("/api/v1/claims", query_string={"q": "а" * MAX_QUERY_LENGTH}, headers=headers)
    assert longest.status_code == 200
    too_long = client.get("/api/v1/claims", query_string={"q": "а" * (MAX_QUERY_LENGTH + 1)}, headers=headers)
    assert list(error_of(too_long, 422)["fields"]) == ["q"]


def test_empty_days_and_page_size_mean_none_as_the_document_says(client, officers):
    headers = officers.headers("ivan")
    for path, name in (("/api/v1/claims", "from"), ("/api/v1/claims", "to"), ("/api/v1/tasks", "limit")):
        schema = parameter(client, path, "get", name)["schema"]
        jsonschema.validate("", schema, format_checker=jsonschema.FormatChecker())
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate("tomorrow", schema, format_checker=jsonschema.FormatChecker())
        assert client.get(f"{path}?{name}=", headers=headers).status_code == 200
        assert client.get(f"{path}?{name}=tomorrow", headers=headers).status_code == 422
