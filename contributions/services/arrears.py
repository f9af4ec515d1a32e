"""The arrears rules, run as one service (nightly, and after payments for reactivation).

- A bill past its due date and not paid in full is overdue.
- A BPU enrollment with more than ``LAPSE_AFTER_UNPAID_MONTHS`` consecutive overdue months
  lapses: protection has stopped and it is no longer billed.
- A lapsed BPU enrollment whose months are all paid again within
  ``REACTIVATION_WINDOW_DAYS`` of the lapse is active again.
- Late PU bills are charged on the next bill (penalties.py), not here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jamsostek.core.errors import ApplicationError
from members.models import Enrollment, Segment, Status
from members.services.lifecycle import enrollment_transition, enrollments_lapse

from ..models import Bill, BillLine, BillStatus
from .billing.totals import bills_refresh


@dataclass
class RulesResult:
    overdue: int = 0
    lapsed: int = 0
    reactivated: int = 0


def _unpaid_streaks(enrollments) -> dict[int, int]:
    """For each enrollment (a queryset, sent as a subquery: at national size a list of ids
    would pass the database's parameter limit), how many of its latest billed months in a
    row are overdue."""
    lines = (
        BillLine.objects.filter(enrollment_id__in=enrollments.values("pk"))
        .order_by("enrollment_id", "-period")
        .values_list("enrollment_id", "bill__status")
        .iterator(chunk_size=10_000)
    )
    streaks: dict[int, int] = defaultdict(int)
    broken: set[int] = set()
    for enrollment, status in lines:
        if enrollment in broken:
            continue
        if status == BillStatus.OVERDUE:
            streaks[enrollment] += 1
        elif status != BillStatus.OPEN:  # an open bill is not due yet: it neither counts nor breaks
            broken.add(enrollment)
    return streaks


@transaction.atomic
def arrears_rules_apply(*, today: datetime.date | None = None, villages=None) -> RulesResult:
    """Mark overdue bills, lapse BPU enrollments in long arrears, reactivate paid-up ones."""
    today = today or timezone.localdate()
    result = RulesResult()
    due = Bill.objects.filter(
        status__in=[BillStatus.OPEN, BillStatus.PARTIALLY_PAID], due_date__lt=today
    )
    if villages is not None:
        due = due.filter(village_id__in=villages)
    result.overdue = bills_refresh(due, today=today)

    active = Enrollment.objects.filter(segment=Segment.BPU, status=Status.ACTIVE)
    if villages is not None:
        active = active.filter(member__village_id__in=villages)
    candidates = active.filter(
        pk__in=BillLine.objects.filter(bill__status=BillStatus.OVERDUE).values("enrollment_id")
    )
    limit = settings.LAPSE_AFTER_UNPAID_MONTHS
    streaks = _unpaid_streaks(candidates)
    to_lapse = {pk: streak for pk, streak in streaks.items() if streak > limit}
    result.lapsed = enrollments_lapse(
        ids=sorted(to_lapse),
        on=today,
        reasons={pk: f"{streak} consecutive months unpaid" for pk, streak in to_lapse.items()},
    )
    result.reactivated = enrollments_reactivate_paid_up(villages=villages, today=today)
    return result


def enrollments_reactivate_paid_up(*, villages=None, today: datetime.date | None = None) -> int:
    """Lapsed BPU enrollments with nothing overdue, lapsed within the window: active again."""
    today = today or timezone.localdate()
    window = today - datetime.timedelta(days=settings.REACTIVATION_WINDOW_DAYS)
    # Correlated per lapsed enrollment (few), not NOT IN over every overdue line in the land.
    overdue = BillLine.objects.filter(enrollment=OuterRef("pk"), bill__status=BillStatus.OVERDUE)
    lapsed = Enrollment.objects.filter(
        segment=Segment.BPU, status=Status.LAPSED, lapsed_on__gte=window
    ).exclude(Exists(overdue))
    if villages is not None:
        lapsed = lapsed.filter(member__village_id__in=villages)
    count = 0
    for enrollment in lapsed:
        try:
            enrollment_transition(
                enrollment=enrollment, to=Status.ACTIVE, actor=None, reason="arrears paid"
            )
        except ApplicationError:
            continue  # reactivated meanwhile by a concurrent payment
        count += 1
    return count
