"""The money rules of 2026: PP 50/2025's relief for BPU, the 2026 JP cap, sectors as data.

Figures from the issue (and ../shared/DOMAIN.md): the common BPU package JKK + JKM on the
lowest bracket is Rp 16,800 a month, Rp 8,400 while the relief applies.
"""

from __future__ import annotations

import datetime

import pytest
from freezegun import freeze_time

from contributions.models import BillLine, OccupationSector, Relief
from contributions.periods import add_months, parse_period
from contributions.rates import RateTable, Terms
from jamsostek.core.choices import Role
from jamsostek.core.money import total
from tests.conftest import KWAYANGAN
from tests.factories import CoveredMemberFactory

from .helpers import bill_of, bpu_terms, generate, pu_terms

pytestmark = pytest.mark.django_db

PACKAGE, RELIEVED = 16_800, 8_400


def months(first: str, last: str) -> list[str]:
    start, end = parse_period(first), parse_period(last)
    found = []
    while start <= end:
        found.append(f"{start:%Y-%m}")
        start = add_months(start, 1)
    return found


def price(month: str, **terms) -> dict:
    """The detail of ``terms`` for ``month`` (YYYY-MM), as bills and member bodies get it."""
    defaults = {
        "segment": "bpu",
        "programs": ("jkk", "jkm"),
        "declared_income": 1_000_000,
        "funding_source": "add",
        "occupation": "petani",
    }
    return RateTable.for_month(parse_period(month)).contribution(Terms(**{**defaults, **terms}))


# --- the figures ------------------------------------------------------------------------


def test_a_petani_funded_from_add_pays_half_from_april_to_december_2026():
    # Given a vulnerable farmer on the common package, paid from ADD
    # Then March 2026 is full price, April to December half, January 2027 full again
    assert total(price("2026-03")) == PACKAGE
    for month in months("2026-04", "2026-12"):
        assert total(price(month)) == RELIEVED, month
    assert total(price("2027-01")) == PACKAGE


def test_an_ojek_driver_pays_half_from_january_2026_to_march_2027():
    # Given a motorcycle-taxi driver: the transport sector
    assert total(price("2025-12", occupation="ojek")) == PACKAGE
    for month in months("2026-01", "2027-03"):
        assert total(price(month, occupation="ojek")) == RELIEVED, month
    assert total(price("2027-04", occupation="ojek")) == PACKAGE


@pytest.mark.parametrize("source", ["apbd", "apbn"])
def test_bpu_paid_from_the_state_budgets_pay_full_price(source):
    # Given the same farmer, but the regency's "bantuan iuran" (or APBN) pays
    # Then no month of 2026 is relieved
    for month in months("2026-01", "2026-12"):
        assert total(price(month, funding_source=source)) == PACKAGE, month


def test_officials_on_bpu_are_other_sectors_and_jht_is_not_relieved():
    # Given a BPD member (no occupation) with JHT on Rp 2,000,000, in June 2026
    detail = price(
        "2026-06", programs=("jkk", "jkm", "jht"), declared_income=2_000_000, occupation=None
    )
    # Then JKK 10,000 + JKM 3,400 + JHT 40,000 = Rp 53,400, and the detail says why
    assert detail == {
        "jkk": {"employer": 0, "worker": 10_000, "normal": 20_000, "relief": 10_000},
        "jkm": {"employer": 0, "worker": 3_400, "normal": 6_800, "relief": 3_400},
        "jht": {"employer": 0, "worker": 40_000, "normal": 40_000, "relief": 0},
    }
    assert total(detail) == 53_400


def test_the_jp_wage_cap_rises_in_march_2026():
    # Given a village official on PU with a wage of Rp 12,000,000 (above both caps)
    pu = {"segment": "pu", "programs": ("jkk", "jkm", "jht", "jp"), "declared_income": None}
    february = price("2026-02", wage=12_000_000, risk_class="very_low", **pu)["jp"]
    march = price("2026-03", wage=12_000_000, risk_class="very_low", **pu)["jp"]
    # Then JP is on Rp 10,547,400 until February, on Rp 11,086,300 from March
    assert (february["employer"], february["worker"]) == (210_948, 105_474)
    assert (march["employer"], march["worker"]) == (221_726, 110_863)
    assert march["relief"] == 0


def test_the_sector_of_an_occupation_is_data():
    # Given the office decides farmers count as transport (say, a correction of the mapping)
    OccupationSector.objects.filter(occupation="petani").update(sector="transport")
    # Then a farmer is relieved from January 2026, as the transport sector is
    assert total(price("2026-02")) == RELIEVED
    # and an occupation with no sector row gets no sector relief at all
    OccupationSector.objects.filter(occupation="petani").delete()
    assert total(price("2026-06")) == PACKAGE


def test_a_relief_row_is_data_too():
    # Given the other sectors' relief is closed early, at the end of June 2026
    Relief.objects.filter(sectors=["other"]).update(effective_to=datetime.date(2026, 6, 30))
    # Then July 2026 is full price again
    assert total(price("2026-06")) == RELIEVED
    assert total(price("2026-07")) == PACKAGE


# --- bills and bodies show it -------------------------------------------------------------


@freeze_time("2026-06-10 03:00:00")
def test_bills_of_2026_carry_the_relief_line_by_line(api, make_user):
    admin = make_user(Role.ADMIN)
    # Given a farmer and an ojek driver paid from ADD, and a farmer paid from APBD
    farmer = CoveredMemberFactory(
        actor=admin, category="pekerja_rentan", occupation="petani", effective_from="2026-01-01"
    )
    driver = CoveredMemberFactory(
        actor=admin, category="pekerja_rentan", occupation="ojek", effective_from="2026-01-01"
    )
    helped = CoveredMemberFactory(
        actor=admin,
        category="pekerja_rentan",
        occupation="petani",
        enrollment=bpu_terms(funding_source="apbd"),
        effective_from="2026-01-01",
    )
    # When March and June are billed
    generate("2026-03", KWAYANGAN)
    generate("2026-06", KWAYANGAN)

    # Then each line is priced by the rules of its month
    def line(member, month):
        return BillLine.objects.get(enrollment__member=member, period=parse_period(month))

    assert line(farmer, "2026-03").amount == PACKAGE
    assert line(driver, "2026-03").amount == RELIEVED
    assert line(farmer, "2026-06").amount == RELIEVED
    assert line(helped, "2026-06").amount == PACKAGE
    assert line(farmer, "2026-06").price.relief.name == "PP 50/2025, other sectors"
    assert line(driver, "2026-03").price.relief.name == "PP 50/2025, transport sector"
    assert line(helped, "2026-06").price.relief is None
    assert bill_of(period="2026-06").amount == 2 * RELIEVED
    assert bill_of(period="2026-06", source="apbd").amount == PACKAGE

    # And the bill a secretary opens says why Rp 8,400 and not Rp 16,800
    bill = bill_of(period="2026-06")
    body = api(make_user(Role.VILLAGE_OPERATOR)).get(f"/api/v1/bills/{bill.pk}/").json()
    shown = {row["member"]: row for row in body["lines"]}[farmer.pk]
    assert shown["amount"] == RELIEVED
    assert shown["detail"]["jkk"] == {
        "employer": 0,
        "worker": 5_000,
        "normal": 10_000,
        "relief": 5_000,
    }
    assert shown["relief"] == "PP 50/2025, other sectors"


@freeze_time("2026-06-10 03:00:00")
def test_a_member_body_prices_this_month_with_its_relief(api, make_user):
    admin = make_user(Role.ADMIN)
    farmer = CoveredMemberFactory(actor=admin, category="pekerja_rentan", occupation="petani")
    helped = CoveredMemberFactory(
        actor=admin,
        category="pekerja_rentan",
        occupation="petani",
        enrollment=bpu_terms(funding_source="apbd"),
    )
    official = CoveredMemberFactory(actor=admin, enrollment=pu_terms())
    client = api(make_user(Role.VILLAGE_OPERATOR))

    # When the secretary opens them in June 2026
    relieved = client.get(f"/api/v1/members/{farmer.pk}/").json()["enrollment"]
    full = client.get(f"/api/v1/members/{helped.pk}/").json()["enrollment"]
    pu = client.get(f"/api/v1/members/{official.pk}/").json()["enrollment"]

    # Then the farmer paid from ADD costs Rp 8,400 this month, and the body names the relief
    assert relieved["monthly_contribution"] == RELIEVED
    assert relieved["contribution_detail"]["jkm"] == {
        "employer": 0,
        "worker": 3_400,
        "normal": 6_800,
        "relief": 3_400,
    }
    assert relieved["relief"]["name"] == "PP 50/2025, other sectors"
    assert relieved["relief"]["percent_off"] == 50
    assert relieved["relief"]["source"].startswith("PP 50/2025")
    # the one paid from APBD costs the whole Rp 16,800, with no relief
    assert (full["monthly_contribution"], full["relief"]) == (PACKAGE, None)
    # and a PU official is priced at the 2026 JP cap (wage under it: 3 % of Rp 2,400,000)
    assert (
        pu["contribution_detail"]["jp"]["employer"] + pu["contribution_detail"]["jp"]["worker"]
        == 72_000
    )
    assert pu["relief"] is None
