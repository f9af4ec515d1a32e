"""The scheduled jobs: in beat's schedule, safe to run twice or after a crash, runnable by hand."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from contributions.models import Bill, BillLine, BillStatus
from contributions.tasks import arrears_rules_apply, bills_generate
from jamsostek.celery import app
from members.models import Status
from reports import services as report_services
from reports.models import VillageProgress
from reports.tasks import progress_refresh
from tests.conftest import BLACANAN, KWAYANGAN
from tests.contributions.helpers import BPU_PACKAGE, enrollment_of
from tests.factories import CoveredMemberFactory

pytestmark = pytest.mark.django_db


def test_every_beat_entry_names_a_task_and_expires():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert isinstance(entry["schedule"], crontab), name
        # A run that could not start within its window is dropped, not stacked up
        assert 0 < entry["options"]["expires"] <= 6 * 60 * 60, name
    # The bills on the 1st of the month, the rules before the refresh every night
    bills = settings.CELERY_BEAT_SCHEDULE["generate-bills"]["schedule"]
    assert bills.day_of_month == {1}
    rules = settings.CELERY_BEAT_SCHEDULE["arrears-rules"]["schedule"]
    refresh = settings.CELERY_BEAT_SCHEDULE["refresh-progress"]["schedule"]
    assert rules.day_of_month == refresh.day_of_month == set(range(1, 32))
    assert min(rules.hour) < min(refresh.hour)


def test_generating_a_month_twice_changes_nothing_the_second_time(admin):
    # Given members in two villages
    for village in (KWAYANGAN, KWAYANGAN, BLACANAN):
        CoveredMemberFactory(actor=admin, village=village)

    # When beat's task bills March twice (a retry, or the operator running it again)
    with freeze_time("2025-03-01 01:00:00"):
        first = bills_generate(period="2025-03")
    snapshot = list(Bill.objects.order_by("pk").values("pk", "amount", "status", "updated_at"))
    with freeze_time("2025-03-01 02:00:00"):
        second = bills_generate(period="2025-03")

    # Then the first run made two bills of three lines, the second nothing, not even a touch
    assert first == {
        "period": "2025-03",
        "bills_created": 2,
        "lines_added": 3,
        "penalties_added": 0,
    }
    assert second == {**first, "bills_created": 0, "lines_added": 0}
    assert list(Bill.objects.order_by("pk").values("pk", "amount", "status", "updated_at")) == (
        snapshot
    )
    assert sorted(b["amount"] for b in snapshot) == [BPU_PACKAGE, 2 * BPU_PACKAGE]


def test_a_generation_that_crashes_leaves_nothing_and_the_next_run_completes(admin):
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, village=BLACANAN)

    # When the run dies after writing the lines (the worker killed, the database gone)
    with (
        freeze_time("2025-03-01 01:00:00"),
        mock.patch(
            "contributions.services.billing.generation.bills_flag_over_budget",
            side_effect=OSError("gone"),
        ),
        pytest.raises(OSError),
    ):
        bills_generate(period="2025-03")

    # Then nothing of it was kept
    assert not Bill.objects.exists() and not BillLine.objects.exists()

    # And the redelivered task (acks_late) bills the whole month
    with freeze_time("2025-03-01 01:05:00"):
        result = bills_generate(period="2025-03")
    assert (result["bills_created"], result["lines_added"]) == (2, 2)


def test_the_nightly_rules_twice_on_the_same_night_change_nothing_more(admin):
    # Given a BPU member whose bills of January to April are unpaid
    member = CoveredMemberFactory(actor=admin)
    for period in ("2025-01", "2025-02", "2025-03", "2025-04"):
        with freeze_time(f"{period}-02 03:00:00"):
            bills_generate(period=period)

    # When the rules run twice on 16 April, after April's due date
    with freeze_time("2025-04-16 01:30:00"):
        first = arrears_rules_apply(today="2025-04-16")
        second = arrears_rules_apply(today="2025-04-16")

    # Then the first made the bills overdue and lapsed the member, the second did nothing
    assert first == {"overdue": 4, "lapsed": 1, "reactivated": 0}
    assert second == {"overdue": 0, "lapsed": 0, "reactivated": 0}
    assert set(Bill.objects.values_list("status", flat=True)) == {BillStatus.OVERDUE}
    assert enrollment_of(member).status == Status.LAPSED


def test_a_refresh_that_crashes_keeps_the_chunks_it_finished(admin, monkeypatch):
    # Given three villages with members, refreshed in chunks of one village
    for village in (KWAYANGAN, BLACANAN, "33.26.13.2001"):
        CoveredMemberFactory(actor=admin, village=village)
    monkeypatch.setattr(report_services, "CHUNK", 1)
    real = report_services._refresh_chunk
    calls = []

    def dies_on_the_third(ids):
        calls.append(ids)
        if len(calls) == 3:
            raise OSError("worker killed")
        real(ids)

    # When the refresh dies on its third chunk
    with (
        mock.patch.object(report_services, "_refresh_chunk", dies_on_the_third),
        pytest.raises(OSError),
    ):
        progress_refresh()

    # Then the first two villages have whole rows, the third none
    assert VillageProgress.objects.count() == 2
    assert all(row.participants_active == 1 for row in VillageProgress.objects.all())

    # And running it again refreshes all three
    assert progress_refresh() == 3
    assert VillageProgress.objects.count() == 3


def test_an_operator_runs_a_job_by_hand_for_a_given_month(admin, capsys):
    CoveredMemberFactory(actor=admin)

    call_command("generate_bills", "--period", "2025-05")

    assert json.loads(capsys.readouterr().out) == {
        "period": "2025-05",
        "bills_created": 1,
        "lines_added": 1,
        "penalties_added": 0,
    }
    assert Bill.objects.get().period.isoformat() == "2025-05-01"


@pytest.mark.parametrize(
    ("command", "argument", "message"),
    [
        ("generate_bills", ["--period", "2025-13"], "YYYY-MM"),
        ("send_reminders", ["--date", "2025-02-30"], "YYYY-MM-DD"),
        ("apply_arrears_rules", ["--date", "kemarin"], "YYYY-MM-DD"),
    ],
)
def test_a_bad_day_or_month_by_hand_is_a_clear_error(command, argument, message):
    with pytest.raises(CommandError, match=message):
        call_command(command, *argument)
    assert not Bill.objects.exists()
