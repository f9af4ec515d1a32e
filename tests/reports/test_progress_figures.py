"""Progress rows and the coverage report against figures computed by hand (tests/reports/banyumas.py)."""

from __future__ import annotations

import pytest

from jamsostek.core.choices import Role
from reports.models import CategoryProgress, VillageProgress
from reports.services import progress_refresh
from tests.conftest import shared_rows
from villages.models import Region

from .banyumas import (
    BANYUMAS,
    BPD_SEATS,
    DISTRICTS,
    LINMAS_ACTIVE,
    LINMAS_SEATS,
    PARTICIPANTS,
    RENTAN_ACTIVE,
    RT_SEATS,
    RW_SEATS,
    VILLAGES,
    build_banyumas,
)

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/reports/coverage/"


def refreshed_banyumas():
    regency = build_banyumas()
    Region.objects.filter(code=BANYUMAS).update(employed_population=900_000)
    progress_refresh()
    return regency


@pytest.fixture(scope="module")
def banyumas_rows(django_db_setup, django_db_blocker):
    # Some 5,000 members written and refreshed once for the module, not for each test.
    with shared_rows(django_db_blocker, refreshed_banyumas) as regency:
        yield regency


@pytest.fixture
def banyumas(banyumas_rows, db):
    return banyumas_rows


def row_of(response, code: str) -> dict:
    assert response.status_code == 200, response.content
    return next(row for row in response.json()["rows"] if row["code"] == code)


def test_the_regency_row_shows_the_banyumas_proportions(banyumas, api, make_user):
    # Given the regency's seats and members, refreshed
    # When the admin reads the coverage of Jawa Tengah, one row per regency
    response = api(make_user(Role.ADMIN)).get(COVERAGE, {"code": "33"})

    # Then Banyumas's row holds the figures of the fixture
    row = row_of(response, BANYUMAS)
    assert row["villages"] == VILLAGES
    categories = row["categories"]
    assert categories["bpd"] == {
        "positions": 3_379,
        "registered": 3_379,
        "active": 3_379,
        "percent": 100.0,
    }
    # 900 of 12,300 RT/RW: 700 of 9,800 RT heads (7.1 %), 200 of 2,500 RW heads (8.0 %)
    assert categories["rt"] == {
        "positions": 9_800,
        "registered": 750,
        "active": 700,
        "percent": 7.1,
    }
    assert categories["rw"] == {
        "positions": 2_500,
        "registered": 200,
        "active": 200,
        "percent": 8.0,
    }
    assert categories["rt"]["active"] + categories["rw"]["active"] == 900
    assert categories["rt"]["positions"] + categories["rw"]["positions"] == 12_300
    assert categories["linmas"] == {
        "positions": 10_400,
        "registered": 660,
        "active": 660,
        "percent": 6.3,
    }
    # Categories with no seats and no members are zeros, with no percentage
    assert categories["kepala_desa"] == {
        "positions": 0,
        "registered": 0,
        "active": 0,
        "percent": None,
    }
    # 399 vulnerable workers against 331 × 100; three villages have reached 100
    assert row["rentan"] == {"target": 33_100, "active": 399, "percent": 1.2}
    assert row["villages_meeting_target"] == 3
    assert row["villages_with_perisai"] == 5
    assert row["participants_active"] == PARTICIPANTS == 5_338
    assert row["ucj"] == {
        "employed_population": 900_000,
        "participants_active": 5_338,
        "percent": 0.6,
    }
    assert row["arrears_outstanding"] == 0
    # And a regency with nothing registered shows zeros, and no UCJ without its population
    pekalongan = row_of(response, "33.26")
    assert (pekalongan["participants_active"], pekalongan["ucj"]) == (0, None)
    assert (
        pekalongan["villages"]
        == Region.objects.filter(level="village", regency__code="33.26").count()
    )


def test_the_district_rows_add_up_to_the_regency(banyumas, api, make_user):
    # When a pmd_auditor of Banyumas reads its coverage, one row per district
    auditor = make_user(Role.PMD_AUDITOR, scope=BANYUMAS)
    rows = api(auditor).get(COVERAGE, {"code": BANYUMAS}).json()["rows"]

    # Then there are 27 districts whose figures add up to the regency's
    assert len(rows) == DISTRICTS
    assert sum(r["villages"] for r in rows) == VILLAGES
    for category, positions in (
        ("bpd", BPD_SEATS),
        ("rt", RT_SEATS),
        ("rw", RW_SEATS),
        ("linmas", LINMAS_SEATS),
    ):
        assert sum(r["categories"][category]["positions"] for r in rows) == positions
    assert sum(r["categories"]["linmas"]["active"] for r in rows) == LINMAS_ACTIVE
    assert sum(r["rentan"]["active"] for r in rows) == RENTAN_ACTIVE
    assert sum(r["participants_active"] for r in rows) == PARTICIPANTS
    assert sum(r["villages_meeting_target"] for r in rows) == 3
    # UCJ belongs to the regency, not its districts
    assert {r["ucj"] for r in rows} == {None}


def test_a_village_body_matches_a_direct_count(banyumas, api, make_user):
    # Given the first desa of Banyumas: 12 BPD seats (3,379 = 301 × 11 + 68, so the first
    # 68 desa have 12), 30 RT seats (9,800 = 331 × 29 + 201), 8 RW (2,500 = 331 × 7 + 183),
    # 32 Linmas (10,400 = 331 × 31 + 139); 10 + 5 RT, 2 RW, 10 Linmas, 100 rentan members
    first = banyumas.desa[0]

    # When its operator reads its progress
    operator = make_user(Role.VILLAGE_OPERATOR, scope=first.code)
    body = api(operator).get(f"/api/v1/villages/{first.code}/progress/").json()

    # Then
    assert body["village"] == first.code
    assert body["rentan"] == {"target": 100, "active": 100, "percent": 100.0}
    assert body["perisai"] == {"agents": 1, "met": True}
    assert body["categories"]["bpd"] == {
        "positions": 12,
        "registered": 12,
        "active": 12,
        "percent": 100.0,
    }
    assert body["categories"]["rt"] == {
        "positions": 30,
        "registered": 15,
        "active": 10,
        "percent": 33.3,
    }
    assert body["categories"]["rw"] == {
        "positions": 8,
        "registered": 2,
        "active": 2,
        "percent": 25.0,
    }
    assert body["categories"]["linmas"]["positions"] == 32
    assert body["arrears"] == {"outstanding": 0, "months": 0}
    # And the stored row equals a direct count of the members
    stored = VillageProgress.objects.get(village=first)
    direct = first.members.filter(enrollments__status="active").count()
    assert stored.participants_active == direct == 12 + 10 + 2 + 10 + 100


def test_a_second_refresh_changes_nothing(banyumas):
    # Given the refreshed rows
    before = list(VillageProgress.objects.order_by("village_id").values())
    categories = list(
        CategoryProgress.objects.order_by("village_id", "category").values(
            "village_id", "category", "positions", "registered", "active"
        )
    )

    # When the nightly refresh runs again
    count = progress_refresh()

    # Then every village with activity was recomputed to the same figures
    assert count == VILLAGES
    after = list(VillageProgress.objects.order_by("village_id").values())
    assert [{**r, "as_of": None} for r in after] == [{**r, "as_of": None} for r in before]
    assert (
        list(
            CategoryProgress.objects.order_by("village_id", "category").values(
                "village_id", "category", "positions", "registered", "active"
            )
        )
        == categories
    )


def test_coverage_is_cut_to_the_callers_scope(banyumas, api, make_user):
    # Given an auditor of Kab. Pekalongan and an operator of a Banyumas village
    pekalongan = make_user(Role.PMD_AUDITOR, scope="33.26")
    operator = make_user(Role.VILLAGE_OPERATOR, scope=banyumas.desa[0].code)

    # When the auditor reads Jawa Tengah's coverage, only Kab. Pekalongan is in it
    response = api(pekalongan).get(COVERAGE, {"code": "33"})
    assert [row["code"] for row in response.json()["rows"]] == ["33.26"]
    # And asking for Banyumas by code is refused, in Indonesian and in English
    refused = api(pekalongan).get(COVERAGE, {"code": BANYUMAS})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "code"
    english = api(pekalongan, language="en").get(COVERAGE, {"code": BANYUMAS})
    assert "outside your scope" in english.json()["errors"][0]["detail"]

    # When the operator reads the regency's coverage, the only row is its own district,
    # counting its own village only
    rows = api(operator).get(COVERAGE, {"code": BANYUMAS}).json()["rows"]
    assert [row["code"] for row in rows] == [banyumas.desa[0].code[:8]]
    assert rows[0]["villages"] == 1
    assert rows[0]["participants_active"] == 134


def test_coverage_downloads_as_csv_and_xlsx(banyumas, api, admin):
    import csv
    import io

    from openpyxl import load_workbook

    # When the regency's coverage is downloaded as CSV
    response = api(admin).get(COVERAGE, {"code": "33", "format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, banyumas_row = rows[0], next(r for r in rows if r[0] == BANYUMAS)
    # Then nested figures are flat columns with the same values as the JSON
    cells = dict(zip(header, banyumas_row, strict=True))
    assert cells["bpd_positions"] == cells["bpd_active"] == "3379"
    assert (cells["rt_active"], cells["rw_active"], cells["linmas_active"]) == ("700", "200", "660")
    assert cells["participants_active"] == "5338"
    assert cells["ucj_percent"] == "0.6"

    # And as a spreadsheet
    response = api(admin).get(COVERAGE, {"code": "33", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = list(sheet.iter_rows(values_only=True))
    found = [dict(zip(table[0], row, strict=True)) for row in table[1:] if row[0] == BANYUMAS]
    assert len(found) == 1
    assert (found[0]["bpd_active"], found[0]["participants_active"]) == (3379, 5338)
