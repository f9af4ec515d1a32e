"""Hostile or careless input gets a clear 4xx in the caller's language, never a 500.

Each case here was a 500 (or a hang) found by probing the API as an attacker would: years
that break date arithmetic, time-zone offsets PostgreSQL refuses, numbers beyond bigint,
JSON nested 100,000 deep, bodies over the limit, NUL bytes, Arabic-Indic digits as money.
"""

from __future__ import annotations

import json

import pytest

from jamsostek.core.choices import Role
from tests.conftest import KWAYANGAN

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    return response.json()["errors"][0]


@pytest.fixture
def auditor(api, make_user):
    return api(make_user(Role.PMD_AUDITOR), language="en")


@pytest.mark.parametrize("path", ["/api/v1/bills/", "/api/v1/claims/", "/api/v1/budgets/"])
@pytest.mark.parametrize("year", ["0", "-1", "10000", "2026.5", "1999"])
def test_a_year_no_record_can_have_is_a_400_naming_it(auditor, path, year):
    response = auditor.get(path, {"year": year})
    assert response.status_code == 400
    assert error(response)["attr"] == "year"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members/",
        "/api/v1/bills/",
        "/api/v1/payments/",
        "/api/v1/claims/",
        "/api/v1/notifications/",
    ],
)
def test_an_offset_no_time_zone_has_is_a_400_on_every_synced_list(auditor, path):
    # Given a client asking what changed since a time at UTC+16:00 (PostgreSQL refuses it)
    response = auditor.get(path, {"updated_since": "2025-01-01T00:00:00+16:00"})
    # Then the parameter is refused with a reason
    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid_offset",
        "detail": "The time zone offset must lie between -12:00 and +14:00.",
        "attr": "updated_since",
    }
    # And a real offset at either end of the world is fine
    assert auditor.get(path, {"updated_since": "2025-01-01T00:00:00+14:00"}).status_code == 200
    assert auditor.get(path, {"updated_since": "2025-01-01T00:00:00-12:00"}).status_code == 200


def test_the_offset_is_checked_on_a_detail_page_too(api, make_user):
    from tests.factories import MemberFactory

    # Given a member the auditor may see
    auditor = make_user(Role.PMD_AUDITOR)
    member = MemberFactory(actor=make_user(Role.ADMIN))
    path = f"/api/v1/members/{member.pk}/"
    assert api(auditor).get(path).status_code == 200
    # When the detail page is asked with an offset no time zone has (the list's filters apply)
    response = api(auditor, language="en").get(path, {"updated_since": "2025-01-01T00:00:00+16:00"})
    # Then it is the same 400, not a database error
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_offset"


def test_a_number_beyond_what_any_field_holds_is_refused_as_the_body_is_read(auditor):
    # Given a budget of 2**63 rupiah (PostgreSQL's bigint ends one below)
    body = json.dumps(
        {"village": KWAYANGAN, "year": 2026, "funding_source": "add", "amount": 2**63}
    )
    response = auditor.generic("POST", "/api/v1/budgets/", body, content_type="application/json")
    # Then it is a 400 before any field is looked at
    assert response.status_code == 400
    assert error(response)["code"] == "number_too_large"


def test_money_has_a_ceiling_far_below_bigint(auditor):
    body = {"village": KWAYANGAN, "year": 2026, "funding_source": "add", "amount": 10**15}
    response = auditor.post("/api/v1/budgets/", body, format="json")
    assert response.status_code == 400
    assert error(response)["code"] == "max_value"
    assert error(response)["attr"] == "amount"


def test_arabic_indic_digits_are_not_read_as_money(api, make_user):
    # Given a payment whose amount is written "١٠٠٠" (1000 in Arabic-Indic digits)
    client = api(make_user(Role.VILLAGE_OPERATOR), language="en")
    body = {
        "village": KWAYANGAN,
        "bill": 1,
        "amount": "١٠٠٠",
        "paid_on": "2026-11-10",
        "method": "transfer",
        "funding_source": "add",
    }
    response = client.post("/api/v1/payments/", body, format="multipart")
    # Then the amount is refused as money written wrongly
    assert response.status_code == 400
    assert {"code": "money", "attr": "amount"}.items() <= {
        **next(e for e in response.json()["errors"] if e["attr"] == "amount")
    }.items()


def test_json_nested_a_hundred_thousand_deep_is_a_400_without_a_login(api):
    response = api(language="en").generic(
        "POST", "/api/v1/auth/token/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert error(response) == {
        "code": "too_deep",
        "detail": "The JSON body is nested too deeply.",
        "attr": None,
    }


def test_a_json_body_over_the_limit_is_413_before_it_is_read(auditor, settings):
    body = json.dumps({"note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = auditor.generic("POST", "/api/v1/budgets/", body, content_type="application/json")
    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert error(response)["detail"].startswith("The request is larger than")


def test_an_upload_over_the_limit_is_413_in_indonesian(api, make_user, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 1024
    client = api(make_user(Role.VILLAGE_OPERATOR))
    big = SimpleUploadedFile("anggota.csv", b"x" * 2048, "text/csv")
    response = client.post("/api/v1/members/import/", {"file": big}, format="multipart")
    assert response.status_code == 413
    assert error(response)["detail"] == "Permintaan lebih besar dari 1,0\xa0KB."


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/coverage/?code=33%0026",
        "/api/v1/members/?search=a%00b",
        "/api/v1/villages/?%00=1",
    ],
)
def test_a_nul_byte_in_the_query_is_a_400(auditor, url):
    response = auditor.get(url)
    assert response.status_code == 400
    assert error(response)["code"] == "null_characters_not_allowed"


def test_a_nul_byte_on_a_console_page_is_a_plain_400(client):
    response = client.get("/login/?next=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
