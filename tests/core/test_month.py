"""One month end to end: beat fires the jobs, two real workers run them over Redis.

PostgreSQL and Redis only (as CI runs it). The month is this one; beat fires each job
every second with the day it stands for, so the month's days all happen in under a
minute, each many times over: generating the bills (1st), the reminders of three days
before the BPU due date, of the due date and of the day after, the nightly arrears rules
on the day after, the term ends, deliveries and the progress refresh. Two workers take
the tasks from one queue, so repeats and races are real.

Then: the bills are there, each reminder reached each channel exactly once (the local
gateway received every notification id once, each e-mail was written once), and the
progress rows equal a direct count of the database.
"""

from __future__ import annotations

import datetime
import json
import time

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import Role, User
from contributions.models import Bill, BillStatus, Channel, Delivery, Notification
from contributions.periods import add_months, due_date, format_period
from contributions.rates import RateTable, Terms
from jamsostek.core.money import format_rupiah, total
from members.models import EndReason, Enrollment, MemberRole, Status
from reports.models import CategoryProgress, StaleProgress, VillageProgress
from tests.conftest import BLACANAN, KAB_PEKALONGAN, KWAYANGAN, CeleryProcesses
from tests.contributions.test_race import committed_basics
from tests.gateway import Gateway
from tests.reports.banyumas import write_members
from villages.models import Region, VillageSeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def package(period: datetime.date, funding_source: str, occupation: str | None = None) -> int:
    """The common BPU package (JKK + JKM on Rp 1,000,000) in ``period``: Rp 16,800, or Rp 8,400
    in a month PP 50/2025 relieves (the month runs on the real calendar: workers and beat are
    processes of their own, no clock can be frozen for them)."""
    terms = Terms("bpu", ("jkk", "jkm"), 1_000_000, None, None, funding_source, occupation)
    return total(RateTable.for_month(period).contribution(terms))


@pytest.fixture
def gateway():
    with Gateway() as server:
        yield server


def person(role: str, scope: str, name: str) -> User:
    return User.objects.create_user(
        username=name,
        role=role,
        scope=Region.objects.get(code=scope),
        email=f"{name}@desa.example",
        phone="081234567890",
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds} s for {what}")
        time.sleep(0.5)


def drain(celery: CeleryProcesses, workers: int) -> None:
    """Wait until the queue is empty and no worker holds a task, three checks in a row."""
    import redis

    from jamsostek.celery import app

    def own(replies: dict | None) -> dict:
        # Only this test's workers (named after its queue): the tests run in parallel
        # (pytest-xdist), and another test's worker may be on the same broker meanwhile.
        return {name: tasks for name, tasks in (replies or {}).items() if celery.queue in name}

    queue = redis.Redis.from_url(celery.broker)
    quiet, deadline = 0, time.monotonic() + 120
    while quiet < 3:
        assert time.monotonic() < deadline, "the workers never went quiet"
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = own(inspect.active()), own(inspect.reserved())
        idle = (
            queue.llen(celery.queue) == 0
            and len(active) == workers
            and not any(active.values())
            and not any(reserved.values())
        )
        quiet = quiet + 1 if idle else 0
        time.sleep(0.3)


def test_a_month_runs_by_itself(settings, gateway, tmp_path):
    # Given this month, whose BPU bills fall due on ``due``
    committed_basics()
    today = timezone.localdate()
    period = today.replace(day=1)
    due = due_date(period, "bpu")
    # Kwayangan: five BPD members on ADD, a vulnerable worker on the regency's APBD, and an
    # RT head, submitted but not yet enrolled, whose term ended 40 days before the month
    kwayangan, blacanan = Region.objects.get(code=KWAYANGAN), Region.objects.get(code=BLACANAN)
    write_members(
        [(kwayangan, "bpd", "active", False)] * 5
        + [(kwayangan, "pekerja_rentan", "active", False)]
        + [(kwayangan, "rt", "submitted", False)]
        + [(blacanan, "linmas", "active", False)] * 3
    )
    term_end = period - datetime.timedelta(days=40)
    MemberRole.objects.filter(member__village=kwayangan, category="rt").update(
        term_start=term_end - datetime.timedelta(days=5 * 365), term_end=term_end
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

    # When beat fires the month's jobs, each every second, for two workers
    day = datetime.timedelta(days=1)
    schedule = [
        ["generate-bills", "contributions.bills_generate_month", {"period": format_period(period)}],
        ["reminders-before", "contributions.reminders_send", {"today": str(due - 3 * day)}],
        ["reminders-due", "contributions.reminders_send", {"today": str(due)}],
        ["reminders-after", "contributions.reminders_send", {"today": str(due + day)}],
        ["arrears-rules", "contributions.arrears_rules_apply", {"today": str(due + day)}],
        ["end-expired-terms", "members.roles_end_expired", {"today": str(today)}],
        ["deliver-notifications", "contributions.notifications_deliver", {}],
        ["refresh-progress", "reports.progress_refresh", {}],
    ]
    mail = tmp_path / "mail"
    mail.mkdir()
    with CeleryProcesses(
        settings,
        DJANGO_SETTINGS_MODULE="tests.month_settings",
        MONTH_BEAT_SCHEDULE=json.dumps([row + [1] for row in schedule]),
        MONTH_MAIL_DIR=str(mail),
        NOTIFY_GATEWAY_URL=gateway.url,
        NOTIFY_GATEWAY_TOKEN="rahasia-gateway",
    ) as celery:
        celery.worker("worker-1")
        celery.worker("worker-2")
        beat = celery.beat(str(tmp_path / "beat-schedule"))
        # 3 stages × 3 channels for each operator, 1 digest × 3 channels for the auditor
        expected = 3 * 3 * len(operators) + 3
        wait_for(
            lambda: (
                Notification.objects.filter(status=Delivery.SENT).count() == expected
                and len(gateway.ids()) == expected // 3
                and Enrollment.objects.filter(status=Status.ENDED).exists()
                and Bill.objects.filter(status=BillStatus.OVERDUE).count() == 3
            ),
            seconds=150,
            what="bills, overdue, reminders delivered and the term ended",
        )
        # And it keeps firing a while longer: every job runs again, several times
        time.sleep(4)
        beat_log = celery.stop(beat)
        drain(celery, workers=2)

    # Then beat did fire the jobs again and again
    for name, _task, _kwargs in schedule:
        assert beat_log.count(f"Scheduler: Sending due task {name} ") >= 3, name

    # And the month's bills are there: one per village, source and segment, once (their
    # status is the last job's: the arrears rules for the day after the due date made them
    # overdue, as waited for above, and a later regeneration for today opens them again)
    bills = {
        (b.village.code, b.funding_source, b.segment): b.amount
        for b in Bill.objects.select_related("village").filter(period=period)
    }
    officials, helped = package(period, "add"), package(period, "apbd", "petani")
    assert bills == {
        (KWAYANGAN, "add", "bpu"): 5 * officials,
        (KWAYANGAN, "apbd", "bpu"): helped,
        (BLACANAN, "add", "bpu"): 3 * officials,
    }
    assert not Bill.objects.exclude(period=period).exists()
    assert not Bill.objects.filter(period=add_months(period, 1)).exists()

    # And every reminder was planned once per channel and delivered once
    period_text = format_period(period)
    rows = Notification.objects.order_by("recipient__username", "key", "channel")
    assert rows.count() == expected
    assert set(rows.values_list("status", flat=True)) == {Delivery.SENT}
    kwayangan_due, blacanan_due = 5 * officials + helped, 3 * officials
    for operator, code, amount in (
        (operators[0], KWAYANGAN, format_rupiah(kwayangan_due)),  # Rp 100.800 unrelieved
        (operators[1], BLACANAN, format_rupiah(blacanan_due)),  # Rp 50.400
    ):
        keys = set(rows.filter(recipient=operator).values_list("key", "channel"))
        assert keys == {
            (f"arrears:{code}:{period_text}:bpu:{stage}", channel)
            for stage in ("before", "due", "after-1")
            for channel in Channel.values
        }
        bodies = rows.filter(recipient=operator, channel=Channel.IN_APP)
        assert all(amount in n.body and period_text in n.body for n in bodies)
    digest = rows.filter(recipient=auditor)
    assert set(digest.values_list("key", flat=True)) == {
        f"digest:{KAB_PEKALONGAN}:{format_period(due + datetime.timedelta(days=1))}"
    }
    # both villages' overdue: Rp 151.200 in a month with no relief
    assert format_rupiah(kwayangan_due + blacanan_due) in digest.first().subject
    # The gateway got each notification once, with its token and idempotency key
    assert {r["method"] for r in gateway.received} == {"POST"}
    assert sorted(gateway.ids()) == sorted(
        rows.filter(channel=Channel.GATEWAY).values_list("pk", flat=True)
    )
    headers = [r["headers"] for r in gateway.received]
    assert {h["authorization"] for h in headers} == {"Bearer rahasia-gateway"}
    assert [h["idempotency-key"] for h in headers] == [f"notification-{pk}" for pk in gateway.ids()]
    # Each e-mail was written once
    sent_to = [
        line.split(": ", 1)[1]
        for path in mail.iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]
    assert sorted(sent_to) == sorted(
        [u.email for u in operators for _ in range(3)] + [auditor.email]
    )

    # And the term that ended closed the RT head's seat and enrollment
    rt = Enrollment.objects.get(member__roles__category="rt")
    assert (rt.status, rt.end_reason, rt.ended_on) == (Status.ENDED, EndReason.TERM_ENDED, term_end)

    # And the progress rows equal a direct count
    assert not StaleProgress.objects.exists()
    for village in (kwayangan, blacanan):
        stored = VillageProgress.objects.get(village=village)
        active = Enrollment.objects.filter(member__village=village, status=Status.ACTIVE)
        overdue = Bill.objects.filter(village=village, status=BillStatus.OVERDUE)
        assert stored.participants_active == active.count()
        assert (
            stored.rentan_active == active.filter(member__roles__category="pekerja_rentan").count()
        )
        assert stored.arrears_outstanding == (
            overdue.aggregate(s=Sum(F("amount") - F("paid_amount")))["s"] or 0
        )
        assert stored.arrears_months == overdue.values("period").distinct().count()
        for category in ("bpd", "rt", "linmas"):
            open_roles = MemberRole.objects.filter(
                member__village=village, category=category, ended_on__isnull=True
            )
            figures = CategoryProgress.objects.filter(village=village, category=category).first()
            registered = figures.registered if figures else 0
            assert registered == open_roles.count(), (village.code, category)
    assert VillageProgress.objects.get(village=kwayangan).participants_active == 6
    assert CategoryProgress.objects.get(village=kwayangan, category="rt").registered == 0
