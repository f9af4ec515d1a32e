"""Late-payment penalties: what earlier PU bills' lateness adds to a village's new PU bill.

DOMAIN.md: 2% of the amount due per started month late (a setting per funding source,
``LATE_PENALTY_PERCENT`` and ``LATE_PENALTY_FUNDING_SOURCES``), charged on the next bill.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from jamsostek.core.money import percent_of, round_rupiah
from members.models import Segment

from ..models import Bill, BillPenalty, BillStatus
from ..periods import months_late
from ..selectors import bills_settled_on

_BATCH = 2000


def _penalty_percent() -> Decimal:
    return Decimal(str(getattr(settings, "LATE_PENALTY_PERCENT", 2)))


def _penalised_sources() -> set[str]:
    return set(getattr(settings, "LATE_PENALTY_FUNDING_SOURCES", []))


def bill_penalties_charge(new_bills: QuerySet[Bill]) -> int:
    """Put on each new PU bill the lateness of that village's earlier PU bills (same source).

    A bill is late by the started months between its due date and the day it was settled
    (paid in full), or, while unpaid, the first day of the new bill's month. Each month is
    charged once: what earlier bills already charged is subtracted.

    Paid bills already settled for good are left out, so the work does not grow with years
    of history: a bill that last changed before a later month's bill was generated, and
    before that month began, had its whole lateness charged by that generation.
    """
    percent = _penalty_percent()
    sources = _penalised_sources()
    new_bills = new_bills.filter(funding_source__in=sources)
    targets = list(new_bills.values_list("pk", "village_id", "funding_source", "period"))
    if not targets or percent <= 0:
        return 0
    by_key = {(v, f): (pk, period) for pk, v, f, period in targets}
    periods = {period for *_, period in targets}
    charged_later = Bill.objects.filter(
        village_id=OuterRef("village_id"),
        segment=Segment.PU,
        funding_source=OuterRef("funding_source"),
        period__gt=OuterRef("period"),
        period__gte=OuterRef("changed_on"),
        created_at__gt=OuterRef("updated_at"),
    ).exclude(period__in=periods)
    pool = (
        Bill.objects.filter(
            segment=Segment.PU,
            village_id__in=new_bills.values("village_id"),
            funding_source__in=sources,
            period__lt=max(periods),
            lines_amount__gt=0,
        )
        .exclude(status=BillStatus.VOID)
        .annotate(changed_on=TruncDate("updated_at"))
        .exclude(Q(status=BillStatus.PAID) & Exists(charged_later))
    )
    candidates = pool.annotate(
        charged=Coalesce(
            Subquery(
                BillPenalty.objects.filter(late_bill=OuterRef("pk"))
                .values("late_bill")
                .annotate(n=Sum("months"))
                .values("n")
            ),
            0,
        )
    ).values_list(
        "pk", "village_id", "funding_source", "period", "due_date", "lines_amount", "charged"
    )
    settled = bills_settled_on(Bill.objects.filter(pk__in=pool.values("pk")))
    penalties = []
    for pk, village, source, period, due, amount, charged in candidates:
        target = by_key.get((village, source))
        if target is None or period >= target[1]:
            continue
        as_of = min(settled.get(pk) or target[1], target[1])
        months = months_late(due, as_of) - charged
        if months > 0:
            penalties.append(
                BillPenalty(
                    bill_id=target[0],
                    late_bill_id=pk,
                    months=months,
                    percent=percent,
                    amount=round_rupiah(percent_of(amount, percent) * months),
                )
            )
    BillPenalty.objects.bulk_create(penalties, batch_size=_BATCH, ignore_conflicts=True)
    return len(penalties)
