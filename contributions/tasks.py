"""Celery entry points of the money side: thin, by primary key or period, safe to repeat.

Each task is named after the one service it calls.
"""

import datetime
from collections.abc import Callable

from celery import chord, current_app, group, shared_task
from celery.backends.base import DisabledBackend
from django.utils import timezone

from jamsostek.core.batch import TransientDatabaseError, transient_errors
from jamsostek.core.tasks import enqueue
from villages.models import Region

from .periods import add_months, format_period, parse_period
from .selectors import regencies_to_bill, villages_in, villages_unbilled
from .services import arrears, notifications, partitions, reminders
from .services.billing import enrollments, generation


@shared_task(name="contributions.bills_generate")
def bills_generate(
    period: str | None = None,
    village_ids: list[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Bill a month (default: this one) for the given villages or all. Repeatable.

    ``on_progress`` is for a caller in this process (the generate_bills command's bar):
    a callable does not travel through the broker, and beat never passes one."""
    day = parse_period(period) if period else timezone.localdate().replace(day=1)
    villages = Region.objects.filter(pk__in=village_ids) if village_ids else None
    result = generation.bills_generate(period=day, villages=villages, on_progress=on_progress)
    return {
        "period": format_period(day),
        "bills_created": result.bills_created,
        "lines_added": result.lines_added,
        "penalties_added": result.penalties_added,
    }


@shared_task(name="contributions.bills_generate_month")
def bills_generate_month(period: str | None = None) -> dict:
    """Beat, on the 1st: the month (default: this one) for the nation, one task per regency.

    The regencies' tasks (``bills_generate_regency``) run on whatever workers there are,
    each a whole generation of its villages in one transaction (bills, lines, penalties,
    totals, budget flags), idempotent and safe to retry alone. With a result backend they
    are a chord whose final step, ``bills_month_finish``, runs once all are done; without
    one they are a plain group and the progress sweeps pick up the figures."""
    day = parse_period(period) if period else timezone.localdate().replace(day=1)
    month = format_period(day)
    # This month's partition of bill lines and, ahead of time, next month's.
    partitions.bill_line_partitions_ensure([day, add_months(day, 1)])
    regencies = regencies_to_bill(period=day)
    header = group(bills_generate_regency.si(month, pk) for pk in regencies)
    if current_app.conf.task_always_eager or not isinstance(current_app.backend, DisabledBackend):
        finish = chord(header)(bills_month_finish.s(month))
        # Where to look for the month's summary (the final step's result).
        return {"period": month, "regencies": len(regencies), "finish": finish.id}
    header.apply_async()
    return {"period": month, "regencies": len(regencies), "finish": None}


@shared_task(
    name="contributions.bills_generate_regency",
    # A deadlock or serialization failure lost to another transaction, a lock timeout or
    # a lost connection (TransientDatabaseError) runs the task again, at most five times,
    # each after a random delay of up to 30 s, 60 s, 120 s… (10 min at most). Any other
    # error fails it, and the month's final step bills what it left.
    autoretry_for=(TransientDatabaseError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def bills_generate_regency(period: str, regency_id: int) -> dict:
    """One regency's month: all of bills_generate for its villages (repeatable)."""
    with transient_errors():
        villages = villages_in(regency=Region.objects.get(pk=regency_id))
        result = generation.bills_generate(period=parse_period(period), villages=villages)
    return {
        "regency": regency_id,
        "bills_created": result.bills_created,
        "lines_added": result.lines_added,
        "penalties_added": result.penalties_added,
    }


@shared_task(name="contributions.bills_month_finish")
def bills_month_finish(results: list[dict], period: str) -> dict:
    """After every regency's task: bill what a regency's task left (it failed for good, or
    an enrollment was activated meanwhile), then refresh the progress figures."""
    day = parse_period(period)
    missed = generation.bills_generate(period=day, villages=villages_unbilled(period=day))
    # By name: the reports app sits above this one.
    enqueue(current_app.signature("reports.progress_refresh"))
    return {
        "period": period,
        "regencies": len(results),
        "bills_created": sum(r["bills_created"] for r in results) + missed.bills_created,
        "lines_added": sum(r["lines_added"] for r in results) + missed.lines_added,
        "penalties_added": sum(r["penalties_added"] for r in results) + missed.penalties_added,
        "lines_caught_up": missed.lines_added,
    }


@shared_task(name="contributions.bills_generate_for_enrollment")
def bills_generate_for_enrollment(enrollment_id: int) -> int:
    """After an activation: bill the enrollment's months so far (its village only)."""
    return enrollments.bills_generate_for_enrollment(enrollment_id=enrollment_id)


@shared_task(name="contributions.bills_sweep_activations")
def bills_sweep_activations() -> int:
    """Hourly catch-up: bill recent activations whose billing was never queued or run."""
    return enrollments.bills_sweep_activations()


@shared_task(name="contributions.arrears_rules_apply")
def arrears_rules_apply(today: str | None = None) -> dict:
    """Nightly: overdue bills, BPU lapses after long arrears, reactivation when paid up."""
    result = arrears.arrears_rules_apply(today=_day(today))
    return {"overdue": result.overdue, "lapsed": result.lapsed, "reactivated": result.reactivated}


@shared_task(name="contributions.reminders_send")
def reminders_send(today: str | None = None) -> dict:
    """Each morning: plan the day's reminders into the outbox, then deliver what is due."""
    return reminders.reminders_send(today=_day(today))


@shared_task(name="contributions.notifications_deliver")
def notifications_deliver() -> dict:
    """Every few minutes: deliver due notifications and retry failed ones."""
    return notifications.notifications_deliver()


def _day(today: str | None) -> datetime.date | None:
    """Tasks take ISO dates (JSON), so an operator can run one for a given day."""
    return datetime.date.fromisoformat(today) if today else None
