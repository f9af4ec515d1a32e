"""Monthly bills: due dates, who is billed, idempotent generation, penalties, budgets, /bills/."""

from __future__ import annotations

import datetime

import holidays
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from contributions.models import Bill, BillLine, BillPenalty, Budget
from contributions.periods import due_date, months_late, parse_period
from contributions.rates import RateTable, Terms
from jamsostek.core.choices import Role
from members.models import Status
from tests.conftest import (
    BANYUMAS,
    BLACANAN,
    CIRAHAB,
    KAB_PEKALONGAN,
    KWAYANGAN,
    MEDONO,
    error_codes,
)
from tests.factories import BillFactory, CoveredMemberFactory, PaymentFactory
from tests.members.helpers import kpj_for

from .helpers import (
    BPU_DETAIL,
    BPU_PACKAGE,
    PU_DETAIL,
    PU_MONTHLY,
    bill_of,
    bpu_terms,
    day,
    enrollment_of,
    full,
    generate,
    lines_of,
    on_the_lines_insert,
    pu_terms,
)

pytestmark = pytest.mark.django_db

ID_HOLIDAYS = holidays.country_holidays("ID", years=range(2017, 2028))


def attrs(response) -> list[str | None]:
    return [e["attr"] for e in response.json()["errors"]]


# --- due dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "segment", "due"),
    [
        # A plain weekday: BPU the 15th of the month itself, PU the 15th of the next one.
        ("2025-07", "bpu", "2025-07-15"),  # Tuesday
        ("2025-07", "pu", "2025-08-15"),  # Friday
        # The 15th on a weekend: the Monday after.
        ("2025-06", "bpu", "2025-06-16"),  # Sunday 15 June 2025
        ("2025-02", "bpu", "2025-02-17"),  # Saturday 15 February 2025
        ("2025-01", "pu", "2025-02-17"),  # PU of January falls due in that February
        ("2025-10", "pu", "2025-11-17"),  # Saturday 15 November 2025
        # A weekend followed by a public holiday: the first working day after both.
        ("2024-06", "bpu", "2024-06-18"),  # Sat 15, Sun 16, Mon 17 Idul Adha
        ("2024-09", "bpu", "2024-09-17"),  # Sun 15, Mon 16 Maulid Nabi
        ("2026-08", "bpu", "2026-08-18"),  # Sat 15, Sun 16, Mon 17 Independence Day
        ("2026-07", "pu", "2026-08-18"),  # the same August 15th for July's PU bill
        # A public holiday on the 15th itself.
        ("2022-04", "bpu", "2022-04-18"),  # Friday 15 April 2022 Good Friday, then a weekend
        ("2017-02", "bpu", "2017-02-16"),  # Wednesday 15 February 2017, regional elections
        # A holiday the day after a working 15th changes nothing.
        ("2026-06", "bpu", "2026-06-15"),  # Monday; Tuesday 16 June 2026 is Islamic New Year
        ("2026-01", "bpu", "2026-01-15"),  # Thursday; Friday 16 January 2026 Isra Mi'raj
    ],
)
def test_due_dates(period, segment, due):
    # Given the month and the segment
    expected = day(due)
    # Then the due date is the first working day on or after the right 15th
    assert due_date(parse_period(period), segment) == expected
    assert expected.weekday() < 5
    assert expected not in ID_HOLIDAYS
    fifteenth = (parse_period(period) if segment == "bpu" else expected).replace(day=15)
    skipped = [fifteenth + datetime.timedelta(days=n) for n in range((expected - fifteenth).days)]
    assert all(d.weekday() >= 5 or d in ID_HOLIDAYS for d in skipped), skipped


def test_the_holidays_the_examples_lean_on_are_indonesian_public_holidays():
    for holiday in ("2024-06-17", "2024-09-16", "2026-08-17", "2022-04-15", "2017-02-15"):
        assert day(holiday) in ID_HOLIDAYS, holiday
    assert day("2025-06-15").weekday() == 6
    assert day("2025-02-15").weekday() == 5


def test_generated_bills_carry_their_due_dates(admin):
    # Given a BPU and a PU member of Kwayangan
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    # When June 2025 is billed
    generate("2025-06", KWAYANGAN)
    # Then BPU falls due on Monday 16 June (the 15th is a Sunday), PU on Tuesday 15 July
    assert bill_of(period="2025-06", segment="bpu").due_date == day("2025-06-16")
    assert bill_of(period="2025-06", segment="pu").due_date == day("2025-07-15")


# --- what a generation creates -----------------------------------------------------------


@freeze_time("2025-07-01 02:00:00")
def test_one_bill_per_village_source_and_segment_one_line_per_enrollment(admin):
    # Given members of Kwayangan on three (source, segment) pairs, and one of Blacanan
    bpu_a = CoveredMemberFactory(actor=admin)
    bpu_b = CoveredMemberFactory(actor=admin, category="linmas")
    rentan = CoveredMemberFactory(
        actor=admin, enrollment=bpu_terms(funding_source="apbd"), category="pekerja_rentan"
    )
    official = CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    other = CoveredMemberFactory(actor=admin, village=BLACANAN)

    # When July 2025 is billed
    result = generate("2025-07")

    # Then four bills with five lines were made
    assert (result.bills_created, result.lines_added, result.penalties_added) == (4, 5, 0)
    found = {
        (b.village.code, b.funding_source, b.segment): b
        for b in Bill.objects.select_related("village")
    }
    assert set(found) == {
        (KWAYANGAN, "add", "bpu"),
        (KWAYANGAN, "apbd", "bpu"),
        (KWAYANGAN, "add", "pu"),
        (BLACANAN, "add", "bpu"),
    }
    members_on = {
        key: set(bill.lines.values_list("enrollment__member_id", flat=True))
        for key, bill in found.items()
    }
    assert members_on[(KWAYANGAN, "add", "bpu")] == {bpu_a.pk, bpu_b.pk}
    assert members_on[(KWAYANGAN, "apbd", "bpu")] == {rentan.pk}
    assert members_on[(KWAYANGAN, "add", "pu")] == {official.pk}
    assert members_on[(BLACANAN, "add", "bpu")] == {other.pk}

    # And each line prices its programs, employer and worker apart, at the month's rates
    table = RateTable.for_month(day("2025-07-01"))
    for line in BillLine.objects.select_related("enrollment"):
        assert line.period == day("2025-07-01")
        assert line.price.detail == table.contribution(Terms.of(line.enrollment))
        assert line.employer_amount == sum(s["employer"] for s in line.price.detail.values())
        assert line.worker_amount == sum(s["worker"] for s in line.price.detail.values())
        assert line.amount == line.employer_amount + line.worker_amount
    pu_line = BillLine.objects.get(enrollment__member=official)
    assert pu_line.price.detail == PU_DETAIL
    assert (pu_line.employer_amount, pu_line.worker_amount, pu_line.amount) == (
        149_760,
        72_000,
        PU_MONTHLY,
    )
    assert BillLine.objects.get(enrollment__member=bpu_a).price.detail == BPU_DETAIL
    # priced once for all that share the terms: the two BPU members of Kwayangan on ADD
    assert (
        BillLine.objects.get(enrollment__member=bpu_a).price
        == BillLine.objects.get(enrollment__member=bpu_b).price
    )

    # And each bill's amount is the sum of its lines, nothing paid yet, open
    for bill in found.values():
        assert bill.amount == bill.lines_amount == sum(bill.lines.values_list("amount", flat=True))
        assert (bill.penalty_amount, bill.paid_amount, bill.status) == (0, 0, "open")
    assert found[(KWAYANGAN, "add", "bpu")].amount == 2 * BPU_PACKAGE


@freeze_time("2025-08-05 02:00:00")
def test_an_enrollment_covered_on_any_day_of_the_month_is_billed(admin):
    # Given enrollments that touch July 2025 by a single day, and ones that do not
    billed = {
        "effective on the 31st": CoveredMemberFactory(actor=admin, effective_from="2025-07-31"),
        "ended on the 1st": CoveredMemberFactory(
            actor=admin, status=Status.ENDED, ended_on="2025-07-01"
        ),
        "lapsed mid-month": CoveredMemberFactory(
            actor=admin, status=Status.LAPSED, lapsed_on="2025-07-10"
        ),
        "ended in August": CoveredMemberFactory(
            actor=admin, status=Status.ENDED, ended_on="2025-08-01"
        ),
        "active all month": CoveredMemberFactory(actor=admin),
    }
    not_billed = {
        "effective in August": CoveredMemberFactory(actor=admin, effective_from="2025-08-01"),
        "ended in June": CoveredMemberFactory(
            actor=admin, status=Status.ENDED, ended_on="2025-06-30"
        ),
        "lapsed in June": CoveredMemberFactory(
            actor=admin, status=Status.LAPSED, lapsed_on="2025-06-20"
        ),
        "draft": CoveredMemberFactory(actor=admin, status=Status.DRAFT),
        "submitted": CoveredMemberFactory(actor=admin, status=Status.SUBMITTED),
    }

    # When July is billed
    result = generate("2025-07", KWAYANGAN)

    # Then exactly the first group has a line
    on_bill = set(bill_of().lines.values_list("enrollment__member_id", flat=True))
    assert {name for name, m in billed.items() if m.pk in on_bill} == set(billed)
    assert {name for name, m in not_billed.items() if m.pk in on_bill} == set()
    assert result.lines_added == len(billed)
    # And a full month is billed for a part of one
    assert bill_of().amount == len(billed) * BPU_PACKAGE


def snapshot() -> dict:
    """Every money row, without the refresh timestamp."""
    bill_fields = [f.name for f in Bill._meta.fields if f.name != "updated_at"]
    return {
        "bills": list(Bill.objects.order_by("pk").values(*bill_fields)),
        "lines": list(BillLine.objects.order_by("pk").values()),
        "penalties": list(BillPenalty.objects.order_by("pk").values()),
    }


@freeze_time("2025-07-01 02:00:00")
def test_generating_twice_creates_nothing_new(admin):
    # Given a billed month with BPU and PU members in two villages
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    generate("2025-05")
    generate("2025-06")
    first = generate("2025-07")
    assert first.lines_added == 3
    before = snapshot()

    # When the same month is billed again, for one village and then for all
    again = [generate("2025-07", KWAYANGAN), generate("2025-07")]

    # Then nothing was created and every row is as it was
    for result in again:
        assert (result.bills_created, result.lines_added, result.penalties_added) == (0, 0, 0)
    assert snapshot() == before


def test_the_database_refuses_a_second_line_for_an_enrollment_and_month(admin):
    # Given a billed enrollment
    member = CoveredMemberFactory(actor=admin)
    generate("2025-07", KWAYANGAN)
    line = BillLine.objects.get(enrollment__member=member)

    # When a second line for the same enrollment and month is written past the service
    with (
        # (the month's partition names its own copy of the unique key)
        pytest.raises(IntegrityError, match=r"\(enrollment_id, period\)"),
        transaction.atomic(),
    ):
        BillLine.objects.create(
            bill=line.bill,
            enrollment=line.enrollment,
            period=line.period,
            price=line.price,
            employer_amount=line.employer_amount,
            worker_amount=line.worker_amount,
            amount=line.amount,
        )

    # Then the one line stays alone
    assert BillLine.objects.filter(enrollment__member=member).count() == 1


@pytest.mark.parametrize("table", ["members_enrollment", "contributions_price"])
def test_the_database_refuses_to_delete_an_enrollment_or_price_a_line_names(admin, table):
    # Given a billed enrollment, and an enrollment of another member never billed
    member = CoveredMemberFactory(actor=admin)
    generate("2025-07", KWAYANGAN)
    line = BillLine.objects.get(enrollment__member=member)
    target = line.enrollment_id if table == "members_enrollment" else line.price_id

    # When its enrollment, or the price its line is at, is deleted past Django
    with (
        pytest.raises(IntegrityError, match="has bill lines"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [target])

    # Then the line and what it names are still there
    line.refresh_from_db()
    assert (line.enrollment_id, line.price_id) == (
        BillLine.objects.get(pk=line.pk).enrollment.pk,
        BillLine.objects.get(pk=line.pk).price.pk,
    )


def planner_settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('join_collapse_limit')")
        return cursor.fetchone()


def test_a_statement_the_database_refuses_surfaces_its_own_error(admin):
    # Given a member of Kwayangan to bill for July
    member = CoveredMemberFactory(actor=admin)

    # When the database refuses the statement writing the lines (its disk is full)
    def disk_full(sql, params):
        return (
            "DO $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$",
            None,
        )

    with (
        connection.execute_wrapper(on_the_lines_insert(disk_full)),
        pytest.raises(OperationalError) as refused,
    ):
        generate("2025-07", KWAYANGAN)

    # Then the error raised is that refusal, not a cleanup's "current transaction is aborted"
    assert refused.value.__cause__.sqlstate == "53100"
    assert "No space left on device" in str(refused.value)
    # And nothing of the month was kept, and the next run bills it whole
    assert not Bill.objects.exists()
    assert generate("2025-07", KWAYANGAN).lines_added == 1
    assert lines_of(member) == ["2025-07"]


def test_the_lines_are_written_with_the_batch_settings_which_end_with_them(admin):
    # Given a member of Kwayangan to bill for July, and the transaction's settings
    CoveredMemberFactory(actor=admin)
    before = planner_settings()

    # When July is generated, noting the settings the lines' statement ran with
    during = []

    def note(sql, params):
        during.append(planner_settings())
        return sql, params

    with connection.execute_wrapper(on_the_lines_insert(note)):
        assert generate("2025-07", KWAYANGAN).lines_added == 1

    # Then the lines were joined in the order written, with a batch's memory
    assert during == [("256MB", "1")]
    # And afterwards the transaction has the settings it had before
    assert planner_settings() == before != during[0]


@freeze_time("2025-07-20 03:00:00")
def test_an_activation_later_in_the_month_joins_that_months_bill(
    api, admin, make_user, django_capture_on_commit_callbacks
):
    # Given July already billed for one member of Kwayangan
    CoveredMemberFactory(actor=admin, effective_from="2025-07-01")
    bill = BillFactory(village=KWAYANGAN, period="2025-07")
    assert bill.amount == BPU_PACKAGE
    newcomer = CoveredMemberFactory(actor=admin, status=Status.SUBMITTED)

    # When the BPJS officer activates another member from the 18th, committing the request
    with django_capture_on_commit_callbacks(execute=True):
        response = api(make_user(Role.BPJS_OFFICER)).post(
            f"/api/v1/members/{newcomer.pk}/activate/",
            {"kpj_number": kpj_for(newcomer), "effective_from": "2025-07-18"},
            format="json",
        )

    # Then its line was added to the same bill, whose amount grew by the month's contribution
    assert response.status_code == 200, response.json()
    assert Bill.objects.count() == 1
    bill.refresh_from_db()
    assert set(bill.lines.values_list("enrollment__member_id", flat=True)) >= {newcomer.pk}
    assert bill.lines.count() == 2
    assert bill.amount == 2 * BPU_PACKAGE
    assert lines_of(newcomer) == ["2025-07"]


@freeze_time("2025-03-10 03:00:00")
def test_billing_start_bounds_a_backdated_activation(
    api, admin, make_user, django_capture_on_commit_callbacks
):
    # Given a member whose coverage BPJS backdates to October 2024
    member = CoveredMemberFactory(actor=admin, status=Status.SUBMITTED)

    # When the activation commits
    with django_capture_on_commit_callbacks(execute=True):
        response = api(make_user(Role.BPJS_OFFICER)).post(
            f"/api/v1/members/{member.pk}/activate/",
            {"kpj_number": kpj_for(member), "effective_from": "2024-10-01"},
            format="json",
        )

    # Then the months from BILLING_START (2025-01) to this month are billed, no earlier ones
    assert response.status_code == 200
    assert lines_of(member) == ["2025-01", "2025-02", "2025-03"]


@freeze_time("2025-07-10 03:00:00")
def test_a_backdated_activation_bills_only_its_own_months(
    api, admin, make_user, django_capture_on_commit_callbacks
):
    # Given Kwayangan's BPU and PU members covered since January, of whom only July was
    # billed, and a member of Blacanan never billed at all
    bpu = CoveredMemberFactory(actor=admin, effective_from="2025-01-01")
    pu = CoveredMemberFactory(actor=admin, enrollment=pu_terms(), effective_from="2025-01-01")
    elsewhere = CoveredMemberFactory(actor=admin, village=BLACANAN, effective_from="2025-01-01")
    generate("2025-07", KWAYANGAN)
    july_pu = bill_of(segment="pu")
    before = (july_pu.amount, july_pu.updated_at)
    newcomer = CoveredMemberFactory(actor=admin, status=Status.SUBMITTED)

    # When the newcomer is activated from January, and the request commits
    with django_capture_on_commit_callbacks(execute=True):
        response = api(make_user(Role.BPJS_OFFICER)).post(
            f"/api/v1/members/{newcomer.pk}/activate/",
            {"kpj_number": kpj_for(newcomer), "effective_from": "2025-01-01"},
            format="json",
        )

    # Then the newcomer has a line for each month since January, and nobody else got one
    assert response.status_code == 200, response.json()
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    assert lines_of(newcomer) == months
    assert lines_of(bpu) == lines_of(pu) == ["2025-07"]
    assert lines_of(elsewhere) == []
    # January to June got a BPU bill of the newcomer's line alone, July's grew by it
    for month in months[:-1]:
        bill = bill_of(period=month)
        assert (bill.lines.count(), bill.amount) == (1, BPU_PACKAGE), month
    assert bill_of(period="2025-07").amount == 2 * BPU_PACKAGE
    # and no other bill was made or changed
    assert Bill.objects.filter(segment="pu").count() == 1
    july_pu.refresh_from_db()
    assert (july_pu.amount, july_pu.updated_at) == before
    assert not Bill.objects.filter(village__code=BLACANAN).exists()


@freeze_time("2025-03-10 03:00:00")
def test_an_earlier_billing_start_bills_more_backdated_months(
    api, admin, make_user, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_START = "2024-12"
    member = CoveredMemberFactory(actor=admin, status=Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        api(make_user(Role.BPJS_OFFICER)).post(
            f"/api/v1/members/{member.pk}/activate/",
            {"kpj_number": kpj_for(member), "effective_from": "2024-10-01"},
            format="json",
        )
    assert lines_of(member) == ["2024-12", "2025-01", "2025-02", "2025-03"]


def test_generate_refuses_a_month_before_billing_start(api, admin, make_user):
    # Given a member covered since 2024
    CoveredMemberFactory(actor=admin, effective_from="2024-01-01")
    # When the auditor asks for December 2024 (BILLING_START is 2025-01)
    response = api(make_user(Role.PMD_AUDITOR)).post(
        "/api/v1/bills/generate/", {"period": "2024-12"}, format="json"
    )
    # Then that month is refused and no arrears are invented for it
    assert response.status_code == 400
    assert attrs(response) == ["period"]
    assert not Bill.objects.filter(period=day("2024-12-01")).exists()


@freeze_time("2025-07-01 02:00:00")
def test_each_program_and_share_is_rounded_half_up_before_summing(admin):
    # Given a PU wage whose shares end in half rupiah, and a BPU income whose JKK does
    official = CoveredMemberFactory(
        actor=admin, enrollment=pu_terms(wage=2_000_625), category="perangkat_desa"
    )
    worker = CoveredMemberFactory(
        actor=admin, enrollment=bpu_terms(declared_income=1_000_050, programs=["jkk", "jkm", "jht"])
    )

    # When July is billed
    generate("2025-07", KWAYANGAN)

    # Then every program's share is rounded half up on its own
    pu_line = BillLine.objects.get(enrollment__member=official)
    assert pu_line.price.detail == {
        "jkk": full(4_802, 0),  # 4,801.5
        "jkm": full(6_002, 0),  # 6,001.875
        "jht": full(74_023, 40_013),  # 74,023.125 and 40,012.5
        "jp": full(40_013, 20_006),  # 40,012.5 and 20,006.25
    }
    # And the sums are of rounded figures (rounding the sums would give 124,839 and 184,858)
    assert (pu_line.employer_amount, pu_line.worker_amount, pu_line.amount) == (
        124_840,
        60_019,
        184_859,
    )
    bpu_line = BillLine.objects.get(enrollment__member=worker)
    assert bpu_line.price.detail == {
        "jkk": full(0, 10_001),  # 10,000.5
        "jkm": full(0, 6_800),
        "jht": full(0, 20_001),
    }
    assert bpu_line.amount == 36_802


@freeze_time("2025-07-01 02:00:00")
def test_a_kelurahan_is_billed_to_its_own_funding(api, admin):
    # Given a kelurahan's RT head funded from the city's APBD
    member = CoveredMemberFactory(
        actor=admin, village=MEDONO, enrollment=bpu_terms(funding_source="apbd")
    )

    # When the admin bills July for that kelurahan
    response = api(admin).post(
        "/api/v1/bills/generate/", {"period": "2025-07", "village": MEDONO}, format="json"
    )

    # Then Medono has one APBD bill with the member's line
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "period": "2025-07",
        "bills_created": 1,
        "lines_added": 1,
        "penalties_added": 0,
        "bills": 1,
    }
    bill = bill_of(MEDONO, source="apbd")
    assert list(bill.lines.values_list("enrollment__member_id", flat=True)) == [member.pk]
    assert bill.amount == BPU_PACKAGE


# --- late PU penalties --------------------------------------------------------------------


def bill_month(period: str, village: str = KWAYANGAN) -> None:
    """Bill ``period`` on the last day of that month, as the monthly run would."""
    first = parse_period(period)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    with freeze_time(f"{last.isoformat()} 03:00:00"):
        generate(period, village)


def penalties() -> set[tuple[str, str, int, int]]:
    """(bill's period, late bill's period, months, amount) of every penalty."""
    return {
        (f"{p.bill.period:%Y-%m}", f"{p.late_bill.period:%Y-%m}", p.months, p.amount)
        for p in BillPenalty.objects.select_related("bill", "late_bill")
    }


ONE_MONTH = 4_435  # 2 % of Rp 221,760 is Rp 4,435.2


def test_an_unpaid_pu_bill_is_charged_each_month_once_on_the_next_bills(api, admin):
    # Given a PU official of Kwayangan whose January bill (due 17 February) is never paid
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")

    # When January to April are billed at each month's end
    for period in ("2025-01", "2025-02", "2025-03", "2025-04"):
        bill_month(period)

    # Then February carries nothing (January was not due yet on 1 February); March charges
    # January's first month; April January's second and February's first
    assert penalties() == {
        ("2025-03", "2025-01", 1, ONE_MONTH),
        ("2025-04", "2025-01", 1, ONE_MONTH),
        ("2025-04", "2025-02", 1, ONE_MONTH),
    }
    # And each bill's amount is its lines plus its penalties
    expected = {"2025-01": 0, "2025-02": 0, "2025-03": ONE_MONTH, "2025-04": 2 * ONE_MONTH}
    for period, penalty in expected.items():
        bill = bill_of(period=period, segment="pu")
        assert (bill.lines_amount, bill.penalty_amount) == (PU_MONTHLY, penalty), period
        assert bill.amount == PU_MONTHLY + penalty

    # And the April bill shows them
    april = bill_of(period="2025-04", segment="pu")
    with freeze_time("2025-04-30 03:00:00"):
        body = api(admin).get(f"/api/v1/bills/{april.pk}/").json()
    assert body["lines_amount"] == PU_MONTHLY
    assert body["penalty_amount"] == 2 * ONE_MONTH
    assert body["amount"] == PU_MONTHLY + 2 * ONE_MONTH
    assert sorted(body["penalties"], key=lambda p: p["late_period"]) == [
        {
            "late_bill": bill_of(period="2025-01", segment="pu").pk,
            "late_period": "2025-01",
            "months": 1,
            "percent": 2.0,
            "amount": ONE_MONTH,
        },
        {
            "late_bill": bill_of(period="2025-02", segment="pu").pk,
            "late_period": "2025-02",
            "months": 1,
            "percent": 2.0,
            "amount": ONE_MONTH,
        },
    ]


def test_a_pu_bill_paid_late_is_charged_for_the_months_it_was_late_once(admin, operator):
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    bill_month("2025-01")
    # Given January's PU bill (due Monday 17 February) paid in full on 25 February
    with freeze_time("2025-02-25 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-01", segment="pu"))
    bill_month("2025-02")
    # And February's (due 17 March) paid on time
    with freeze_time("2025-03-14 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-02", segment="pu"))

    # When March and April are billed
    bill_month("2025-03")
    bill_month("2025-04")

    # Then January's one started month late is charged once, on March; nothing else
    assert penalties() == {("2025-03", "2025-01", 1, ONE_MONTH)}
    assert bill_of(period="2025-04", segment="pu").amount == PU_MONTHLY


def test_a_bill_settled_before_a_late_generation_is_charged_the_rest_next_month(admin, operator):
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    # Given January's PU bill (due Monday 17 February), still unpaid when March is billed
    for period, on in (
        ("2025-01", "2025-01-02"),
        ("2025-02", "2025-02-03"),
        ("2025-03", "2025-03-03"),
    ):
        with freeze_time(f"{on} 03:00:00"):
            generate(period, KWAYANGAN)
    assert penalties() == {("2025-03", "2025-01", 1, ONE_MONTH)}
    # And paid on 22 April, three days before April is billed (late, on the 25th)
    with freeze_time("2025-04-22 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(period="2025-01", segment="pu"))
    with freeze_time("2025-04-25 03:00:00"):
        generate("2025-04", KWAYANGAN)
    # Then April charges the month up to 1 April only
    assert ("2025-04", "2025-01", 1, ONE_MONTH) in penalties()

    # When May and June are billed on time
    for period, on in (("2025-05", "2025-05-02"), ("2025-06", "2025-06-02")):
        with freeze_time(f"{on} 03:00:00"):
            generate(period, KWAYANGAN)

    # Then May charges the third started month (17 April → 22 April), and June nothing more
    january = {p for p in penalties() if p[1] == "2025-01"}
    assert january == {
        ("2025-03", "2025-01", 1, ONE_MONTH),
        ("2025-04", "2025-01", 1, ONE_MONTH),
        ("2025-05", "2025-01", 1, ONE_MONTH),
    }
    assert sum(p[2] for p in january) == months_late(
        datetime.date(2025, 2, 17), datetime.date(2025, 4, 22)
    )


def test_pu_bills_paid_on_time_are_never_charged(admin, operator):
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    for period, paid_on in (("2025-01", "2025-02-17"), ("2025-02", "2025-03-10")):
        bill_month(period)
        with freeze_time(f"{paid_on} 03:00:00"):
            PaymentFactory(
                actor=operator, bill=bill_of(period=period, segment="pu"), paid_on=paid_on
            )
    bill_month("2025-03")
    bill_month("2025-04")
    assert penalties() == set()


def test_bpu_bills_are_never_charged_for_lateness(admin):
    # Given a BPU member who never pays
    CoveredMemberFactory(actor=admin)
    for period in ("2025-01", "2025-02", "2025-03", "2025-04"):
        bill_month(period)
    # Then each month has its bill, the package alone: no bill carries a penalty
    assert penalties() == set()
    assert sorted((f"{b.period:%Y-%m}", b.amount) for b in Bill.objects.all()) == [
        ("2025-01", BPU_PACKAGE),
        ("2025-02", BPU_PACKAGE),
        ("2025-03", BPU_PACKAGE),
        ("2025-04", BPU_PACKAGE),
    ]


def test_a_funding_source_left_out_of_the_setting_is_never_charged(admin, settings):
    # Given ADD exempted from late penalties (a village counted as a state employer)
    settings.LATE_PENALTY_FUNDING_SOURCES = ["apbdes", "apbd", "mandiri", "csr"]
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    CoveredMemberFactory(
        actor=admin, enrollment=pu_terms(funding_source="apbdes"), category="kepala_desa"
    )
    # When four months go unpaid
    for period in ("2025-01", "2025-02", "2025-03", "2025-04"):
        bill_month(period)
    # Then only the APBDes bills are charged
    assert {(p[0], p[1]) for p in penalties()} == {
        ("2025-03", "2025-01"),
        ("2025-04", "2025-01"),
        ("2025-04", "2025-02"),
    }
    assert {p.bill.funding_source for p in BillPenalty.objects.select_related("bill")} == {"apbdes"}
    assert bill_of(period="2025-04", segment="pu", source="add").penalty_amount == 0


# --- budgets ---------------------------------------------------------------------------


def test_over_budget_is_flagged_when_the_years_bills_pass_it_and_cleared_when_raised(
    api, admin, make_user
):
    # Given Kwayangan budgets Rp 40,000 of ADD for 2025 and has one BPU member
    village = CoveredMemberFactory(actor=admin).village
    budget = Budget.objects.create(village=village, year=2025, funding_source="add", amount=40_000)

    # When January to March are billed (16,800, 33,600, then 50,400 in all)
    for period in ("2025-01", "2025-02", "2025-03"):
        bill_month(period)

    # Then only March, the bill that passes the budget, is flagged
    flagged = {f"{b.period:%Y-%m}": b.over_budget for b in Bill.objects.all()}
    assert flagged == {"2025-01": False, "2025-02": False, "2025-03": True}
    client = api(make_user(Role.PMD_AUDITOR))
    over = client.get("/api/v1/bills/", {"over_budget": "true"}).json()
    assert [b["period"] for b in over["results"]] == ["2025-03"]
    assert over["results"][0]["over_budget"] is True

    # When the auditor raises the budget to Rp 60,000
    response = client.patch(f"/api/v1/budgets/{budget.pk}/", {"amount": 60_000}, format="json")

    # Then no bill is over it any more
    assert response.status_code == 200
    assert not Bill.objects.filter(over_budget=True).exists()


def test_without_a_budget_nothing_is_over_budget(admin):
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(wage=20_000_000), category="kepala_desa")
    bill_month("2025-01")
    assert Bill.objects.get().over_budget is False


# --- POST /bills/generate/ ------------------------------------------------------------------


@freeze_time("2025-07-01 02:00:00")
def test_pmd_auditor_bills_its_own_regency_by_default(api, admin, make_user):
    # Given members in Kwayangan and Blacanan (Kab. Pekalongan) and in Cirahab (Banyumas)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    client = api(make_user(Role.PMD_AUDITOR))

    # When the Kab. Pekalongan auditor generates July without naming a region
    response = client.post("/api/v1/bills/generate/", {"period": "2025-07"}, format="json")

    # Then its two villages are billed and Banyumas is not
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "period": "2025-07",
        "bills_created": 2,
        "lines_added": 2,
        "penalties_added": 0,
        "bills": 2,
    }
    assert set(Bill.objects.values_list("village__code", flat=True)) == {KWAYANGAN, BLACANAN}

    # When it runs again
    again = client.post("/api/v1/bills/generate/", {"period": "2025-07"}, format="json")
    # Then nothing new is made and the two bills are counted
    assert again.json() == {
        "period": "2025-07",
        "bills_created": 0,
        "lines_added": 0,
        "penalties_added": 0,
        "bills": 2,
    }
    assert Bill.objects.count() == 2

    # When it names one village of its regency
    one = client.post(
        "/api/v1/bills/generate/",
        {"period": "2025-08", "village": BLACANAN},
        format="json",
    )
    assert one.json()["bills_created"] == 1
    assert list(
        Bill.objects.filter(period=day("2025-08-01")).values_list("village__code", flat=True)
    ) == [BLACANAN]


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"period": "2025-07", "village": CIRAHAB}, "village"),
        ({"period": "2025-07", "regency": BANYUMAS}, "regency"),
        ({"period": "2025-07", "village": "33.26.13.9999"}, "village"),
        ({"period": "2025-07", "regency": KWAYANGAN}, "regency"),  # a village is not a regency
        ({"period": "2025-13"}, "period"),
        ({"period": "07-2025"}, "period"),
        ({"period": "2014-12"}, "period"),
        ({}, "period"),
    ],
)
def test_generate_refuses_regions_outside_the_scope_and_bad_periods(
    api, admin, make_user, body, attr
):
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    response = api(make_user(Role.PMD_AUDITOR)).post("/api/v1/bills/generate/", body, format="json")
    assert response.status_code == 400
    assert attrs(response) == [attr]
    assert not Bill.objects.exists()


def test_admin_bills_any_regency(api, admin):
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    response = api(admin).post(
        "/api/v1/bills/generate/", {"period": "2025-07", "regency": BANYUMAS}, format="json"
    )
    assert response.status_code == 200
    assert list(Bill.objects.values_list("village__code", flat=True)) == [CIRAHAB]


@pytest.mark.parametrize("role", [Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER, Role.BPJS_OFFICER])
def test_other_roles_may_not_generate(api, admin, make_user, role):
    CoveredMemberFactory(actor=admin)
    response = api(make_user(role)).post(
        "/api/v1/bills/generate/", {"period": "2025-07"}, format="json"
    )
    assert response.status_code == 403
    assert not Bill.objects.exists()


# --- GET /bills/ ------------------------------------------------------------------------------


@pytest.fixture
def billed(admin, make_user):
    """June and July 2025 billed for Kwayangan (BPU ADD, BPU APBD, PU ADD), Blacanan and
    Cirahab; Kwayangan's June BPU ADD bill paid. The clock then stops on 10 July."""
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(
        actor=admin, enrollment=bpu_terms(funding_source="apbd"), category="pekerja_rentan"
    )
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    with freeze_time("2025-06-30 18:00:00"):  # 1 July, 01:00 in Jakarta
        generate("2025-06")
    with freeze_time("2025-07-04 18:00:00"):
        generate("2025-07")
    with freeze_time("2025-07-10 03:00:00") as clock:
        PaymentFactory(actor=make_user(Role.VILLAGE_OPERATOR), bill=bill_of(period="2025-06"))
        yield clock


def listed(client, **params) -> set[tuple]:
    response = client.get("/api/v1/bills/", {**params, "page_size": 500})
    assert response.status_code == 200, response.json()
    return {
        (b["village"], b["period"], b["segment"], b["funding_source"])
        for b in response.json()["results"]
    }


def test_bill_list_filters(api, make_user, billed):
    client = api(make_user(Role.PMD_AUDITOR))
    everything = listed(client)
    assert len(everything) == 8  # Cirahab is outside Kab. Pekalongan
    assert listed(client, period="2025-07") == {
        (KWAYANGAN, "2025-07", "bpu", "add"),
        (KWAYANGAN, "2025-07", "bpu", "apbd"),
        (KWAYANGAN, "2025-07", "pu", "add"),
        (BLACANAN, "2025-07", "bpu", "add"),
    }
    assert listed(client, status="paid") == {(KWAYANGAN, "2025-06", "bpu", "add")}
    # June's BPU bills fell due on 16 June; June's PU bills fall due on 15 July
    assert listed(client, status="overdue") == {
        (KWAYANGAN, "2025-06", "bpu", "apbd"),
        (BLACANAN, "2025-06", "bpu", "add"),
    }
    assert len(listed(client, status="open")) == 5
    assert listed(client, segment="pu") == {
        (KWAYANGAN, "2025-06", "pu", "add"),
        (KWAYANGAN, "2025-07", "pu", "add"),
    }
    assert {b[3] for b in listed(client, funding_source="apbd")} == {"apbd"}
    assert len(listed(client, funding_source="apbd")) == 2
    assert {b[0] for b in listed(client, village=BLACANAN)} == {BLACANAN}
    assert listed(client, regency=KAB_PEKALONGAN) == everything
    assert listed(client, district="33.26.17") == {
        (BLACANAN, "2025-06", "bpu", "add"),
        (BLACANAN, "2025-07", "bpu", "add"),
    }
    # A region outside the scope filters to nothing rather than leaking
    assert listed(client, regency=BANYUMAS) == set()
    assert listed(client, village=CIRAHAB) == set()
    assert listed(api(make_user(Role.ADMIN)), regency=BANYUMAS) == {
        (CIRAHAB, "2025-06", "bpu", "add"),
        (CIRAHAB, "2025-07", "bpu", "add"),
    }


def test_bill_list_updated_since(api, make_user, billed):
    client = api(make_user(Role.PMD_AUDITOR))
    # July's bills were made on 5 July; June's paid bill changed on 10 July
    assert len(listed(client, updated_since="2025-07-01T00:00:00+07:00")) == 8
    assert listed(client, updated_since="2025-07-05T00:00:00+07:00") == {
        (KWAYANGAN, "2025-07", "bpu", "add"),
        (KWAYANGAN, "2025-07", "bpu", "apbd"),
        (KWAYANGAN, "2025-07", "pu", "add"),
        (BLACANAN, "2025-07", "bpu", "add"),
        (KWAYANGAN, "2025-06", "bpu", "add"),
    }
    assert listed(client, updated_since="2025-07-09T00:00:00+07:00") == {
        (KWAYANGAN, "2025-06", "bpu", "add"),
    }
    body = client.get("/api/v1/bills/", {"updated_since": "2025-07-09T00:00:00+07:00"}).json()
    assert body["results"][0]["updated_at"].startswith("2025-07-10T10:00:00")


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"period": "2025-7"}, "period"),
        ({"period": "2025-13"}, "period"),
        ({"period": "juli"}, "period"),
        ({"status": "unpaid"}, "status"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_bill_filters_are_400(api, make_user, params, attr):
    response = api(make_user(Role.PMD_AUDITOR)).get("/api/v1/bills/", params)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert attrs(response) == [attr]


def test_each_role_lists_the_bills_of_its_scope(api, make_user, billed):
    expected = {
        Role.VILLAGE_OPERATOR: {KWAYANGAN},
        Role.DISTRICT_VIEWER: {KWAYANGAN},
        Role.PMD_AUDITOR: {KWAYANGAN, BLACANAN},
        Role.BPJS_OFFICER: {KWAYANGAN, BLACANAN},
        Role.ADMIN: {KWAYANGAN, BLACANAN, CIRAHAB},
    }
    for role, villages in expected.items():
        assert {b[0] for b in listed(api(make_user(role)))} == villages, role


def test_the_bill_body(api, admin, operator):
    # Given two BPU members of Kwayangan billed for July, Rp 10,000 of which is paid
    first = CoveredMemberFactory(actor=admin, full_name="Siti Aminah", sex="female", category="bpd")
    second = CoveredMemberFactory(actor=admin, category="linmas")
    with freeze_time("2025-07-01 02:00:00"):
        generate("2025-07", KWAYANGAN)
    with freeze_time("2025-07-08 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(), amount=10_000)
        # When the village's operator reads the bill
        response = api(operator).get(f"/api/v1/bills/{bill_of().pk}/")

    # Then it is the body API.md describes
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "id",
            "village",
            "period",
            "funding_source",
            "segment",
            "due_date",
            "amount",
            "paid_amount",
            "outstanding",
            "status",
        )
    } == {
        "id": bill_of().pk,
        "village": KWAYANGAN,
        "period": "2025-07",
        "funding_source": "add",
        "segment": "bpu",
        "due_date": "2025-07-15",
        "amount": 33_600,
        "paid_amount": 10_000,
        "outstanding": 23_600,
        "status": "partially_paid",
    }
    assert body["village_name"] == "Kwayangan"
    assert (body["lines_amount"], body["penalty_amount"], body["penalties"]) == (33_600, 0, [])
    assert body["over_budget"] is False
    assert body["created_at"].endswith("+07:00")
    assert [
        {k: line[k] for k in ("member", "member_name", "programs", "amount")}
        for line in body["lines"]
    ] == [
        {
            "member": first.pk,
            "member_name": "Siti Aminah",
            "programs": {"jkk": 10_000, "jkm": 6_800},
            "amount": BPU_PACKAGE,
        },
        {
            "member": second.pk,
            "member_name": second.full_name,
            "programs": {"jkk": 10_000, "jkm": 6_800},
            "amount": BPU_PACKAGE,
        },
    ]
    assert body["lines"][0]["detail"] == BPU_DETAIL
    assert body["lines"][0]["enrollment"] == enrollment_of(first).pk
    assert (body["lines"][0]["employer_amount"], body["lines"][0]["worker_amount"]) == (
        0,
        BPU_PACKAGE,
    )
    # And money is whole rupiah as JSON numbers
    assert all(type(body[k]) is int for k in ("amount", "paid_amount", "outstanding"))


def test_a_bill_outside_the_scope_is_404(api, admin, make_user):
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    generate("2025-07", CIRAHAB)
    bill = Bill.objects.get()
    for role in (Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER, Role.PMD_AUDITOR):
        response = api(make_user(role)).get(f"/api/v1/bills/{bill.pk}/")
        assert response.status_code == 404, role
        assert error_codes(response) == ["not_found"]
    assert api(admin).get(f"/api/v1/bills/{bill.pk}/").status_code == 200


def test_bill_list_and_detail_queries_do_not_grow_with_the_bills(api, admin, make_user):
    client = api(make_user(Role.PMD_AUDITOR))
    CoveredMemberFactory(actor=admin)
    generate("2025-07")

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few_list = count("/api/v1/bills/")
    few_detail = count(f"/api/v1/bills/{bill_of().pk}/")

    # Given more bills, in more villages, with more lines and penalties
    for _ in range(3):
        CoveredMemberFactory(actor=admin)
        CoveredMemberFactory(
            actor=admin, village=BLACANAN, enrollment=pu_terms(), category="perangkat_desa"
        )
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        generate(period)
    assert Bill.objects.count() > 10 and BillPenalty.objects.exists()
    april_pu = bill_of(BLACANAN, period="2025-04", segment="pu")
    assert april_pu.penalties.exists()

    # Then reading them costs as many queries as before
    assert count("/api/v1/bills/") == few_list
    assert count(f"/api/v1/bills/{bill_of().pk}/") == few_detail
    assert count(f"/api/v1/bills/{april_pu.pk}/") == few_detail


def test_a_backdated_end_takes_the_enrollment_off_later_bills(api, admin, make_user):
    # Given two members billed January to May 2025, nothing paid
    leaving = CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05"):
        bill_month(period)

    # When, on 20 May, the operator records that one resigned on 10 March
    with freeze_time("2025-05-20 03:00:00"):
        response = api(make_user(Role.VILLAGE_OPERATOR)).post(
            f"/api/v1/members/{leaving.pk}/end/",
            {"reason": "resigned", "date": "2025-03-10"},
            format="json",
        )
    assert response.status_code == 200

    # Then April and May bill only the member who stayed
    assert lines_of(leaving) == ["2025-01", "2025-02", "2025-03"]
    assert bill_of(period="2025-04").amount == BPU_PACKAGE
    assert bill_of(period="2025-05").amount == BPU_PACKAGE
