"""One enrollment's months as its lifecycle moves: billed after an activation, taken off
unpaid bills after an end. contributions/receivers.py answers members' signals with these;
the hourly sweep bills activations whose billing was never queued or never ran.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Enrollment
from villages.models import Region

from ...models import Bill, BillLine
from ...periods import add_months, periods_to_bill
from ...selectors import enrollments_activated_unbilled, enrollments_billable
from ..partitions import bill_line_partitions_ensure
from .adjustments import bill_credits_release
from .lines import bill_lines_add
from .totals import bills_flag_over_budget, bills_refresh


@transaction.atomic
def bills_generate_for_enrollment(*, enrollment_id: int) -> int:
    """After an activation: the enrollment's own lines for each month it was covered, up to
    this one. A month's bill is created only if it has none; nothing else is touched (other
    members' months are the monthly generation's; lateness is charged on the next bill)."""
    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.effective_from is None:
        return 0
    regency = Region.objects.filter(members__enrollments=enrollment).values_list(
        "regency_id", flat=True
    )[0]
    added, written = 0, []
    periods = list(periods_to_bill(enrollment))
    bill_line_partitions_ensure(periods)
    for period in periods:
        lines = bill_lines_add(
            period=period,
            enrollments=enrollments_billable(period).filter(pk=enrollment.pk),
            regencies=[regency],
        )
        if lines.lines_added:
            written.append(period)
        added += lines.lines_added
    if written:
        # The bills it added lines to, their totals and budget flags at once: per month
        # they cost two statements each, some 80 ms a month of a two-year backlog.
        bills = Bill.objects.filter(
            lines__enrollment=enrollment, lines__period__in=written, period__in=written
        )
        bills_refresh(bills)
        bills_flag_over_budget(bills)
    return added


def bills_sweep_activations(*, since: datetime.datetime | None = None) -> int:
    """Bill the months of recent activations that were never billed (see above). Safe to
    run any time: an enrollment's month is billed once."""
    since = since or timezone.now() - datetime.timedelta(days=2)
    added = 0
    for enrollment_id in enrollments_activated_unbilled(since=since).values_list("pk", flat=True):
        added += bills_generate_for_enrollment(enrollment_id=enrollment_id)
    return added


def bill_lines_remove_after_end(*, enrollment: Enrollment) -> int:
    """Take an ended enrollment off the unpaid bills of months after it ended.

    A backdated end (recorded in May for March) would otherwise keep charging April and
    May. Bills already paid keep their lines: that money is settled with BPJS, not here.
    """
    if enrollment.ended_on is None:
        return 0
    after = add_months(enrollment.ended_on.replace(day=1), 1)
    lines = BillLine.objects.filter(enrollment=enrollment, period__gte=after, bill__paid_amount=0)
    bills = list(lines.values_list("bill_id", flat=True))
    removed, _ = lines.delete()
    if bills:
        bill_credits_release(bills)
        bills_refresh(Bill.objects.filter(pk__in=bills))
    return removed
