"""The "tertib bayar iuran" ranking and the claims report, against hand-computed figures.

Five desa of Kab. Pekalongan, one BPU member each (Rp 16,800 a month), billed January to
March 2025. BPU bills fall due on the 15th, or the next working day: 15 January
(Wednesday), 17 February and 17 March (the 15th is a Saturday in both).
"""

from __future__ import annotations

import csv
import io

import pytest
from freezegun import freeze_time

from contributions.services.claims import claim_record
from jamsostek.core.choices import Role
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN
from tests.contributions.helpers import (
    BPU_PACKAGE,
    bill_of,
    day,
    generate,
)
from tests.factories import CoveredMemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db

COMPLIANCE = "/api/v1/reports/compliance/"
CLAIMS = "/api/v1/reports/claims/"
ROWOCACING, LANGKAP, TOSARAN = "33.26.13.2003", "33.26.13.2004", "33.26.13.2005"
MONTHS = ("2025-01", "2025-02", "2025-03")

# When each village paid each month's bill (None: not paid).
PAID_ON = {
    KWAYANGAN: ("2025-01-05", "2025-02-05", "2025-03-05"),  # 10, 12, 12 days early
    BLACANAN: ("2025-01-14", "2025-02-14", "2025-03-14"),  # 1, 3, 3 days early
    ROWOCACING: ("2025-01-10", "2025-02-20", "2025-03-10"),  # 5 early, 3 late, 7 early
    LANGKAP: ("2025-01-10", "2025-02-10", None),  # 5, 7 days early; March unpaid
    TOSARAN: ("2025-01-20", "2025-02-20", "2025-03-10"),  # 5 and 3 days late, 7 early
}


@pytest.fixture
def payments(admin, make_user):
    """Members, three months of bills, and the payments of PAID_ON."""
    members = {}
    with freeze_time("2025-01-02 03:00:00"):
        for village in PAID_ON:
            members[village] = CoveredMemberFactory(actor=admin, village=village)
    for period in MONTHS:
        with freeze_time(f"{period}-02 03:00:00"):
            generate(period, *PAID_ON)
    for village, dates in PAID_ON.items():
        operator = make_user(Role.VILLAGE_OPERATOR, scope=village)
        for period, paid_on in zip(MONTHS, dates, strict=True):
            if paid_on:
                with freeze_time(f"{paid_on} 10:00:00"):
                    PaymentFactory(actor=operator, bill=bill_of(village, period), paid_on=paid_on)
    return members


def ranking(api, user, **params) -> list[dict]:
    with freeze_time("2025-04-10 09:00:00"):
        response = api(user).get(COMPLIANCE, {"year": 2025, **params})
    assert response.status_code == 200, response.content
    return response.json()["rows"]


def test_the_ranking_orders_villages_by_score_then_ties(payments, api, admin):
    # When the regency's ranking for 2025 is read on 10 April (April not due yet)
    rows = ranking(api, admin, regency="33.26")

    # Then
    table = [
        (r["rank"], r["village"], r["months_billed"], r["paid_on_time"], r["paid_late"])
        + (r["unpaid"], r["score"], r["average_days_early"])
        for r in rows
    ]
    assert table == [
        # Both paid every month on time: they share the first rank, the earlier payer first
        (1, KWAYANGAN, 3, 3, 0, 0, 100.0, 11.3),
        (1, BLACANAN, 3, 3, 0, 0, 100.0, 2.3),
        # (2 + ½) / 3
        (3, ROWOCACING, 3, 2, 1, 0, 83.3, 3.0),
        # Equal scores, (1 + ½ + ½) / 3 = 2 / 3: the one with nothing unpaid ranks first
        (4, TOSARAN, 3, 1, 2, 0, 66.7, -0.3),
        (5, LANGKAP, 3, 2, 0, 1, 66.7, 6.0),
    ]


def test_a_month_not_yet_due_is_not_counted_until_it_is(payments, api, admin):
    # Given April billed and unpaid everywhere (due Tuesday 15 April)
    with freeze_time("2025-04-02 03:00:00"):
        generate("2025-04", *PAID_ON)

    # When the ranking is read before the due date, April does not count
    assert {r["months_billed"] for r in ranking(api, admin)} == {3}

    # When it is read after, April is an unpaid month everywhere
    with freeze_time("2025-04-16 09:00:00"):
        rows = api(admin).get(COMPLIANCE, {"year": 2025}).json()["rows"]
    assert {(r["months_billed"], r["unpaid"]) for r in rows if r["village"] == KWAYANGAN} == {
        (4, 1)
    }


def test_a_bill_paid_in_two_parts_counts_from_the_second(payments, api, admin, make_user):
    # Given April billed, Kwayangan paying half on 10 April and the rest on 20 April
    with freeze_time("2025-04-02 03:00:00"):
        generate("2025-04", KWAYANGAN)
    operator = make_user(Role.VILLAGE_OPERATOR, scope=KWAYANGAN)
    for paid_on in ("2025-04-10", "2025-04-20"):
        with freeze_time(f"{paid_on} 10:00:00"):
            PaymentFactory(
                actor=operator,
                bill=bill_of(KWAYANGAN, "2025-04"),
                amount=BPU_PACKAGE // 2,
                paid_on=paid_on,
            )

    # When the ranking is read at the end of April
    with freeze_time("2025-04-30 09:00:00"):
        rows = api(admin).get(COMPLIANCE, {"year": 2025, "regency": "33.26"}).json()["rows"]

    # Then April was paid late (settled on the 20th, due the 15th), not on time
    kwayangan = next(r for r in rows if r["village"] == KWAYANGAN)
    assert (kwayangan["paid_on_time"], kwayangan["paid_late"]) == (3, 1)
    assert kwayangan["score"] == round(3.5 * 100 / 4, 1)


def test_the_ranking_is_cut_to_the_callers_scope(payments, api, make_user):
    # A district viewer of Kedungwuni sees its four desa, not Blacanan (another district)
    viewer = make_user(Role.DISTRICT_VIEWER, scope="33.26.13")
    assert [(r["rank"], r["village"]) for r in ranking(api, viewer)] == [
        (1, KWAYANGAN),
        (2, ROWOCACING),
        (3, TOSARAN),
        (4, LANGKAP),
    ]
    # An operator sees its own village, ranked among what it can see
    operator = make_user(Role.VILLAGE_OPERATOR, scope=LANGKAP)
    assert [(r["rank"], r["village"]) for r in ranking(api, operator)] == [(1, LANGKAP)]
    # An auditor of Banyumas sees nothing of Kab. Pekalongan and cannot ask for it
    banyumas = make_user(Role.PMD_AUDITOR, scope="33.02")
    assert ranking(api, banyumas) == []
    with freeze_time("2025-04-10 09:00:00"):
        refused = api(banyumas).get(COMPLIANCE, {"regency": "33.26"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "regency"


def test_a_bad_year_is_a_clear_error(api, admin):
    response = api(admin, language="en").get(COMPLIANCE, {"year": "20x5"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "invalid_year",
        "detail": "A year is four digits, from 2015.",
        "attr": "year",
    }


def test_the_ranking_downloads_as_csv(payments, api, admin):
    with freeze_time("2025-04-10 09:00:00"):
        response = api(admin).get(COMPLIANCE, {"year": 2025, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tertib-bayar-2025-04-10.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["rank"], r["village"], r["score"]) for r in rows[:3]] == [
        ("1", KWAYANGAN, "100.0"),
        ("1", BLACANAN, "100.0"),
        ("3", ROWOCACING, "83.3"),
    ]


def test_claims_are_set_against_the_contributions_paid(payments, api, make_user):
    bpjs = make_user(Role.BPJS_OFFICER)
    # Given Kwayangan's member died on 1 April (JKM, Rp 42,000,000 by default) and
    # Tosaran's had a work accident (JKK, Rp 3,500,000 paid)
    with freeze_time("2025-04-09 10:00:00"):
        claim_record(
            actor=bpjs,
            member=payments[KWAYANGAN],
            benefit="jkm",
            event_date=day("2025-04-01"),
            paid_on=day("2025-04-08"),
            beneficiary_name="Ahli Waris",
        )
        claim_record(
            actor=bpjs,
            member=payments[TOSARAN],
            benefit="jkk",
            event_date=day("2025-03-20"),
            paid_on=day("2025-04-02"),
            beneficiary_name="Warga",
            amount=3_500_000,
        )

    # When the regency's claims report for 2025 is read
    with freeze_time("2025-04-10 09:00:00"):
        response = api(bpjs).get(CLAIMS, {"year": 2025, "regency": "33.26"})

    # Then each village sets its benefits against its contributions paid that year
    rows = {r["village"]: r for r in response.json()["rows"]}
    assert rows[KWAYANGAN] | {"village_name": None} == {
        "village": KWAYANGAN,
        "village_name": None,
        "claims": 1,
        "benefits": {"jkm": 42_000_000},
        "benefits_paid": 42_000_000,
        "contributions_paid": 3 * BPU_PACKAGE,
        "ratio": round(42_000_000 / 50_400, 2),
    }
    assert (rows[TOSARAN]["benefits_paid"], rows[TOSARAN]["contributions_paid"]) == (
        3_500_000,
        3 * BPU_PACKAGE,
    )
    # A village that paid and claimed nothing has a ratio of 0
    assert (
        rows[LANGKAP]["claims"],
        rows[LANGKAP]["contributions_paid"],
        rows[LANGKAP]["ratio"],
    ) == (
        0,
        2 * BPU_PACKAGE,
        0.0,
    )
    # And a year with nothing is empty; a Banyumas village never shows
    with freeze_time("2025-04-10 09:00:00"):
        assert api(bpjs).get(CLAIMS, {"year": 2024}).json()["rows"] == []
    assert CIRAHAB not in rows
