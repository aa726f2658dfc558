"""The API's contract: /api/v1/openapi.json describes every route under /api/v1 as it answers, and
/api/docs shows it with files served by the fund itself.

A route added without its place in the document (or a path left in the document after its route is
gone) fails here; so does an answer that its documented schema does not allow.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from werkzeug.routing import Map, Rule

from fund.api.openapi import SUBMISSION_EXAMPLE
from fund.claims.submission_messages import HARMS, LANGUAGES, ROLES
from tests.conftest import claim_body, error_of

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def served_operations(url_map: Map) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under /api/v1 the application serves."""
    served = set()
    for rule in url_map.iter_rules():
        if rule.rule == "/api/v1" or rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            served |= {(path, method.lower()) for method in rule.methods & METHODS}
    return served


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]


def assert_answers_as_documented(document: dict[str, Any], path: str, method: str, response) -> None:
    """The response's status is documented for the operation and its JSON body fits the schema."""
    responses = operation(document, path, method)["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}, not documented"
    documented = responses[status]
    if "$ref" in documented:
        documented = document["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(response.get_json())
    ]
    assert not errors, errors


# --- the document ---------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate_openapi(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_document_is_public_and_built_once_per_process(app, client):
    first = client.get("/api/v1/openapi.json")
    second = client.get("/api/v1/openapi.json")

    assert first.status_code == second.status_code == 200
    assert "Authorization" not in first.request.headers
    assert first.get_data() == second.get_data()
    assert app.extensions["fund_openapi_document"] is not None


def test_every_route_under_api_v1_is_documented_and_no_other_path(app, document):
    served = served_operations(app.url_map)

    assert served - documented_operations(document) == set(), "routes missing from the document"
    assert documented_operations(document) - served == set(), "documented paths the API does not serve"


def test_a_route_left_out_of_the_document_is_noticed(app, document):
    url_map = Map(
        [Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint) for rule in app.url_map.iter_rules()]
    )
    url_map.add(Rule("/api/v1/claims/<reference>/undocumented", methods=["GET"], endpoint="api.undocumented"))

    assert served_operations(url_map) - documented_operations(document) == {
        ("/api/v1/claims/{reference}/undocumented", "get")
    }


def test_the_submission_schema_is_the_one_that_checks_claims(document):
    schemas = document["components"]["schemas"]
    submission = schemas["ClaimSubmission"]

    assert set(submission["required"]) == {"claimant", "role", "crime", "consent"}
    assert submission["additionalProperties"] is False  # unknown fields are refused
    assert submission["properties"]["role"]["enum"] == list(ROLES)
    assert schemas["Claimant"]["properties"]["language"]["enum"] == list(LANGUAGES)
    assert schemas["Crime"]["properties"]["harm"]["enum"] == list(HARMS)
    assert schemas["Crime"]["properties"]["committed_on"] == {"type": "string", "format": "date"}
    # A pattern in JSON Schema's own regular expressions, not Python's.
    assert "\\Z" not in schemas["Crime"]["properties"]["article"]["pattern"]


def test_the_two_security_schemes_and_who_needs_which(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["staffToken"] == {**schemes["staffToken"], "type": "http", "scheme": "bearer"}
    assert schemes["claimantAccessCode"] == {
        **schemes["claimantAccessCode"],
        "type": "apiKey",
        "in": "header",
        "name": "X-Access-Code",
    }
    assert operation(document, "/api/v1/tasks", "get")["security"] == [{"staffToken": []}]
    assert operation(document, "/api/v1/claims/{reference}/status", "get")["security"] == [
        {"claimantAccessCode": []}
    ]
    assert operation(document, "/api/v1/tokens", "post")["security"] == []


def test_the_posts_that_take_an_idempotency_key_say_so(app, document):
    by_endpoint = {
        rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
    }
    for endpoint, rule in by_endpoint.items():
        if "POST" not in rule.methods:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        parameters = operation(document, path, "post").get("parameters", [])
        takes_key = {"$ref": "#/components/parameters/IdempotencyKey"} in parameters
        assert takes_key == getattr(app.view_functions[endpoint], "idempotent", False), path
    key = document["components"]["parameters"]["IdempotencyKey"]
    assert (key["name"], key["in"]) == ("Idempotency-Key", "header")


def test_every_operation_documents_its_errors_in_the_shared_shape(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if status.startswith("4") and "$ref" not in response:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"


# --- the answers are the documented ones ------------------------------------------------------------


def test_the_documented_submission_example_is_accepted_as_documented(client, document):
    documented = operation(document, "/api/v1/claims", "post")["requestBody"]["content"]["application/json"]
    assert documented["example"] == SUBMISSION_EXAMPLE

    response = client.post("/api/v1/claims", json=documented["example"])

    assert response.status_code == 201, response.get_json()
    assert_answers_as_documented(document, "/api/v1/claims", "post", response)


def test_a_claim_with_errors_is_refused_with_the_documented_422(client, document):
    response = client.post("/api/v1/claims", json=claim_body(consent=False))

    error_of(response, 422)
    assert_answers_as_documented(document, "/api/v1/claims", "post", response)


def test_a_staff_route_without_a_token_answers_the_documented_401(client, document):
    response = client.get("/api/v1/tasks")

    error_of(response, 401)
    assert_answers_as_documented(document, "/api/v1/tasks", "get", response)


def test_staff_answers_fit_their_documented_schemas(client, document, staff, submit, clock):
    staff.user("ivan", "intake")
    token = client.post(
        "/api/v1/tokens", json={"username": "ivan", "password": "correct horse battery staple"}
    )
    assert_answers_as_documented(document, "/api/v1/tokens", "post", token)
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    submitted = submit()

    tasks = client.get("/api/v1/tasks", headers=headers)
    detail = client.get(f"/api/v1/claims/{submitted['reference']}", headers=headers)
    found = client.get("/api/v1/claims", query_string={"q": submitted["reference"]}, headers=headers)
    events = client.get(f"/api/v1/claims/{submitted['reference']}/events", headers=headers)
    missing = client.get("/api/v1/claims/VCF-1999-999999", headers=headers)

    assert (tasks.status_code, detail.status_code, found.status_code) == (200, 200, 200)
    assert tasks.get_json(), "the new claim's intake check is ready"
    assert_answers_as_documented(document, "/api/v1/tasks", "get", tasks)
    assert_answers_as_documented(document, "/api/v1/claims/{reference}", "get", detail)
    assert_answers_as_documented(document, "/api/v1/claims", "get", found)
    assert events.status_code == 403  # intake may not read the hash chain
    assert_answers_as_documented(document, "/api/v1/claims/{reference}/events", "get", events)
    assert missing.status_code == 404
    assert_answers_as_documented(document, "/api/v1/claims/{reference}", "get", missing)


def test_the_claimants_status_answers_as_documented(client, document, submit):
    submitted = submit()
    path = "/api/v1/claims/{reference}/status"

    found = client.get(
        f"/api/v1/claims/{submitted['reference']}/status", headers={"X-Access-Code": submitted["access_code"]}
    )
    wrong = client.get(f"/api/v1/claims/{submitted['reference']}/status", headers={"X-Access-Code": "WRONG"})

    assert (found.status_code, wrong.status_code) == (200, 404)
    assert_answers_as_documented(document, path, "get", found)
    assert_answers_as_documented(document, path, "get", wrong)


# --- the page ---------------------------------------------------------------------------------------


def test_the_docs_page_is_public_and_takes_every_file_from_this_server(client):
    page = client.get("/api/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert 'data-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html  # no inline script: the policy would refuse it
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert asset.data
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").mimetype == "text/javascript"


def test_the_docs_page_serves_only_its_own_files(client):
    assert client.get("/api/docs/assets/index.html").status_code == 404
    assert client.get("/api/docs/assets/..%2F..%2F__init__.py").status_code == 404


def test_every_example_fits_its_own_schema(document):
    checked = 0
    places = [document["components"]["responses"].values()]
    for item in document["paths"].values():
        for op in item.values():
            places.append([op.get("requestBody", {}), *op["responses"].values()])
    for place in places:
        for part in place:
            for content in part.get("content", {}).values():
                if "example" in content:
                    validator = Draft202012Validator(
                        {**content["schema"], "components": document["components"]}
                    )
                    assert not list(validator.iter_errors(content["example"])), content["example"]
                    checked += 1
    assert checked >= 15
