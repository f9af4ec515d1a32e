"""What Schemathesis found (tests/fuzz/schemathesis.sh): each case a 4xx with a clear body.

- A NUL byte in a region code of a JSON body (``village`` of POST /budgets/, ``regency`` of
  POST /bills/generate/) reached the region lookup before the field's own checks, and
  PostgreSQL refuses to compare text holding NUL: a 500 there (on SQLite the same code
  was "a village that does not exist"). It is refused like a NUL byte in the URL.
"""

from __future__ import annotations

import pytest

from jamsostek.accounts.models import Role
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
