"""A bill's totals, status and budget flag, recomputed set-based from what it holds.

Every writer that changes what a bill holds (generation, payments, re-pricing, adjustments,
an ended enrollment, the nightly arrears job, budgets) ends with these.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from ...models import (
    COUNTED_STATUSES,
    Bill,
    BillAdjustment,
    BillLine,
    BillPenalty,
    BillStatus,
    Budget,
    Payment,
)


def bills_refresh(bills: QuerySet[Bill], today: datetime.date | None = None) -> int:
    """Recompute totals, ``paid_amount`` and ``status`` of ``bills`` in two UPDATEs."""
    today = today or timezone.localdate()
    lines = BillLine.objects.filter(bill=OuterRef("pk")).values("bill").annotate(s=Sum("amount"))
    penalties = (
        BillPenalty.objects.filter(bill=OuterRef("pk")).values("bill").annotate(s=Sum("amount"))
    )
    adjustments = (
        BillAdjustment.objects.filter(bill=OuterRef("pk")).values("bill").annotate(s=Sum("amount"))
    )
    paid = (
        Payment.objects.filter(bill=OuterRef("pk"), status__in=COUNTED_STATUSES)
        .values("bill")
        .annotate(s=Sum("amount"))
    )
    live = bills.exclude(status=BillStatus.VOID)
    lines_sum = Coalesce(Subquery(lines.values("s")), 0, output_field=IntegerField())
    penalty_sum = Coalesce(Subquery(penalties.values("s")), 0, output_field=IntegerField())
    adjustment_sum = Coalesce(Subquery(adjustments.values("s")), 0, output_field=IntegerField())
    paid_sum = Coalesce(Subquery(paid.values("s")), 0, output_field=IntegerField())
    now = timezone.now()
    # Only rows that change are written, so updated_at moves (and syncing apps download a
    # bill again) only when something about it did.
    touched = live.filter(
        ~Q(lines_amount=lines_sum)
        | ~Q(penalty_amount=penalty_sum)
        | ~Q(adjustment_amount=adjustment_sum)
        | ~Q(paid_amount=paid_sum)
    ).update(
        lines_amount=lines_sum,
        penalty_amount=penalty_sum,
        adjustment_amount=adjustment_sum,
        amount=lines_sum + penalty_sum + adjustment_sum,
        paid_amount=paid_sum,
        updated_at=now,
    )
    status = _status_expression(today)
    touched += live.exclude(status=status).update(status=status, updated_at=now)
    return touched


def _status_expression(today: datetime.date) -> Case:
    return Case(
        When(amount__gt=0, paid_amount__gte=F("amount"), then=Value(BillStatus.PAID)),
        # Lines a re-pricing credit covers whole: nothing left to pay.
        When(amount=0, lines_amount__gt=0, then=Value(BillStatus.PAID)),
        When(due_date__lt=today, amount__gt=0, then=Value(BillStatus.OVERDUE)),
        When(paid_amount__gt=0, then=Value(BillStatus.PARTIALLY_PAID)),
        default=Value(BillStatus.OPEN),
    )


def bills_flag_over_budget(bills: QuerySet[Bill]) -> None:
    """Flag each bill whose year's bills, up to and including it, pass the village's budget.

    In the database: a running sum per village, year and funding source (a window over
    the year's bills of those that have a budget); only the flags that change come back."""
    budgeted = Budget.objects.filter(
        village=OuterRef("village"),
        year=ExtractYear(OuterRef("period")),
        funding_source=OuterRef("funding_source"),
    )
    same_year = bills.filter(
        village=OuterRef("village"),
        period__year=ExtractYear(OuterRef("period")),
        funding_source=OuterRef("funding_source"),
    )
    year_bills = (
        Bill.objects.exclude(status=BillStatus.VOID)
        .filter(Exists(same_year), Exists(budgeted))
        .annotate(
            limit=Subquery(budgeted.values("amount")[:1]),
            running=Window(
                Sum("amount"),
                partition_by=[F("village_id"), ExtractYear("period"), F("funding_source")],
                order_by=[F("period").asc(), F("segment").asc(), F("pk").asc()],
            ),
        )
    )
    flip_on = list(
        year_bills.filter(over_budget=False, running__gt=F("limit")).values_list("pk", flat=True)
    )
    flip_off = list(
        year_bills.filter(over_budget=True, running__lte=F("limit")).values_list("pk", flat=True)
    )
    # Flagged bills of villages whose budget is gone.
    flip_off += (
        Bill.objects.filter(Exists(same_year), over_budget=True)
        .exclude(Exists(budgeted))
        .values_list("pk", flat=True)
    )
    Bill.objects.filter(pk__in=flip_on).update(over_budget=True)
    Bill.objects.filter(pk__in=flip_off).update(over_budget=False)
