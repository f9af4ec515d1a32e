"""What Schemathesis found (tests/fuzz/schemathesis.sh): each case a 4xx with a clear body.

- A NUL byte in a region code of a JSON body (``village`` of POST /budgets/, ``regency`` of
  POST /bills/generate/) reached the region lookup before the field's own checks, and
  PostgreSQL refuses to compare text holding NUL: a 500. It is refused like a NUL byte in
  the URL.
- A lone UTF-16 surrogate in a JSON body (``"\\ud800"`` without its pair; found by sending
  each recorded example body with one string or key so spoiled) was a 500: the database cannot encode it, nor can the UTF-8 of a 400 that quotes it
  (``role``, a key of ``position_counts``, a region code). The parser refuses it.
"""

from __future__ import annotations

import json

import pytest

from jamsostek.core.choices import Role
from tests.conftest import KAB_PEKALONGAN, KWAYANGAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(api, make_user):
    return api(make_user(Role.PMD_AUDITOR))


@pytest.mark.parametrize(
    ("path", "body", "attr"),
    [
        (
            "/api/v1/budgets/",
            {"village": KWAYANGAN + "\x00", "year": 2026, "funding_source": "add", "amount": 1},
            "village",
        ),
        (
            "/api/v1/budgets/",
            {"village": "\x00", "year": 2026, "funding_source": "add", "amount": 1},
            "village",
        ),
        (
            "/api/v1/bills/generate/",
            {"period": "2026-01", "regency": KAB_PEKALONGAN + "\x00"},
            "regency",
        ),
        (
            "/api/v1/bills/generate/",
            {"period": "2026-01", "village": KWAYANGAN + "\x00"},
            "village",
        ),
    ],
)
def test_a_nul_byte_in_a_region_code_of_a_body_is_a_400_naming_the_field(auditor, path, body, attr):
    # Given a PMD auditor of Kab. Pekalongan
    # When a region code in the JSON body carries a NUL byte
    response = auditor.post(path, body, format="json")

    # Then the answer is a 400 on that field, in Indonesian, as for a NUL byte in the URL
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "null_characters_not_allowed",
                "detail": "Karakter null tidak diperbolehkan.",
                "attr": attr,
            }
        ],
    }


@pytest.mark.parametrize(
    ("path", "method", "body", "code_point"),
    [
        # quoted in the 400 ("… is not a valid choice"): the answer could not be encoded
        (
            "/api/v1/users/",
            "post",
            {"username": "x", "role": "\ud800", "scope_code": KWAYANGAN},
            "U+D800",
        ),
        (
            "/api/v1/villages/" + KWAYANGAN + "/",
            "patch",
            {"position_counts": {"rt\udc00": 3}},
            "U+DC00",
        ),
        # looked up: the database could not encode it
        ("/api/v1/budgets/", "post", {"village": KWAYANGAN + "\udc00", "year": 2026}, "U+DC00"),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_a_400_naming_it(
    auditor, path, method, body, code_point
):
    # Given a PMD auditor of Kab. Pekalongan
    # When a string or a key of the JSON body holds half a surrogate pair
    text = json.dumps(body)  # escaped as \\ud800: the only way JSON can carry one
    response = getattr(auditor, method)(path, text, content_type="application/json")

    # Then the answer is a 400 naming the code point, in Indonesian
    assert response.status_code == 400
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "surrogate_characters_not_allowed",
                "detail": "Teks dalam isi permintaan memuat surrogate UTF-16 tanpa pasangan "
                f"({code_point}).",
                "attr": None,
            }
        ],
    }


def test_a_surrogate_pair_is_one_character_and_accepted(api, make_user):
    # Given a PMD auditor
    auditor = api(make_user(Role.PMD_AUDITOR))

    # When a name holds an emoji, sent as its escaped surrogate pair
    text = json.dumps({"full_name": "Slamet \U0001f600"})
    response = auditor.patch(
        "/api/v1/users/" + str(make_user(Role.VILLAGE_OPERATOR).pk) + "/",
        text,
        content_type="application/json",
    )

    # Then the pair is read as the one character it stands for
    assert response.status_code == 200
    assert response.json()["full_name"] == "Slamet \U0001f600"
