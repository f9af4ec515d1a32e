"""One month end to end: the production beat schedule's jobs, day by day, on a frozen clock.

The schedule is read as data (``CELERY_BEAT_SCHEDULE``, crontab entries): for each day of
July 2026 the test runs, in the order of their time of day, the tasks of the entries that
fire on that day, each with the clock frozen at its time and with the arguments beat gives
it (none): generating the bills (on the 1st), the nightly arrears rules and term ends, the
progress refresh, the morning's reminders, deliveries and the sweeps. The days on which
the bills are written, fall due and fall overdue run their jobs twice, as a redelivered
task (``acks_late``) or a second beat would.

Then: the bills are there, once; each reminder reached each channel once (the local
gateway received every notification id once, each e-mail was sent once); the term that
ended closed its seat; the progress rows hold the month's figures. Every expected figure
is written out from the rate rows (contributions/migrations/0002 and 0009, as in
/work/shared/DOMAIN.md), not computed with the rate table.
"""

from __future__ import annotations

import datetime
import functools
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from freezegun import freeze_time

# Every view module is loaded before the clock is frozen (see tests/contributions/helpers.py).
import jamsostek.urls  # noqa: F401
from accounts.models import User
from contributions.models import Bill, BillStatus, Channel, Delivery, Notification
from jamsostek.celery import app
from jamsostek.core.choices import Role
from members.models import EndReason, Enrollment, MemberRole, Status
from reports.models import CategoryProgress, StaleProgress, VillageProgress
from tests.conftest import BLACANAN, KAB_PEKALONGAN, KWAYANGAN
from tests.gateway import Gateway
from tests.reports.banyumas import write_members
from villages.models import Region, VillageSeat

pytestmark = pytest.mark.django_db

JULY = [datetime.date(2026, 7, day) for day in range(1, 32)]
# July's BPU bills are due on the 15th of the month itself: Wednesday 15 July 2026, no
# public holiday that week, so the date does not move.
DUE = datetime.date(2026, 7, 15)

# The common BPU package: JKK + JKM on the lowest bracket (declared income Rp 1,000,000).
#   JKK: 1.00 % × 1,000,000 = 10,000; JKM: flat 6,800. Both whole rupiah: no rounding.
# July 2026 lies in PP 50/2025's relief for the other sectors (April – December 2026): BPU
# pay 50 % of JKK and JKM, each program halved and rounded half up on its own.
#   A village official on ADD (no occupation: other sectors):
#     JKK 10,000 × 50 % = 5,000; JKM 6,800 × 50 % = 3,400; together Rp 8,400 a month.
#   A vulnerable worker (petani) on the regency's APBD: BPU funded from APBN or APBD are
#     excluded from the relief, so the whole package: 10,000 + 6,800 = Rp 16,800 a month.
# The bills (one per village, funding source and segment):
KWAYANGAN_ADD = 42_000  # five BPD members on ADD: 5 × 8,400
KWAYANGAN_APBD = 16_800  # the one vulnerable worker on APBD: 1 × 16,800
BLACANAN_ADD = 25_200  # three Linmas on ADD: 3 × 8,400
# What each operator is reminded of, and the regency's digest: the unpaid bills together.
KWAYANGAN_OWES = "Rp 58.800"  # 42,000 + 16,800
BLACANAN_OWES = "Rp 25.200"  # 25,200
REGENCY_OWES = "Rp 84.000"  # 58,800 + 25,200

REPEATED = {datetime.date(2026, 7, 1), DUE, datetime.date(2026, 7, 16)}

# The reminders' stages in July (contributions/services/reminders.py): 1–3 days before the
# due date, on it, and from 1, 7 and 14 days after it (30 days after falls in August).
STAGES = ("before", "due", "after-1", "after-7", "after-14")


@functools.cache
def worker_tasks() -> dict:
    """The tasks a worker knows: every app's tasks module, loaded as a worker starts."""
    app.loader.import_default_modules()
    return app.tasks


def fires_on(schedule: crontab, day: datetime.date) -> bool:
    """Whether a crontab entry fires at some time of ``day`` (Sunday is 0 in crontab)."""
    return (
        day.month in schedule.month_of_year
        and day.day in schedule.day_of_month
        and day.isoweekday() % 7 in schedule.day_of_week
    )


def first_time(schedule: crontab) -> datetime.time:
    return datetime.time(min(schedule.hour), min(schedule.minute))


def run_day(clock, day: datetime.date) -> None:
    """Run the tasks of the beat entries that fire on ``day``, in the order of their first
    time that day, each once with the frozen ``clock`` moved to that time (an entry that
    fires every few minutes or every hour runs at midnight: its work of the day is the
    same)."""
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    entries = sorted(
        (first_time(entry["schedule"]), name, entry)
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if fires_on(entry["schedule"], day)
    )
    for at, _name, entry in entries:
        clock.move_to(datetime.datetime.combine(day, at, tzinfo=zone))
        task = worker_tasks()[entry["task"]]
        # As beat sends it: with the entry's arguments (none), here run in this process
        task.apply_async(args=entry.get("args", ()), kwargs=entry.get("kwargs", {})).get()


@pytest.fixture
def gateway(settings):
    with Gateway() as server:
        settings.NOTIFY_GATEWAY_URL = server.url
        settings.NOTIFY_GATEWAY_TOKEN = "rahasia-gateway"
        yield server


def person(role: str, scope: str, name: str) -> User:
    return User.objects.create_user(
        username=name,
        role=role,
        scope=Region.objects.get(code=scope),
        email=f"{name}@desa.example",
        phone="081234567890",
    )


def test_the_schedule_bills_on_the_first_and_runs_the_rest_every_day():
    # The production schedule, as data: the month's bills on the 1st only, every other
    # job on every day of the month
    schedule = settings.CELERY_BEAT_SCHEDULE
    days = {name: [d for d in JULY if fires_on(e["schedule"], d)] for name, e in schedule.items()}
    assert days.pop("generate-bills") == [datetime.date(2026, 7, 1)]
    assert all(fired == JULY for fired in days.values()), days
    # And every entry names a task the workers know
    assert {e["task"] for e in schedule.values()} <= set(worker_tasks())


def test_a_month_runs_by_itself(gateway):
    # Given, registered in mid-June: Kwayangan's five BPD members on ADD, a vulnerable worker
    # on the regency's APBD, and an RT head, submitted but not yet enrolled, whose term ended
    # on 22 May 2026; Blacanan's three Linmas on ADD. The active ones are covered from
    # 1 July 2026, so July is the first month they owe.
    kwayangan, blacanan = Region.objects.get(code=KWAYANGAN), Region.objects.get(code=BLACANAN)
    with freeze_time("2026-06-15 10:00:00"):
        write_members(
            [(kwayangan, "bpd", "active", False)] * 5
            + [(kwayangan, "pekerja_rentan", "active", False)]
            + [(kwayangan, "rt", "submitted", False)]
            + [(blacanan, "linmas", "active", False)] * 3
        )
    Enrollment.objects.filter(status=Status.ACTIVE).update(effective_from=datetime.date(2026, 7, 1))
    term_end = datetime.date(2026, 5, 22)
    MemberRole.objects.filter(member__village=kwayangan, category="rt").update(
        term_start=datetime.date(2021, 5, 23), term_end=term_end
    )
    VillageSeat.objects.bulk_create(
        [
            VillageSeat(village=kwayangan, category="bpd", count=9),
            VillageSeat(village=kwayangan, category="rt", count=12),
            VillageSeat(village=blacanan, category="linmas", count=6),
        ]
    )
    # And the people the reminders are for, each with e-mail and a phone
    operators = [
        person(Role.VILLAGE_OPERATOR, KWAYANGAN, "sekdes_kwayangan"),
        person(Role.VILLAGE_OPERATOR, BLACANAN, "sekdes_blacanan"),
    ]
    auditor = person(Role.PMD_AUDITOR, KAB_PEKALONGAN, "pmd_pekalongan")

    # When every day of July runs the schedule's jobs; the days the bills are written, fall
    # due and fall overdue run them twice, as a redelivered task or a second beat would
    with freeze_time(JULY[0]) as clock:
        for day in JULY:
            run_day(clock, day)
            if day in REPEATED:
                run_day(clock, day)

    # Then July's bills are there, once each, overdue since the day after the due date
    bills = {
        (b.village.code, b.funding_source, b.segment): (b.amount, b.paid_amount, b.status)
        for b in Bill.objects.select_related("village")
    }
    assert bills == {
        (KWAYANGAN, "add", "bpu"): (KWAYANGAN_ADD, 0, BillStatus.OVERDUE),
        (KWAYANGAN, "apbd", "bpu"): (KWAYANGAN_APBD, 0, BillStatus.OVERDUE),
        (BLACANAN, "add", "bpu"): (BLACANAN_ADD, 0, BillStatus.OVERDUE),
    }
    assert set(Bill.objects.values_list("period", flat=True)) == {datetime.date(2026, 7, 1)}

    # And each operator was reminded once per stage and channel, of what the village owes
    rows = Notification.objects.order_by("recipient__username", "key", "channel")
    for operator, code, owed in (
        (operators[0], KWAYANGAN, KWAYANGAN_OWES),
        (operators[1], BLACANAN, BLACANAN_OWES),
    ):
        assert set(rows.filter(recipient=operator).values_list("key", "channel")) == {
            (f"arrears:{code}:2026-07:bpu:{stage}", channel)
            for stage in STAGES
            for channel in Channel.values
        }
        for reminder in rows.filter(recipient=operator, channel=Channel.IN_APP):
            assert owed in reminder.body and "2026-07" in reminder.body, reminder.body
    # And the regency's auditor got July's digest once, on each channel
    digest = rows.filter(recipient=auditor)
    assert set(digest.values_list("key", "channel")) == {
        (f"digest:{KAB_PEKALONGAN}:2026-07", channel) for channel in Channel.values
    }
    assert REGENCY_OWES in digest.first().subject
    # And every one of them was delivered, once
    assert rows.count() == 2 * len(STAGES) * 3 + 3
    assert set(rows.values_list("status", flat=True)) == {Delivery.SENT}
    assert {r["method"] for r in gateway.received} == {"POST"}
    assert sorted(gateway.ids()) == sorted(
        rows.filter(channel=Channel.GATEWAY).values_list("pk", flat=True)
    )
    headers = [r["headers"] for r in gateway.received]
    assert {h["authorization"] for h in headers} == {"Bearer rahasia-gateway"}
    assert [h["idempotency-key"] for h in headers] == [f"notification-{pk}" for pk in gateway.ids()]
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [user.email for user in operators for _ in STAGES] + [auditor.email]
    )

    # And the term that ended closed the RT head's seat and enrollment
    rt = Enrollment.objects.get(member__roles__category="rt")
    assert (rt.status, rt.end_reason, rt.ended_on) == (Status.ENDED, EndReason.TERM_ENDED, term_end)

    # And the progress rows hold the month's figures, none left stale
    assert not StaleProgress.objects.exists()
    figures = {
        p.village.code: (
            p.participants_active,
            p.rentan_active,
            p.arrears_outstanding,
            p.arrears_months,
        )
        for p in VillageProgress.objects.select_related("village")
    }
    assert figures == {
        # five BPD and the vulnerable worker active; July unpaid: 42,000 + 16,800
        KWAYANGAN: (6, 1, 58_800, 1),
        BLACANAN: (3, 0, 25_200, 1),
    }
    assert {
        (c.village.code, c.category): (c.positions, c.registered, c.active)
        for c in CategoryProgress.objects.select_related("village")
    } == {
        (KWAYANGAN, "bpd"): (9, 5, 5),
        (KWAYANGAN, "pekerja_rentan"): (0, 1, 1),  # no seats: vulnerable workers have a target
        (KWAYANGAN, "rt"): (12, 0, 0),  # the RT head's role ended with the term
        (BLACANAN, "linmas"): (6, 3, 3),
    }
