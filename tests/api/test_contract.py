"""The published contract: one schema for everyone, one media type per body, a root that
says where to go."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from jamsostek.core.choices import Role
from tests.conftest import KWAYANGAN

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"
JSON_SCHEMA = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}


def served_schema(client, **headers) -> dict:
    response = client.get(SCHEMA, **JSON_SCHEMA, **headers)
    assert response.status_code == 200
    return json.loads(response.content)


def enum_names(schema: dict) -> set[str]:
    return {name for name, body in schema["components"]["schemas"].items() if "enum" in body}


@pytest.fixture(scope="module")
def schemas(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        return {
            "id": served_schema(client, HTTP_ACCEPT_LANGUAGE="id"),
            "en": served_schema(client, HTTP_ACCEPT_LANGUAGE="en"),
            "lang=id": json.loads(client.get(SCHEMA + "?lang=id", **JSON_SCHEMA).content),
        }


def test_the_schema_is_the_same_document_whatever_language_asks_for_it(schemas):
    # Given the schema fetched in Indonesian (the default), in English and with ?lang=id
    indonesian, english, by_parameter = schemas["id"], schemas["en"], schemas["lang=id"]
    # Then paths, component names and enum names are identical
    assert sorted(indonesian["paths"]) == sorted(english["paths"])
    assert sorted(indonesian["components"]["schemas"]) == sorted(english["components"]["schemas"])
    assert enum_names(indonesian) == enum_names(english)
    # And so is everything else: a client generated anywhere is the same client
    assert indonesian == english == by_parameter
    # And the names are English, from code: no translated label became a name
    names = " ".join(english["components"]["schemas"])
    for indonesian_word in ("SumberDana", "Tingkat", "Peran", "Status Pembayaran"):
        assert indonesian_word not in names


def test_the_schema_is_valid_openapi(schemas):
    # openapi-spec-validator raises on the first error
    validate(schemas["en"])


FILE_BODIES = {
    ("/api/v1/members/import/", "post"),
    ("/api/v1/payments/", "post"),
}


def test_every_body_has_one_media_type_json_except_the_file_uploads(schemas):
    bodies = {
        (path, method): sorted(operation["requestBody"]["content"])
        for path, item in schemas["en"]["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    assert len(bodies) > 20
    for operation, media_types in bodies.items():
        expected = ["multipart/form-data"] if operation in FILE_BODIES else ["application/json"]
        assert media_types == expected, operation


def test_a_form_encoded_body_is_refused_with_415_in_the_callers_language(api, make_user):
    # Given a PMD auditor posting a budget as a web form instead of JSON
    client = api(make_user(Role.PMD_AUDITOR))
    body = {"village": KWAYANGAN, "year": 2026, "funding_source": "add", "amount": 1000}
    # When it is sent form-encoded
    response = client.post("/api/v1/budgets/", body, format="multipart")
    # Then it is refused with the usual error body, in Indonesian
    assert response.status_code == 415
    error = response.json()["errors"][0]
    assert error["code"] == "unsupported_media_type"
    assert "multipart/form-data" in error["detail"]
    assert "tidak didukung" in error["detail"].lower()


def test_a_payment_is_multipart_only(api, make_user):
    # Given a village operator posting a payment as JSON
    client = api(make_user(Role.VILLAGE_OPERATOR), language="en")
    response = client.post("/api/v1/payments/", {"village": KWAYANGAN}, format="json")
    # Then the answer says which media type is not taken
    assert response.status_code == 415
    assert response.json()["errors"][0]["detail"] == (
        'Unsupported media type "application/json" in request.'
    )


def test_the_api_root_says_where_to_go_without_a_login(api):
    # Given a newcomer with no token
    response = api().get("/api/v1/")
    # Then the root answers with the schema, the docs, the console, login and collections
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "http://testserver/api/v1/schema/"
    assert body["docs"] == "http://testserver/api/v1/docs/"
    assert body["console"] == "http://testserver/"
    assert body["token"] == "http://testserver/api/v1/auth/token/"
    assert body["collections"]["members"] == "http://testserver/api/v1/members/"
    assert body["collections"]["bills"] == "http://testserver/api/v1/bills/"
    # And every link it gives is a page that exists
    for name, url in body["collections"].items():
        answer = api().get(url.removeprefix("http://testserver"))
        assert answer.status_code == 401, name  # there, behind a login


def test_the_suites_schema_check_refuses_an_answer_the_schema_does_not_describe():
    from django.http import HttpResponse, JsonResponse

    from tests.contract import ContractError, check

    # A member list whose first row lacks its roles and has a NIK in the wrong type
    page = {"count": 1, "next": None, "previous": None, "results": [{"id": "x"}]}
    with pytest.raises(ContractError, match="'roles' is a required property"):
        check("GET", "/api/v1/members/", JsonResponse(page))
    # A status the operation does not document
    with pytest.raises(ContractError, match="status not documented"):
        check("GET", "/api/v1/members/", JsonResponse({}, status=418))
    # An error body without its errors
    with pytest.raises(ContractError, match="'errors' is a required property"):
        check("GET", "/api/v1/members/", JsonResponse({"type": "client_error"}, status=404))
    # A file of a type the operation does not produce
    with pytest.raises(ContractError, match="'text/html' is not among"):
        check("GET", "/api/v1/members/import-template/", HttpResponse(b"<p>", "text/html"))


def test_whole_number_parameters_are_integers_in_the_schema_and_at_the_door(
    schemas, api, make_user
):
    # Given the published parameters that count or name a row
    params = {
        (path, prm["name"]): prm["schema"]
        for path, item in schemas["en"]["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict)
        for prm in operation.get("parameters", [])
    }
    for where in [
        ("/api/v1/bills/", "year"),
        ("/api/v1/claims/", "year"),
        ("/api/v1/claims/", "member"),
        ("/api/v1/payments/", "bill"),
        ("/api/v1/arrears/", "min_months"),
    ]:
        assert params[where]["type"] == "integer", where
    assert params[("/api/v1/bills/", "year")] == {
        "type": "integer",
        "minimum": 2015,
        "maximum": 2100,
    }
    # When a client sends a fraction or a year no bill can have
    client = api(make_user(Role.PMD_AUDITOR))
    for query in ({"year": "0"}, {"year": "10000"}, {"year": "-1"}, {"year": "2026.5"}):
        response = client.get("/api/v1/bills/", query)
        # Then it is a 400 naming the parameter, never a 500
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["attr"] == "year"
    assert client.get("/api/v1/payments/", {"bill": "1.5"}).status_code == 400
    assert client.get("/api/v1/bills/", {"year": "2026"}).status_code == 200


def test_a_period_past_2100_is_a_400_not_a_date_error(api, make_user):
    # Given a PMD auditor generating bills for the year 9999
    client = api(make_user(Role.PMD_AUDITOR), language="en")
    response = client.post("/api/v1/bills/generate/", {"period": "9999-12"}, format="json")
    # Then the period is refused by name, with the span it must lie in
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "invalid_period",
        "detail": "A period is a month written YYYY-MM, from 2015-07 to 2100-12.",
        "attr": "period",
    }
