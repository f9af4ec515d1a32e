"""The seeded rate schedule, /rates/, and what RateTable charges a member each month."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.models import Rate
from contributions.rates import RateTable, Terms
from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import percent_of, round_rupiah, total

pytestmark = pytest.mark.django_db

TODAY_ROWS = {
    ("bpu", "jkk", None),
    ("bpu", "jkm", None),
    ("bpu", "jht", None),
    ("pu", "jkk", "very_low"),
    ("pu", "jkk", "low"),
    ("pu", "jkk", "medium"),
    ("pu", "jkk", "high"),
    ("pu", "jkk", "very_high"),
    ("pu", "jkm", None),
    ("pu", "jht", None),
    ("pu", "jp", None),
}


def rows(response) -> dict[tuple, dict]:
    return {(r["segment"], r["program"], r["risk_class"]): r for r in response.json()["results"]}


def bpu(income: int, *programs: str) -> Terms:
    return Terms("bpu", programs or ("jkk", "jkm"), declared_income=income)


def pu(wage: int, *programs: str, risk_class: str = "very_low") -> Terms:
    return Terms("pu", programs or ("jkk", "jkm"), wage=wage, risk_class=risk_class)


def table(day: str) -> RateTable:
    return RateTable.for_month(datetime.date.fromisoformat(day))


def full(employer: int, worker: int) -> dict:
    """A program's detail where no relief applies: due is the normal amount."""
    return {"employer": employer, "worker": worker, "normal": employer + worker, "relief": 0}


# --- /rates/ ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_any_role_reads_the_rates_in_force_today(api, make_user, role):
    # When any user asks for the rates without a date
    response = api(make_user(role)).get("/api/v1/rates/")
    # Then the rows in force today come back, one per program, segment (and risk class)
    assert response.status_code == 200
    found = rows(response)
    assert set(found) == TODAY_ROWS
    assert response.json()["count"] == len(TODAY_ROWS)
    today = timezone.localdate().isoformat()
    for row in found.values():
        assert row["effective_from"] <= today
        assert row["effective_to"] is None or row["effective_to"] >= today


def test_the_rate_body(api, make_user):
    found = rows(api(make_user(Role.VILLAGE_OPERATOR)).get("/api/v1/rates/"))
    jkk = found[("bpu", "jkk", None)]
    assert jkk["basis"] == "percent_of_income"
    assert jkk["value"] == 1
    assert (jkk["employer_value"], jkk["worker_value"]) == (0, 1)
    assert (jkk["base_min"], jkk["base_max"]) == (1_000_000, 20_700_000)
    assert jkk["effective_from"] == "2015-07-01"
    assert jkk["source"]
    jkm = found[("bpu", "jkm", None)]
    assert (jkm["basis"], jkm["value"]) == ("flat", 6800)
    jht = found[("pu", "jht", None)]
    assert (jht["employer_value"], jht["worker_value"], jht["value"]) == (3.7, 2, 5.7)
    assert [
        found[("pu", "jkk", c)]["value"] for c in ("very_low", "low", "medium", "high", "very_high")
    ] == [
        0.24,
        0.54,
        0.89,
        1.27,
        1.74,
    ]


def test_anonymous_is_401(api):
    assert api().get("/api/v1/rates/").status_code == 401


@pytest.mark.parametrize(
    ("day", "cap"),
    [
        ("2023-01-01", 9_559_600),
        ("2024-01-15", 9_559_600),
        ("2024-02-29", 9_559_600),
        ("2024-03-01", 10_042_300),
        ("2024-06-01", 10_042_300),
        ("2025-02-28", 10_042_300),
        ("2025-03-01", 10_547_400),
        ("2026-02-28", 10_547_400),
        ("2026-03-01", 11_086_300),  # BPJS letter B/1226/022026
    ],
)
def test_the_jp_cap_on_a_day(api, make_user, day, cap):
    response = api(make_user(Role.PMD_AUDITOR)).get("/api/v1/rates/", {"on": day})
    assert response.status_code == 200
    found = rows(response)
    assert set(found) == TODAY_ROWS  # one row of each, never two JP rows on one day
    assert found[("pu", "jp", None)]["base_max"] == cap


def test_before_the_schedule_nothing_is_in_force(api, make_user):
    client = api(make_user(Role.ADMIN))
    assert client.get("/api/v1/rates/", {"on": "2015-06-30"}).json()["count"] == 0
    # JP rows start with the 2023 cap: on a 2022 day the schedule has no JP row
    assert ("pu", "jp", None) not in rows(client.get("/api/v1/rates/", {"on": "2022-06-01"}))


def test_rates_filter_by_program_and_segment(api, make_user):
    client = api(make_user(Role.BPJS_OFFICER))
    response = client.get("/api/v1/rates/", {"program": "jkk", "segment": "pu"})
    assert {r["risk_class"] for r in response.json()["results"]} == {
        "very_low",
        "low",
        "medium",
        "high",
        "very_high",
    }
    response = client.get("/api/v1/rates/", {"program": "jp", "on": "2024-06-01"})
    assert [r["base_max"] for r in response.json()["results"]] == [10_042_300]


def test_a_bad_date_is_400(api, admin):
    response = api(admin).get("/api/v1/rates/", {"on": "kemarin"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "on"


def test_only_iso_dates_are_accepted(api, admin):
    # In English 01-03-2024 is refused; in Indonesian (the default) it must be too
    assert api(admin, language="en").get("/api/v1/rates/", {"on": "01-03-2024"}).status_code == 400
    assert api(admin).get("/api/v1/rates/", {"on": "01-03-2024"}).status_code == 400


def test_rate_rows_are_never_edited_or_deleted(api, make_user):
    # Rows are added and closed (tests/contributions/test_schedule.py), never changed in place
    client = api(make_user(Role.ADMIN))
    rate = Rate.objects.first()
    assert client.put(f"/api/v1/rates/{rate.pk}/", {}, format="json").status_code == 405
    assert client.patch(f"/api/v1/rates/{rate.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/rates/{rate.pk}/").status_code == 405
    # and only an admin adds one
    assert api(make_user(Role.PMD_AUDITOR)).post("/api/v1/rates/", {}).status_code == 403
    assert client.post("/api/v1/rates/", {}, format="json").status_code == 400


# --- RateTable arithmetic ---------------------------------------------------------------


def test_the_common_bpu_package_is_16800():
    detail = table("2025-06-01").contribution(bpu(1_000_000))
    assert detail == {
        "jkk": full(0, 10_000),
        "jkm": full(0, 6_800),
    }
    assert total(detail) == 16_800


@pytest.mark.parametrize(
    ("income", "jkk"),
    [
        (500_000, 10_000),  # below the lowest bracket: charged on 1,000,000
        (1, 10_000),
        (1_000_000, 10_000),
        (1_234_567, 12_346),  # 1% = 12,345.67 → 12,346
        (1_234_549, 12_345),  # 1% = 12,345.49 → 12,345
        (1_234_550, 12_346),  # 1% = 12,345.50 → half up
        (20_700_000, 207_000),
        (30_000_000, 207_000),  # above the highest bracket: charged on 20,700,000
    ],
)
def test_bpu_jkk_within_the_brackets(income, jkk):
    assert table("2025-06-01").contribution(bpu(income, "jkk")) == {"jkk": full(0, jkk)}


def test_bpu_jht_is_2_percent_of_the_bracketed_income():
    detail = table("2025-06-01").contribution(bpu(3_000_000, "jkk", "jkm", "jht"))
    assert detail["jht"] == full(0, 60_000)
    assert total(detail) == 30_000 + 6_800 + 60_000


@pytest.mark.parametrize(
    ("risk_class", "employer"),
    [
        ("very_low", 6_000),  # 0.24%
        ("low", 13_500),  # 0.54%
        ("medium", 22_250),  # 0.89%
        ("high", 31_750),  # 1.27%
        ("very_high", 43_500),  # 1.74%
    ],
)
def test_pu_jkk_by_risk_class(risk_class, employer):
    detail = table("2025-06-01").contribution(pu(2_500_000, "jkk", risk_class=risk_class))
    assert detail == {"jkk": full(employer, 0)}


@pytest.mark.parametrize(
    ("month", "employer", "worker"),
    [
        ("2023-06-01", 191_192, 95_596),  # capped at 9,559,600
        ("2024-01-15", 191_192, 95_596),
        ("2024-02-01", 191_192, 95_596),
        ("2024-03-20", 200_846, 100_423),  # from March 2024: 10,042,300
        ("2024-06-01", 200_846, 100_423),
        ("2025-03-01", 210_948, 105_474),  # from March 2025: 10,547,400
        ("2026-02-01", 210_948, 105_474),
        ("2026-03-01", 221_726, 110_863),  # from March 2026: 11,086,300
    ],
)
def test_pu_jp_above_the_cap_is_capped_per_period(month, employer, worker):
    detail = table(month).contribution(pu(12_000_000, "jkk", "jkm", "jp"))
    assert detail["jp"] == full(employer, worker)
    # JKK and JKM have no cap
    assert detail["jkk"] == full(28_800, 0)
    assert detail["jkm"] == full(36_000, 0)


def test_pu_jp_below_the_cap_is_on_the_whole_wage():
    detail = table("2024-06-01").contribution(pu(5_000_000, "jkk", "jkm", "jp"))
    assert detail["jp"] == full(100_000, 50_000)


def test_a_half_rupiah_rounds_up():
    # A wage of 2,500,500: JKM 0.30% = 7,501.5 → 7,502; JHT employer 3.7% = 92,518.5 → 92,519
    detail = table("2025-06-01").contribution(pu(2_500_500, "jkk", "jkm", "jht", "jp"))
    assert percent_of(2_500_500, Decimal("0.30")) == Decimal("7501.5")
    assert percent_of(2_500_500, Decimal("3.70")) == Decimal("92518.5")
    assert detail == {
        "jkk": full(6_001, 0),  # 6,001.2
        "jkm": full(7_502, 0),
        "jht": full(92_519, 50_010),
        "jp": full(50_010, 25_005),
    }
    # rounded per share, summed after rounding
    assert total(detail) == 6_001 + 7_502 + 92_519 + 50_010 + 50_010 + 25_005


def test_the_month_takes_the_rates_of_its_first_day():
    # 2024-03-31 is a March day: the March cap, not February's
    assert table("2024-03-31").day == datetime.date(2024, 3, 1)
    assert table("2024-03-31").contribution(pu(12_000_000, "jp"))["jp"]["worker"] == 100_423


def test_no_rate_in_force_is_an_error():
    with pytest.raises(ApplicationError) as caught:
        RateTable(datetime.date(2015, 6, 30)).contribution(bpu(1_000_000))
    assert caught.value.code == "no_rate"
    with pytest.raises(ApplicationError) as caught:
        table("2015-06-15").rate("bpu", "jkk", None)
    assert caught.value.code == "no_rate"
    # from 2015-07-01 the BPU package is in force
    assert total(table("2015-07-01").contribution(bpu(1_000_000))) == 16_800


def test_a_program_a_segment_lacks_is_an_error():
    with pytest.raises(ApplicationError) as caught:
        table("2025-06-01").contribution(bpu(1_000_000, "jkk", "jkm", "jp"))
    assert caught.value.code == "no_rate"


def test_a_pu_member_is_charged_by_its_own_risk_class_only():
    low = table("2025-06-01").contribution(pu(2_500_000, "jkk", risk_class="low"))
    assert low["jkk"]["employer"] == 13_500
    with pytest.raises(ApplicationError):
        table("2025-06-01").contribution(pu(2_500_000, "jkk", risk_class=None))


def test_rates_corrected_as_data_change_the_figures():
    # DOMAIN.md: figures are data. A later row for BPU JKM replaces the flat amount from its day.
    Rate.objects.create(
        program="jkm",
        segment="bpu",
        basis="flat",
        worker_value=Decimal("7200"),
        effective_from=datetime.date(2030, 1, 1),
    )
    assert table("2029-12-01").contribution(bpu(1_000_000, "jkm"))["jkm"]["worker"] == 6_800
    assert table("2030-01-01").contribution(bpu(1_000_000, "jkm"))["jkm"]["worker"] == 7_200


# --- round_rupiah -----------------------------------------------------------------------

amounts = st.decimals(
    min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False
)


@settings(deadline=None, max_examples=300)
@given(amount=amounts)
def test_round_rupiah_is_half_up(amount):
    rounded = round_rupiah(amount)
    assert type(rounded) is int
    assert rounded == math.floor(amount + Decimal("0.5"))
    assert abs(Decimal(rounded) - amount) <= Decimal("0.5")


@settings(deadline=None)
@given(whole=st.integers(min_value=0, max_value=10**12))
def test_round_rupiah_halves_go_up_never_to_even(whole):
    assert round_rupiah(Decimal(whole) + Decimal("0.5")) == whole + 1
    assert round_rupiah(Decimal(whole) + Decimal("0.4999")) == whole
    assert round_rupiah(Decimal(whole)) == whole


@pytest.mark.parametrize(
    ("amount", "rupiah"),
    [("10.5", 11), ("2.5", 3), ("0.5", 1), ("10.49", 10), ("12345.67", 12346), ("0", 0)],
)
def test_round_rupiah_examples(amount, rupiah):
    assert round_rupiah(Decimal(amount)) == rupiah
