"""One rule, one refusal: every way in (members, the spreadsheet, budgets, payments, seats,
the admin) refuses the same thing with the same code and the same words.

The rules live in members/rules.py and villages/rules.py; these tests go through the
doors a user knocks on.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jamsostek.core.choices import Role
from tests.conftest import KWAYANGAN, MEDONO
from tests.factories import BillFactory, CoveredMemberFactory
from tests.members.helpers import bpu_terms, example_body, make_nik
from villages.models import Region, VillageSeat

pytestmark = pytest.mark.django_db

KOTA_PEKALONGAN = "33.75"


@pytest.fixture
def operator_of_medono(make_user):
    """The village operator of Medono, a kelurahan of Kota Pekalongan."""
    return make_user(Role.VILLAGE_OPERATOR, scope=MEDONO)


@pytest.fixture
def auditor_of_kota_pekalongan(make_user):
    """The PMD auditor of Kota Pekalongan, Medono's city."""
    return make_user(Role.PMD_AUDITOR, scope=KOTA_PEKALONGAN)


def errors(response) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def detail(response) -> str:
    return response.json()["errors"][0]["detail"]


def import_csv(client, row: dict):
    header = ",".join(row)
    values = ",".join(f'"{v}"' for v in row.values())
    upload = SimpleUploadedFile("anggota.csv", f"{header}\n{values}\n".encode(), "text/csv")
    return client.post("/api/v1/members/import/", {"file": upload}, format="multipart")


def sheet_row(village: str, **overrides) -> dict:
    row = {
        "village": village,
        "nik": make_nik(village[:8]),
        "full_name": "Siti Aminah",
        "birth_date": "1985-07-05",
        "sex": "female",
        "category": "rt",
        "segment": "bpu",
        "programs": "jkk,jkm",
        "declared_income": "1000000",
        "funding_source": "add",
    }
    row.update(overrides)
    return row


# --- Dana Desa ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_dana_desa_is_refused_alike_by_members_the_import_budgets_and_payments(
    api, admin, operator, auditor, language
):
    CoveredMemberFactory(actor=admin)
    bill = BillFactory(village=KWAYANGAN, period="2025-07")
    as_operator, as_auditor = api(operator, language), api(auditor, language)

    # When Dana Desa is named as the funding source at each door
    member = as_operator.post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(funding_source="dana_desa")),
        format="json",
    )
    sheet = import_csv(as_operator, sheet_row(KWAYANGAN, funding_source="Dana Desa"))
    budget = as_auditor.post(
        "/api/v1/budgets/",
        {"village": KWAYANGAN, "year": 2025, "funding_source": "dana_desa", "amount": 1},
        format="json",
    )
    payment = as_operator.post(
        "/api/v1/payments/",
        {
            "village": KWAYANGAN,
            "bill": bill.pk,
            "amount": 1_000,
            "paid_on": "2025-07-01",
            "method": "transfer",
            "funding_source": "dana_desa",
        },
        format="multipart",
    )

    # Then every door answers with the one code and the one message
    assert (member.status_code, errors(member)) == (
        400,
        [("enrollment.funding_source", "dana_desa_not_allowed")],
    )
    row_errors = sheet.json()["errors"]
    assert [(e["row"], e["attr"], e["code"]) for e in row_errors] == [
        (2, "funding_source", "dana_desa_not_allowed")
    ]
    assert (budget.status_code, errors(budget)) == (
        400,
        [("funding_source", "dana_desa_not_allowed")],
    )
    assert (payment.status_code, errors(payment)) == (
        400,
        [("funding_source", "dana_desa_not_allowed")],
    )
    words = {detail(member), row_errors[0]["detail"], detail(budget), detail(payment)}
    assert len(words) == 1
    assert "Dana Desa" in words.pop()


# --- what a kelurahan has -----------------------------------------------------------------


def test_a_kelurahan_is_refused_a_bpd_alike_as_a_role_and_as_seats(
    api, client, operator_of_medono, auditor_of_kota_pekalongan
):
    medono = Region.objects.get(code=MEDONO)

    # When a member of the kelurahan is registered as BPD
    role = api(operator_of_medono, "en").post(
        "/api/v1/members/",
        example_body(
            village=MEDONO,
            nik=make_nik("33.75.01"),
            roles=[{"category": "bpd"}],
            enrollment=bpu_terms(funding_source="apbd"),
        ),
        format="json",
    )
    # and when the regency gives the kelurahan BPD seats
    seats = api(auditor_of_kota_pekalongan, "en").patch(
        f"/api/v1/villages/{MEDONO}/", {"position_counts": {"rt": 30, "bpd": 7}}, format="json"
    )

    # Then both are refused with the same code and words
    assert (role.status_code, errors(role)) == (400, [("roles.0.category", "not_in_kelurahan")])
    assert (seats.status_code, errors(seats)) == (400, [("position_counts", "not_in_kelurahan")])
    assert detail(role) == detail(seats)
    assert detail(seats).startswith("A kelurahan has no Village council (BPD)")
    # and nothing was kept, not even the RT seats sent with them
    assert not VillageSeat.objects.filter(village=medono).exists()

    # When the same seats are entered in the Django admin
    client.force_login(auditor_of_kota_pekalongan)
    page = client.post(
        f"/admin/villages/region/{medono.pk}/change/",
        {
            "rentan_target": 100,
            "seats-TOTAL_FORMS": 1,
            "seats-INITIAL_FORMS": 0,
            "seats-MIN_NUM_FORMS": 0,
            "seats-MAX_NUM_FORMS": 1000,
            "seats-0-category": "bpd",
            "seats-0-count": 7,
            "seats-0-village": medono.pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # Then the form comes back with the same words and nothing is saved
    assert page.status_code == 200
    assert detail(seats) in page.content.decode()
    assert not VillageSeat.objects.filter(village=medono).exists()


def test_a_kelurahan_may_still_have_zero_bpd_seats_and_its_own_seats(
    api, auditor_of_kota_pekalongan
):
    # When the kelurahan's seats are set with a BPD of none
    response = api(auditor_of_kota_pekalongan).patch(
        f"/api/v1/villages/{MEDONO}/", {"position_counts": {"rt": 30, "bpd": 0}}, format="json"
    )
    # Then that is no contradiction: the seats are kept
    assert response.status_code == 200, response.json()
    assert response.json()["position_counts"] == {"bpd": 0, "rt": 30}


def test_a_kelurahan_is_refused_add_alike_for_members_and_budgets(
    api, operator_of_medono, auditor_of_kota_pekalongan
):
    # When a kelurahan's member and its budget are funded from ADD
    member = api(operator_of_medono).post(
        "/api/v1/members/",
        example_body(village=MEDONO, nik=make_nik("33.75.01"), roles=[{"category": "rt"}]),
        format="json",
    )
    budget = api(auditor_of_kota_pekalongan).post(
        "/api/v1/budgets/",
        {"village": MEDONO, "year": 2025, "funding_source": "add", "amount": 1_000},
        format="json",
    )
    # Then both are refused with one code and one message
    assert errors(member) == [("enrollment.funding_source", "not_in_kelurahan")]
    assert errors(budget) == [("funding_source", "not_in_kelurahan")]
    assert detail(member) == detail(budget)
