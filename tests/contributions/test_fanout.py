"""The month for the nation, one task per regency: a chord whose final step catches up."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from freezegun import freeze_time

from contributions import tasks
from contributions.models import Bill, BillLine
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN
from tests.factories import CoveredMemberFactory
from villages.models import Region

from .helpers import generate, pu_terms

pytestmark = pytest.mark.django_db


def lines_by_village() -> dict[str, int]:
    rows = BillLine.objects.values_list("bill__village__code").annotate(n=Sum("amount"))
    return dict(rows)


@freeze_time("2025-07-01 02:00:00")
def test_the_monthly_task_bills_every_regency_once(admin, django_capture_on_commit_callbacks):
    # Given members in two regencies: Kab. Pekalongan (two villages) and Kab. Banyumas
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    CoveredMemberFactory(actor=admin, village=CIRAHAB)

    # When beat's monthly task runs for July 2025 (its regencies' tasks and final step here)
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.bills_generate_month.delay("2025-07").get()

    # Then one task per regency with members covered was queued
    assert (queued["period"], queued["regencies"]) == ("2025-07", 2)
    # And their final step was chained to them, under an id to look its summary up by
    assert queued["finish"]
    # And every village got the bills a single generation gives it, with the same money
    fanned = lines_by_village()
    assert set(fanned) == {KWAYANGAN, BLACANAN, CIRAHAB}
    bills = list(
        Bill.objects.order_by("village__code", "segment").values_list(
            "village__code", "segment", "amount"
        )
    )
    BillLine.objects.all().delete()
    Bill.objects.all().delete()
    generate("2025-07")
    assert lines_by_village() == fanned
    assert list(
        Bill.objects.order_by("village__code", "segment").values_list(
            "village__code", "segment", "amount"
        )
    ) == (bills)


@freeze_time("2025-07-01 02:00:00")
def test_a_regency_task_run_twice_adds_nothing_the_second_time(admin):
    # Given a member of Kwayangan, and Kab. Pekalongan's task for July 2025 done once
    CoveredMemberFactory(actor=admin)
    regency = Region.objects.get(code=KWAYANGAN).regency_id
    first = tasks.bills_generate_regency.delay("2025-07", regency).get()

    # When the same task is delivered again (a worker lost after it committed)
    second = tasks.bills_generate_regency.delay("2025-07", regency).get()

    # Then the first billed the member and the second nothing
    assert (first["bills_created"], first["lines_added"]) == (1, 1)
    assert (second["bills_created"], second["lines_added"]) == (0, 0)
    assert BillLine.objects.count() == 1


@freeze_time("2025-07-01 02:00:00")
def test_the_final_step_bills_what_a_failed_regency_task_left(admin):
    # Given members in Kab. Pekalongan and Kab. Banyumas, and only Kab. Pekalongan's task
    # for July 2025 done (Banyumas' failed for good)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    regency = Region.objects.get(code=KWAYANGAN).regency_id
    done = tasks.bills_generate_regency.delay("2025-07", regency).get()

    # When the month's final step runs with what the regencies' tasks returned
    summary = tasks.bills_month_finish.delay([done], "2025-07").get()

    # Then Cirahab was billed by it, and the summary counts both
    assert set(lines_by_village()) == {KWAYANGAN, CIRAHAB}
    assert summary["lines_caught_up"] == 1
    assert summary["lines_added"] == 2
