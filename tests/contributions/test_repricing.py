"""Re-pricing: months billed before a rule changed are priced again, unpaid bills in place,
paid ones by a credit on the next open bill; twice changes nothing; the history says why."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from contributions.models import Bill, BillAdjustment, BillEvent, Relief, RuleChange
from contributions.periods import parse_period
from contributions.services.repricing import bills_reprice
from contributions.services.schedule import relief_create
from jamsostek.core.choices import Role
from tests.conftest import KWAYANGAN
from tests.factories import CoveredMemberFactory, PaymentFactory

from .helpers import bill_of, generate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PACKAGE, RELIEVED = 16_800, 8_400
MONTHS = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


@pytest.fixture
def frozen():
    with freeze_time("2026-11-20 03:00:00"):
        yield


@pytest.fixture
def without_the_relief():
    """PP 50/2025's other-sectors relief, taken out as if not yet entered; returns what
    ``relief_create`` needs to enter it again."""
    relief = Relief.objects.get(sectors=["other"])
    fields = {
        "name": relief.name,
        "segment": relief.segment,
        "programs": relief.programs,
        "percent_off": relief.percent_off,
        "sectors": relief.sectors,
        "excluded_funding_sources": relief.excluded_funding_sources,
        "effective_from": relief.effective_from,
        "effective_to": relief.effective_to,
        "source": relief.source,
    }
    RuleChange.objects.filter(relief=relief).delete()
    relief.delete()
    return fields


@pytest.fixture
def farmer(admin):
    """A vulnerable farmer of Kwayangan on the common package paid from ADD, since January."""
    return CoveredMemberFactory(
        actor=admin, category="pekerja_rentan", occupation="petani", effective_from="2026-01-01"
    )


def bills() -> dict[str, Bill]:
    return {f"{b.period:%Y-%m}": b for b in Bill.objects.filter(village__code=KWAYANGAN)}


def reprice(admin, first="2026-04", last="2026-11"):
    return bills_reprice(
        actor=admin, period_from=parse_period(first), period_to=last and parse_period(last)
    )


def test_repricing_halves_unpaid_bills_and_credits_the_paid_one(
    admin, make_user, farmer, without_the_relief
):
    # Given April to November billed at full price, and June paid
    for month in MONTHS:
        generate(month, KWAYANGAN)
    assert {m: b.amount for m, b in bills().items()} == dict.fromkeys(MONTHS, PACKAGE)
    PaymentFactory(
        actor=make_user(Role.VILLAGE_OPERATOR), bill=bill_of(period="2026-06"), paid_on="2026-06-10"
    )

    # When PP 50/2025 is entered and those months are re-priced
    relief_create(actor=admin, **without_the_relief)
    result = reprice(admin)

    # Then the unpaid bills are halved in place
    after = bills()
    for month in MONTHS:
        if month not in ("2026-06", "2026-07"):
            assert (after[month].lines_amount, after[month].amount) == (RELIEVED, RELIEVED), month
    # the paid June bill is untouched
    june = after["2026-06"]
    assert (june.lines_amount, june.amount, june.status) == (PACKAGE, PACKAGE, "paid")
    assert june.lines.get().amount == PACKAGE
    # and its Rp 8,400 too much is a credit on the next open bill, July, which it settles
    july = after["2026-07"]
    assert (july.lines_amount, july.adjustment_amount, july.amount) == (RELIEVED, -RELIEVED, 0)
    assert july.status == "paid"
    credit = BillAdjustment.objects.get()
    assert (credit.origin, credit.bill, credit.amount) == (june, july, -RELIEVED)
    assert "2026-06" in credit.reason and "PP 50/2025" in credit.reason
    assert (result.lines_repriced, result.bills_repriced) == (7, 7)
    assert (result.adjustments, result.credit, result.debit) == (1, RELIEVED, 0)

    # And the history of each bill says why, and who
    april = BillEvent.objects.get(bill=after["2026-04"])
    assert (april.action, april.actor) == ("repriced", admin)
    assert april.changes == {"lines_amount": [PACKAGE, RELIEVED]}
    assert "PP 50/2025, other sectors" in april.reason
    assert [e.action for e in BillEvent.objects.filter(bill=july)] == ["repriced", "adjusted"]

    # When it runs a second time, then nothing changes
    events, again = BillEvent.objects.count(), reprice(admin)
    assert (again.lines_repriced, again.bills_repriced, again.adjustments) == (0, 0, 0)
    assert BillEvent.objects.count() == events
    assert {m: (b.amount, b.updated_at) for m, b in bills().items()} == {
        m: (b.amount, b.updated_at) for m, b in after.items()
    }


def test_the_bill_body_shows_the_credit_and_the_history(
    api, admin, make_user, farmer, without_the_relief
):
    for month in ("2026-06", "2026-07"):
        generate(month, KWAYANGAN)
    operator = make_user(Role.VILLAGE_OPERATOR)
    PaymentFactory(actor=operator, bill=bill_of(period="2026-06"), paid_on="2026-06-10")
    relief_create(actor=admin, **without_the_relief)
    reprice(admin, "2026-06", "2026-07")

    july = api(operator).get(f"/api/v1/bills/{bill_of(period='2026-07').pk}/").json()
    june = api(operator).get(f"/api/v1/bills/{bill_of(period='2026-06').pk}/").json()
    assert (july["lines_amount"], july["adjustment_amount"], july["amount"]) == (
        RELIEVED,
        -RELIEVED,
        0,
    )
    [credit] = july["adjustments"]
    assert (credit["amount"], credit["origin_period"], credit["bill"]) == (
        -RELIEVED,
        "2026-06",
        july["id"],
    )
    assert june["adjustments_caused"] == [credit]
    assert [h["action"] for h in july["history"]] == ["repriced", "adjusted"]
    assert july["history"][0]["actor"] == admin.username


def test_a_credit_larger_than_the_next_bill_is_carried_on(
    admin, make_user, farmer, without_the_relief
):
    # Given June and July paid at full price, and August to November unpaid
    for month in MONTHS:
        generate(month, KWAYANGAN)
    operator = make_user(Role.VILLAGE_OPERATOR)
    for month in ("2026-06", "2026-07"):
        PaymentFactory(actor=operator, bill=bill_of(period=month), paid_on=f"{month}-10")
    relief_create(actor=admin, **without_the_relief)

    # When the months are re-priced
    reprice(admin)

    # Then each paid month's Rp 8,400 goes to the next open bill it fits on: August, then
    # (August being settled) September
    after = bills()
    assert [(a.origin.period, a.bill.period, a.amount) for a in BillAdjustment.objects.all()] == [
        (datetime.date(2026, 6, 1), datetime.date(2026, 8, 1), -RELIEVED),
        (datetime.date(2026, 7, 1), datetime.date(2026, 9, 1), -RELIEVED),
    ]
    assert after["2026-08"].amount == after["2026-09"].amount == 0
    assert after["2026-10"].amount == RELIEVED


def test_a_credit_no_bill_can_take_waits_for_the_next_generation(
    admin, make_user, farmer, without_the_relief
):
    # Given November, the last month billed, paid at full price
    generate("2026-11", KWAYANGAN)
    PaymentFactory(
        actor=make_user(Role.VILLAGE_OPERATOR), bill=bill_of(period="2026-11"), paid_on="2026-11-10"
    )
    relief_create(actor=admin, **without_the_relief)

    # When it is re-priced, then its credit is pending: no open bill can take it yet
    reprice(admin, "2026-11", "2026-11")
    pending = BillAdjustment.objects.get()
    assert (pending.bill, pending.amount) == (None, -RELIEVED)

    # When December is billed (relieved too), then the credit settles it
    generate("2026-12", KWAYANGAN)
    december = bill_of(period="2026-12")
    assert (december.lines_amount, december.adjustment_amount, december.amount) == (
        RELIEVED,
        -RELIEVED,
        0,
    )
    assert BillAdjustment.objects.get().bill == december


def test_only_an_admin_reprices_and_the_command_does_the_same(
    api, admin, make_user, farmer, without_the_relief
):
    generate("2026-05", KWAYANGAN)
    relief_create(actor=admin, **without_the_relief)
    body = {"period_from": "2026-05", "period_to": "2026-05", "regency": "33.26"}
    # When an auditor asks, then it is refused
    refused = api(make_user(Role.PMD_AUDITOR)).post("/api/v1/bills/reprice/", body, format="json")
    assert refused.status_code == 403
    # When an admin asks, then May is re-priced and the answer counts it
    done = api(admin).post("/api/v1/bills/reprice/", body, format="json")
    assert done.status_code == 200, done.json()
    assert done.json() == {
        "months": 1,
        "prices_revised": 1,
        "lines_repriced": 1,
        "bills_repriced": 1,
        "adjustments": 0,
        "credit": 0,
        "debit": 0,
    }
    assert bill_of(period="2026-05").amount == RELIEVED
    # and the command, run afterwards, finds nothing left to do
    call_command("reprice_bills", "--from", "2026-05", "--to", "2026-05")
    assert BillEvent.objects.filter(action="repriced").count() == 1


def test_the_last_month_cannot_come_before_the_first(api, admin):
    response = api(admin).post(
        "/api/v1/bills/reprice/", {"period_from": "2026-06", "period_to": "2026-05"}, format="json"
    )
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["period_to"]
