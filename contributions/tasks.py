"""Celery entry points of the money side: thin, by primary key or period, safe to repeat.

Each task is named after the one service it calls.
"""

import datetime
from collections.abc import Callable

from celery import shared_task
from django.utils import timezone

from villages.models import Region

from .periods import format_period, parse_period
from .services import arrears, billing, reminders


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
    result = billing.bills_generate(period=day, villages=villages, on_progress=on_progress)
    return {
        "period": format_period(day),
        "bills_created": result.bills_created,
        "lines_added": result.lines_added,
        "penalties_added": result.penalties_added,
    }


@shared_task(name="contributions.bills_generate_for_enrollment")
def bills_generate_for_enrollment(enrollment_id: int) -> int:
    """After an activation: bill the enrollment's months so far (its village only)."""
    return billing.bills_generate_for_enrollment(enrollment_id=enrollment_id)


@shared_task(name="contributions.bills_sweep_activations")
def bills_sweep_activations() -> int:
    """Hourly catch-up: bill recent activations whose billing was never queued or run."""
    return billing.bills_sweep_activations()


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
    return reminders.notifications_deliver()


def _day(today: str | None) -> datetime.date | None:
    """Tasks take ISO dates (JSON), so an operator can run one for a given day."""
    return datetime.date.fromisoformat(today) if today else None
