"""Generating a month's bills: the lines, then what follows them, in one transaction.

A month is billed for every enrollment that was covered on any day of it: effective on or
before its last day, not ended before its first day, and not lapsed before it began.
Generation groups those enrollments by village, funding source and segment into bills, adds
one line per enrollment (lines.py; the constraint ``billline_one_per_enrollment_and_month``
makes a second run add nothing, and a later activation add just its own line), puts
late-payment penalties for earlier PU bills on the new PU bills (penalties.py), then
recomputes totals, statuses and budget flags (totals.py) and gives pending credits their
bills (adjustments.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError
from members.models import Segment
from villages.models import Region

from ...models import Bill, BillAdjustment
from ...periods import billing_start
from ...selectors import enrollments_billable, villages_in
from ..partitions import bill_line_partitions_ensure
from ..penalties import bill_penalties_charge
from .adjustments import bill_adjustments_attach_pending
from .lines import bill_lines_add
from .totals import bills_flag_over_budget, bills_refresh


@dataclass
class GenerationResult:
    period: datetime.date
    bills_created: int = 0
    lines_added: int = 0
    penalties_added: int = 0
    bills_touched: int = 0
    bills: int | None = None


def _check_billed_month(period: datetime.date) -> None:
    if period < billing_start():
        raise ApplicationError(
            _("Months before %(start)s were settled before this system: they are not billed.")
            % {"start": settings.BILLING_START},
            code="before_billing_start",
            attr="period",
        )


def bills_generate(
    *,
    period: datetime.date,
    villages: QuerySet[Region] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Bill ``period`` for ``villages`` (all when None). Running it again creates nothing.

    ``on_progress(done, total)``, if given, follows the new lines as they are written."""
    _check_billed_month(period)
    bill_line_partitions_ensure([period])  # before the month's transaction (partitions.py)
    return _generate(period, villages, on_progress)


@transaction.atomic
def _generate(period, villages, on_progress) -> GenerationResult:
    result = GenerationResult(period)
    enrollments = enrollments_billable(period)
    if villages is not None:
        enrollments = enrollments.filter(member__village__in=villages)
    regencies = None
    if villages is not None:
        regencies = list(villages.order_by().values_list("regency_id", flat=True).distinct())
    written = bill_lines_add(
        period=period, enrollments=enrollments, on_progress=on_progress, regencies=regencies
    )
    result.bills_created, result.lines_added = written.bills_created, written.lines_added
    scope = Bill.objects.filter(period=period)
    if villages is not None:
        scope = scope.filter(village__in=villages)
    result.penalties_added = bill_penalties_charge(scope.filter(segment=Segment.PU))
    # Totals, statuses and budget flags follow what this run wrote. A run that wrote
    # nothing (the month was billed) leaves them: payments, adjustments, budgets and the
    # nightly arrears job keep them in step themselves.
    wrote = bool(result.lines_added or result.bills_created or result.penalties_added)
    if wrote:
        result.bills_touched = bills_refresh(scope)
    if BillAdjustment.objects.filter(bill__isnull=True).exists():
        wrote |= bool(bill_adjustments_attach_pending(village_ids=scope.values("village_id")))
    if wrote:
        bills_flag_over_budget(scope)
    return result


def bills_generate_for(
    *,
    actor,
    period: datetime.date,
    village: Region | None = None,
    regency: Region | None = None,
) -> GenerationResult:
    """Bill ``period`` for one village, one regency or, given neither, all that ``actor``
    bills: a pmd_auditor its regency, an admin the nation. ``bills`` counts the period's
    bills in those villages afterwards."""
    if village is None and regency is None and actor.role != Role.ADMIN:
        regency = actor.scope  # a pmd_auditor bills its own regency
    villages = villages_in(village=village, regency=regency)
    result = bills_generate(period=period, villages=villages)
    result.bills = Bill.objects.filter(period=period, village__in=villages).count()
    return result
