"""The reports answer what the OpenAPI schema promises, and its examples follow it too."""

from __future__ import annotations

import jsonschema
import pytest
from django.test import Client
from freezegun import freeze_time

from contributions.services.claims import claim_record
from jamsostek.core.choices import Role
from reports.services import progress_refresh
from tests.conftest import KWAYANGAN
from tests.contributions.helpers import bill_of, day, generate
from tests.factories import CoveredMemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db

REPORTS = ["/api/v1/reports/coverage/", "/api/v1/reports/compliance/", "/api/v1/reports/claims/"]


def as_json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's ``null`` type, everywhere."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker):
    """The schema, generated once for the module's six tests (about a second each time): it
    depends on no test's data, and the tests only read it."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def response_schema(openapi, path: str) -> tuple[dict, dict]:
    content = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    schema = {**content["schema"], "components": as_json_schema(openapi["components"])}
    return schema, content.get("examples", {})


@pytest.fixture
def figures(make_user, admin, operator):
    with freeze_time("2025-01-02 03:00:00"):
        member = CoveredMemberFactory(actor=admin)
        generate("2025-01", KWAYANGAN)
    with freeze_time("2025-01-10 10:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(KWAYANGAN, "2025-01"))
    with freeze_time("2025-02-09 10:00:00"):
        claim_record(
            actor=make_user(Role.BPJS_OFFICER),
            member=member,
            benefit="jkm",
            event_date=day("2025-02-01"),
            paid_on=day("2025-02-08"),
            beneficiary_name="Ahli Waris",
        )
    progress_refresh()
    return admin


@pytest.mark.parametrize("path", REPORTS)
def test_each_report_answers_its_schema(api, openapi, figures, path):
    schema, _examples = response_schema(openapi, path)
    params = {"code": "33.26"} if "coverage" in path else {"regency": "33.26", "year": 2025}
    with freeze_time("2025-02-20 09:00:00"):
        body = api(figures).get(path, params).json()
    assert body["rows"], "the fixture gives every report a row"
    jsonschema.validate(body, schema)


@pytest.mark.parametrize("path", REPORTS)
def test_each_reports_example_follows_its_schema(openapi, path):
    schema, examples = response_schema(openapi, path)
    assert examples
    for example in examples.values():
        jsonschema.validate(example["value"], schema)
