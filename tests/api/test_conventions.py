"""The conventions every endpoint follows: docs, schema, pagination, errors, language."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from jamsostek.core.choices import Role

pytestmark = pytest.mark.django_db


def test_docs_page_loads_with_no_external_url(client):
    # Given a machine with no internet, when the docs page is opened
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Then it names no outside address: every asset is served from this host
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)="/static/([^"]+)\"""", html)
    assert assets, "the page should load Swagger UI from /static/"
    for asset in assets:
        assert finders.find(asset), f"{asset} is not among the static files"


def test_schema_is_openapi_3_and_validates(client, tmp_path, monkeypatch):
    # The command turns on line numbers in the generator's warnings for the whole process
    # (inspect.getsourcelines on every serializer, uncached for instances), which made
    # each later schema request in the session about three times slower; undo it after.
    monkeypatch.setattr(GENERATOR_STATS, "_trace_lineno", GENERATOR_STATS._trace_lineno)
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/villages/{code}/" in schema["paths"]
    # The generator's own validation, failing on any warning
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_lists_are_paginated_50_by_default_and_500_at_most(api, make_user):
    client = api(make_user(Role.ADMIN))
    body = client.get("/api/v1/regions/", {"level": "village"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 50
    assert body["previous"] is None and "page=2" in body["next"]
    body = client.get("/api/v1/regions/", {"level": "village", "page_size": 5000}).json()
    assert len(body["results"]) == 500
    body = client.get("/api/v1/regions/", {"level": "province", "page": 2, "page_size": 30}).json()
    assert len(body["results"]) == 8 and body["next"] is None


def test_a_page_past_the_end_is_404_with_the_error_body(api, make_user):
    response = api(make_user(Role.ADMIN)).get("/api/v1/regions/", {"page": 9999})
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "not_found", "detail": response.json()["errors"][0]["detail"], "attr": None}
        ],
    }


def test_messages_are_indonesian_by_default_and_english_on_request(api):
    indonesian = api().get("/api/v1/villages/").json()["errors"][0]["detail"]
    english = api(language="en").get("/api/v1/villages/").json()["errors"][0]["detail"]
    assert english == "Authentication credentials were not provided."
    assert indonesian == "Data autentikasi tidak diberikan."


def test_validation_errors_name_the_field_in_the_chosen_language(api, make_user):
    user = make_user(Role.PMD_AUDITOR)
    for language, word in (("id", "Isi bidang ini harus"), ("en", "Ensure this value")):
        response = api(user, language=language).patch(
            "/api/v1/villages/33.26.13.2008/", {"rentan_target": -1}, format="json"
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["attr"] == "rentan_target"
        assert error["code"] == "min_value"
        assert error["detail"].startswith(word), error
