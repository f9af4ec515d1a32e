"""Arrears: overdue bills, BPU lapses after long arrears, reactivation, /arrears/, members."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from contributions.models import Bill, BillLine
from contributions.services.arrears import RulesResult, arrears_rules_apply
from jamsostek.core.choices import Role
from members.models import MemberEvent, Status
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN
from tests.factories import CoveredMemberFactory, PaymentFactory

from .helpers import (
    BPU_PACKAGE,
    bill_of,
    bpu_terms,
    day,
    enrollment_of,
    generate,
    lines_of,
    pu_terms,
)

pytestmark = pytest.mark.django_db


def bill_months(*periods: str, village: str | None = None) -> None:
    """Bill each month on its 2nd day, before anything falls due."""
    for period in periods:
        with freeze_time(f"{period}-02 03:00:00"):
            generate(period, *([village] if village else []))


def rules_on(date: str) -> RulesResult:
    with freeze_time(f"{date} 03:00:00"):
        return arrears_rules_apply()


def statuses() -> dict[str, str]:
    return {f"{b.period:%Y-%m}/{b.segment}": b.status for b in Bill.objects.order_by("period")}


def state(member) -> tuple[str, object]:
    enrollment = enrollment_of(member)
    return enrollment.status, enrollment.lapsed_on


JAN_TO_APR = ("2025-01", "2025-02", "2025-03", "2025-04")


# --- overdue ----------------------------------------------------------------------------------


def test_a_bill_past_its_due_date_becomes_overdue(admin):
    # Given January's BPU bill, due Wednesday 15 January
    CoveredMemberFactory(actor=admin)
    bill_months("2025-01")
    assert statuses() == {"2025-01/bpu": "open"}

    # When the rules run on the due date itself, nothing is overdue yet
    assert rules_on("2025-01-15") == RulesResult(0, 0, 0)
    assert statuses() == {"2025-01/bpu": "open"}

    # When they run the day after, it is
    assert rules_on("2025-01-16") == RulesResult(overdue=1)
    assert statuses() == {"2025-01/bpu": "overdue"}


def test_a_partly_paid_bill_past_due_is_overdue_and_a_paid_one_is_not(admin, operator):
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(
        actor=admin, enrollment=bpu_terms(funding_source="apbd"), category="pekerja_rentan"
    )
    bill_months("2025-01")
    with freeze_time("2025-01-10 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-01"), amount=10_000)
        PaymentFactory(actor=operator, bill=bill_of(period="2025-01", source="apbd"))
    assert rules_on("2025-01-16").overdue == 1
    assert bill_of(period="2025-01").status == "overdue"
    assert bill_of(period="2025-01", source="apbd").status == "paid"


# --- lapse ----------------------------------------------------------------------------------


def test_four_consecutive_overdue_months_lapse_a_bpu_enrollment(admin):
    # Given a BPU member who paid nothing from January to April (April due the 15th)
    member = CoveredMemberFactory(actor=admin)
    bill_months(*JAN_TO_APR)

    # When the rules run on 16 April
    result = rules_on("2025-04-16")

    # Then the four bills are overdue and the enrollment lapsed that day
    assert result == RulesResult(overdue=4, lapsed=1, reactivated=0)
    assert set(statuses().values()) == {"overdue"}
    assert state(member) == (Status.LAPSED, day("2025-04-16"))
    # And the history says so, with no user as the actor
    event = MemberEvent.objects.filter(member=member).order_by("-pk").first()
    assert event.actor is None
    assert event.action == "status"
    assert event.changes == {"status": ["active", "lapsed"], "lapsed_on": [None, "2025-04-16"]}
    assert "4" in event.reason


def test_three_overdue_months_do_not_lapse(admin):
    member = CoveredMemberFactory(actor=admin)
    bill_months("2025-01", "2025-02", "2025-03")
    assert rules_on("2025-03-18") == RulesResult(overdue=3)
    assert state(member) == (Status.ACTIVE, None)
    # And a fourth month billed but not yet due does not count
    bill_months("2025-04")
    assert rules_on("2025-04-10") == RulesResult()
    assert state(member) == (Status.ACTIVE, None)


def test_a_paid_month_breaks_the_streak(admin, operator):
    # Given January unpaid, February paid, March to May unpaid
    member = CoveredMemberFactory(actor=admin)
    bill_months("2025-01", "2025-02")
    with freeze_time("2025-02-10 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-02"))
    bill_months("2025-03", "2025-04", "2025-05")

    # When the rules run after May's due date: four unpaid months, but only three in a row
    result = rules_on("2025-05-16")

    # Then nothing lapses
    assert result.lapsed == 0
    assert state(member) == (Status.ACTIVE, None)


def test_a_lapsed_enrollment_is_not_billed_for_later_months(admin):
    # Given a lapsed member and one who keeps paying... or not yet long enough
    lapsing = CoveredMemberFactory(actor=admin)
    bill_months(*JAN_TO_APR)
    newer = CoveredMemberFactory(actor=admin, effective_from="2025-04-01")
    bill_months("2025-04")
    rules_on("2025-04-16")
    assert state(lapsing)[0] == Status.LAPSED
    assert state(newer)[0] == Status.ACTIVE

    # When May and June are billed
    bill_months("2025-05", "2025-06")

    # Then only the active member is on them
    assert lines_of(lapsing) == list(JAN_TO_APR)
    assert lines_of(newer) == ["2025-04", "2025-05", "2025-06"]
    assert bill_of(period="2025-05").amount == BPU_PACKAGE


def test_pu_enrollments_never_lapse(admin):
    # Given a PU official whose bills from January to June go unpaid
    member = CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    bill_months(*JAN_TO_APR, "2025-05", "2025-06")

    # When the rules run once June's bill is overdue too (due 15 July)
    result = rules_on("2025-07-16")

    # Then six bills are overdue and the enrollment is still active
    assert result == RulesResult(overdue=6)
    assert state(member) == (Status.ACTIVE, None)


def test_running_the_rules_twice_changes_nothing_the_second_time(admin):
    lapsing = CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, effective_from="2025-03-01")
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    bill_months(*JAN_TO_APR)
    first = rules_on("2025-04-16")
    assert (first.lapsed, first.overdue > 0) == (1, True)
    bills = list(Bill.objects.order_by("pk").values("pk", "status", "amount", "paid_amount"))
    enrollments = [state(m) for m in (lapsing,)]
    events = MemberEvent.objects.count()

    assert rules_on("2025-04-16") == RulesResult(0, 0, 0)
    assert rules_on("2025-04-17") == RulesResult(0, 0, 0)

    assert list(Bill.objects.order_by("pk").values("pk", "status", "amount", "paid_amount")) == (
        bills
    )
    assert [state(m) for m in (lapsing,)] == enrollments
    assert MemberEvent.objects.count() == events


# --- reactivation -------------------------------------------------------------------------------


def lapsed_member(admin):
    """A BPU member of Kwayangan who lapsed on 16 April 2025 over January to April."""
    member = CoveredMemberFactory(actor=admin)
    bill_months(*JAN_TO_APR)
    rules_on("2025-04-16")
    assert state(member) == (Status.LAPSED, day("2025-04-16"))
    return member


def pay_all_arrears(operator, on: str) -> None:
    with freeze_time(f"{on} 03:00:00"):
        for period in JAN_TO_APR:
            PaymentFactory(actor=operator, bill=bill_of(period=period))


def test_paying_all_arrears_within_the_window_reactivates(
    admin, operator, django_capture_on_commit_callbacks
):
    member = lapsed_member(admin)

    # When the village pays three of the four months on 10 May
    with freeze_time("2025-05-10 03:00:00"):
        for period in JAN_TO_APR[:3]:
            PaymentFactory(actor=operator, bill=bill_of(period=period))
    # Then it is still lapsed
    assert state(member)[0] == Status.LAPSED

    # When it pays the last one too (and the request commits)
    with freeze_time("2025-05-10 03:00:00"), django_capture_on_commit_callbacks(execute=True):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-04"))

    # Then the enrollment is active again, with a history entry by no user
    assert state(member) == (Status.ACTIVE, None)
    event = MemberEvent.objects.filter(member=member).order_by("-pk").first()
    assert event.actor is None
    assert event.changes == {"status": ["lapsed", "active"], "lapsed_on": ["2025-04-16", None]}
    assert event.reason == "arrears paid"
    # And it is billed again from this month on
    assert lines_of(member) == [*JAN_TO_APR, "2025-05"]


@pytest.mark.parametrize(("paid_on", "reactivated"), [("2025-07-15", True), ("2025-07-16", False)])
def test_the_reactivation_window_is_ninety_days(admin, operator, paid_on, reactivated):
    # Given a lapse on 16 April: 15 July is day 90 after it, 16 July day 91
    member = lapsed_member(admin)
    pay_all_arrears(operator, paid_on)
    assert set(statuses().values()) == {"paid"}
    assert state(member)[0] == (Status.ACTIVE if reactivated else Status.LAPSED)
    # And the nightly rules do not change that
    assert rules_on(paid_on).reactivated == 0
    assert state(member)[0] == (Status.ACTIVE if reactivated else Status.LAPSED)


def test_the_nightly_rules_reactivate_too(admin, operator, settings):
    # Given arrears paid while reactivation on payment found nothing to do (window 0 days)
    settings.REACTIVATION_WINDOW_DAYS = 0
    member = lapsed_member(admin)
    pay_all_arrears(operator, "2025-05-10")
    assert state(member)[0] == Status.LAPSED
    # When the window is widened and the rules run
    settings.REACTIVATION_WINDOW_DAYS = 90
    result = rules_on("2025-05-11")
    # Then the member is active again
    assert result.reactivated == 1
    assert state(member)[0] == Status.ACTIVE


# --- /arrears/ ------------------------------------------------------------------------------------


@pytest.fixture
def arrears(admin, operator, make_user):
    """On 16 April 2025:
    - Kwayangan: A (since January, lapsed today) and B (since March); January to April unpaid;
      E (APBD, since April) paid up.
    - Blacanan: C (since April), Rp 10,000 of April paid.
    - Cirahab (Banyumas): D (since March), March and April unpaid.
    """
    people = {
        "A": CoveredMemberFactory(actor=admin),
        "B": CoveredMemberFactory(actor=admin, effective_from="2025-03-01"),
        "C": CoveredMemberFactory(actor=admin, village=BLACANAN, effective_from="2025-04-01"),
        "D": CoveredMemberFactory(actor=admin, village=CIRAHAB, effective_from="2025-03-01"),
        "E": CoveredMemberFactory(
            actor=admin,
            enrollment=bpu_terms(funding_source="apbd"),
            category="pekerja_rentan",
            effective_from="2025-04-01",
        ),
    }
    bill_months(*JAN_TO_APR)
    with freeze_time("2025-04-10 03:00:00"):
        PaymentFactory(
            actor=make_user(Role.VILLAGE_OPERATOR, BLACANAN),
            bill=bill_of(BLACANAN, "2025-04"),
            amount=10_000,
        )
        PaymentFactory(actor=operator, bill=bill_of(period="2025-04", source="apbd"))
    with freeze_time("2025-04-16 03:00:00"):
        arrears_rules_apply()
        yield people


KWAYANGAN_ROW = {
    "village": KWAYANGAN,
    "village_name": "Kwayangan",
    "district": "33.26.13",
    "outstanding": 100_800,  # 16,800 + 16,800 + 33,600 + 33,600
    "months": 4,
    "oldest_period": "2025-01",
    "members_in_arrears": 2,
    "members_lapsed": 1,
}
BLACANAN_ROW = {
    "village": BLACANAN,
    "district": "33.26.17",
    "outstanding": 6_800,
    "months": 1,
    "oldest_period": "2025-04",
    "members_in_arrears": 1,
    "members_lapsed": 0,
}
CIRAHAB_ROW = {
    "village": CIRAHAB,
    "district": "33.02.01",
    "outstanding": 33_600,
    "months": 2,
    "oldest_period": "2025-03",
    "members_in_arrears": 1,
    "members_lapsed": 0,
}


def rows(client, **params) -> list[dict]:
    response = client.get("/api/v1/arrears/", params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def villages(client, **params) -> list[str]:
    return [r["village"] for r in rows(client, **params)]


def test_arrears_per_village(api, make_user, arrears):
    results = rows(api(make_user(Role.ADMIN)))
    # Largest outstanding first
    assert [r["village"] for r in results] == [KWAYANGAN, CIRAHAB, BLACANAN]
    assert results[0] == KWAYANGAN_ROW
    for row, expected in zip(results[1:], (CIRAHAB_ROW, BLACANAN_ROW), strict=True):
        assert {k: row[k] for k in expected} == expected
    assert all(type(r["outstanding"]) is int for r in results)


def test_arrears_filters(api, make_user, arrears):
    auditor = api(make_user(Role.PMD_AUDITOR))
    assert villages(auditor, village=BLACANAN) == [BLACANAN]
    assert villages(auditor, district="33.26.13") == [KWAYANGAN]
    assert villages(auditor, regency="33.26") == [KWAYANGAN, BLACANAN]
    assert villages(auditor, min_months=2) == [KWAYANGAN]
    assert villages(auditor, min_months=4) == [KWAYANGAN]
    assert villages(auditor, min_months=5) == []
    # A region outside the scope finds nothing
    assert villages(auditor, village=CIRAHAB) == []
    assert villages(auditor, regency="33.02") == []
    admin = api(make_user(Role.ADMIN))
    assert villages(admin, min_months=2) == [KWAYANGAN, CIRAHAB]
    assert villages(admin, regency="33.02") == [CIRAHAB]
    bad = admin.get("/api/v1/arrears/", {"min_months": "dua"})
    assert bad.status_code == 400


def test_each_role_sees_the_arrears_of_its_scope(api, make_user, arrears):
    expected = {
        Role.VILLAGE_OPERATOR: [KWAYANGAN],
        Role.DISTRICT_VIEWER: [KWAYANGAN],
        Role.PMD_AUDITOR: [KWAYANGAN, BLACANAN],
        Role.BPJS_OFFICER: [KWAYANGAN, BLACANAN],
        Role.ADMIN: [KWAYANGAN, CIRAHAB, BLACANAN],
    }
    for role, codes in expected.items():
        assert villages(api(make_user(role))) == codes, role
    assert villages(api(make_user(Role.VILLAGE_OPERATOR, CIRAHAB))) == [CIRAHAB]
    assert villages(api(make_user(Role.DISTRICT_VIEWER, "33.26.17"))) == [BLACANAN]


def test_a_members_enrollment_shows_its_arrears(api, make_user, arrears):
    client = api(make_user(Role.PMD_AUDITOR))
    expected = {
        "A": ("lapsed", 4, 4 * BPU_PACKAGE),
        "B": ("active", 2, 2 * BPU_PACKAGE),
        "C": ("active", 1, BPU_PACKAGE),  # a line's amount: the bill's partial payment aside
        "E": ("active", 0, 0),
    }
    for name, (status, months, amount) in expected.items():
        body = client.get(f"/api/v1/members/{arrears[name].pk}/").json()
        enrollment = body["enrollment"]
        assert (
            enrollment["status"],
            enrollment["arrears_months"],
            enrollment["arrears_amount"],
        ) == (status, months, amount), name

    # And the list filters on it
    def listed(**params) -> set[str]:
        names = {m.pk: n for n, m in arrears.items()}
        response = client.get("/api/v1/members/", {**params, "page_size": 500})
        assert response.status_code == 200
        return {names[r["id"]] for r in response.json()["results"]}

    assert listed(in_arrears="true") == {"A", "B", "C"}
    assert listed(in_arrears="false") == {"E"}
    assert listed(in_arrears="true", village=BLACANAN) == {"C"}
    rows_ = client.get("/api/v1/members/", {"in_arrears": "true", "village": KWAYANGAN}).json()
    by_id = {r["id"]: r["enrollment"] for r in rows_["results"]}
    assert by_id[arrears["A"].pk]["arrears_months"] == 4
    assert by_id[arrears["B"].pk]["arrears_amount"] == 2 * BPU_PACKAGE


def test_lines_on_overdue_bills_are_what_arrears_count(arrears):
    # The members' figures and the villages' agree with the lines themselves
    overdue_lines = BillLine.objects.filter(bill__status="overdue", bill__village__code=KWAYANGAN)
    assert sum(overdue_lines.values_list("amount", flat=True)) == KWAYANGAN_ROW["outstanding"]
