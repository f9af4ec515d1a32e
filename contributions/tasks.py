"""Celery entry points of the money side: thin, by primary key or period, safe to repeat."""

import datetime

from celery import shared_task
from django.utils import timezone

from members.models import Enrollment
from villages.models import Region

from .periods import format_period, parse_period
from .services.arrears import apply_arrears_rules
from .services.billing import bills_generate, periods_to_bill
from .services.reminders import notifications_deliver, reminders_plan


@shared_task(name="contributions.generate_bills")
def generate_bills(period: str | None = None, village_ids: list[int] | None = None) -> dict:
    """Bill a month (default: this one) for the given villages or all. Repeatable."""
    day = parse_period(period) if period else timezone.localdate().replace(day=1)
    villages = Region.objects.filter(pk__in=village_ids) if village_ids else None
    result = bills_generate(period=day, villages=villages)
    return {
        "period": format_period(day),
        "bills_created": result.bills_created,
        "lines_added": result.lines_added,
        "penalties_added": result.penalties_added,
    }


@shared_task(name="contributions.bill_enrollment")
def bill_enrollment(enrollment_id: int) -> int:
    """After an activation: bill the enrollment's months so far (its village only)."""
    enrollment = Enrollment.objects.select_related("member").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.effective_from is None:
        return 0
    villages = Region.objects.filter(pk=enrollment.member.village_id)
    return sum(
        bills_generate(period=period, villages=villages).lines_added
        for period in periods_to_bill(enrollment)
    )


@shared_task(name="contributions.apply_arrears_rules")
def apply_arrears_rules_task(today: str | None = None) -> dict:
    """Nightly: overdue bills, BPU lapses after long arrears, reactivation when paid up."""
    result = apply_arrears_rules(today=_day(today))
    return {"overdue": result.overdue, "lapsed": result.lapsed, "reactivated": result.reactivated}


@shared_task(name="contributions.send_reminders")
def send_reminders(today: str | None = None) -> dict:
    """Each morning: plan the day's reminders into the outbox, then deliver what is due."""
    planned = reminders_plan(today=_day(today)).planned
    return {"planned": planned, **notifications_deliver()}


@shared_task(name="contributions.deliver_notifications")
def deliver_notifications() -> dict:
    """Every few minutes: deliver due notifications and retry failed ones."""
    return notifications_deliver()


def _day(today: str | None) -> datetime.date | None:
    """Tasks take ISO dates (JSON), so an operator can run one for a given day."""
    return datetime.date.fromisoformat(today) if today else None
