"""The API fuzz run's settings (.ci/schemathesis.toml, read by schemathesis itself) hold every
operation the document lists to every check but the two the settings explain: "schema-valid data is
accepted" nowhere (the fund's rules go beyond JSON Schema), and "a wrong credential is 401/403" not
where the claimant's access code opens the operation (a wrong code is 404, as a wrong reference).
The run itself is `.ci/api_fuzz.py`, a step of `.ci/run`; this test is its cheap part.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

SETTINGS = Path(__file__).resolve().parents[2] / ".ci" / "schemathesis.toml"
ALWAYS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
)


@pytest.fixture
def fuzz_schema(client, monkeypatch):
    monkeypatch.setenv("FUND_FUZZ_TOKEN", "token")
    monkeypatch.setenv("FUND_FUZZ_ACCESS_CODE", "code")
    document = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_path(SETTINGS))
    return document, schema


def test_every_operation_is_fuzzed_with_every_check_but_the_two_explained(fuzz_schema):
    document, schema = fuzz_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    listed = sum(len(methods) for methods in document["paths"].values())
    assert len(operations) == listed > 0
    for operation in operations:
        checks = schema.config.checks_config_for(operation=operation)
        security = operation.definition.raw.get("security", document.get("security", []))
        opened_by_access_code = any("claimantAccessCode" in option for option in security)
        assert checks.ignored_auth.enabled is not opened_by_access_code, operation.label
        assert checks.positive_data_acceptance.enabled is False
        for name in ALWAYS:
            assert getattr(checks, name).enabled, (operation.label, name)


def test_the_run_signs_in_with_each_of_the_documents_security_schemes(fuzz_schema):
    document, schema = fuzz_schema
    assert set(schema.config.auth.openapi.schemes) == set(document["components"]["securitySchemes"])
