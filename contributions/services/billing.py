"""Monthly bills: generated set-based, idempotent by constraint, kept in step with payments.

A month is billed for every enrollment that was covered on any day of it: effective on or
before its last day, not ended before its first day, and not lapsed before it began.
Generation groups those enrollments by village, funding source and segment into bills, adds
one line per enrollment (the constraint ``billline_one_per_enrollment_and_month`` makes a
second run add nothing, and a later activation add just its own line), puts late-payment
penalties for earlier PU bills on the new PU bills, then recomputes totals, statuses and
budget flags with a handful of UPDATEs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
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
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import percent_of, round_rupiah
from members.models import Enrollment, Segment, Status
from villages.models import Level, Region

from ..models import COUNTED_STATUSES, Bill, BillLine, BillPenalty, BillStatus, Budget, Payment
from ..periods import add_months, due_date, month_end, months_between, months_late, parse_period
from ..rates import RateTable, Terms, total

_BATCH = 2000


@dataclass
class GenerationResult:
    period: datetime.date
    bills_created: int = 0
    lines_added: int = 0
    penalties_added: int = 0
    bills_touched: int = 0


def billable_enrollments(period: datetime.date) -> QuerySet[Enrollment]:
    """Enrollments covered on at least one day of ``period``'s month."""
    first, last = period, month_end(period)
    return Enrollment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first),
        Q(lapsed_on__isnull=True) | Q(lapsed_on__gt=first),
        status__in=[Status.ACTIVE, Status.LAPSED, Status.ENDED],
        effective_from__lte=last,
    )


def _penalty_percent() -> Decimal:
    return Decimal(str(getattr(settings, "LATE_PENALTY_PERCENT", 2)))


def _penalised_sources() -> set[str]:
    return set(getattr(settings, "LATE_PENALTY_FUNDING_SOURCES", []))


@transaction.atomic
def bills_generate(
    *, period: datetime.date, villages: QuerySet[Region] | None = None
) -> GenerationResult:
    """Bill ``period`` for ``villages`` (all when None). Running it again creates nothing."""
    if period < billing_start():
        raise ApplicationError(
            _("Months before %(start)s were settled before this system: they are not billed.")
            % {"start": settings.BILLING_START},
            code="before_billing_start",
            attr="period",
        )
    result = GenerationResult(period)
    table = RateTable.for_month(period)
    enrollments = billable_enrollments(period).exclude(
        pk__in=BillLine.objects.filter(period=period).values("enrollment_id")
    )
    if villages is not None:
        enrollments = enrollments.filter(member__village__in=villages)
    rows = list(
        enrollments.values_list(
            "pk",
            "member_id",
            "member__village_id",
            "segment",
            "funding_source",
            "jkk",
            "jkm",
            "jht",
            "jp",
            "declared_income",
            "wage",
            "risk_class",
        )
    )
    # One bill per (village, funding source, segment): create the missing ones.
    keys = {(village, source, segment) for _, _, village, segment, source, *_ in rows}
    existing = _bills_for(period, keys)
    missing = [
        Bill(village_id=v, period=period, funding_source=f, segment=s, due_date=due_date(period, s))
        for (v, f, s) in keys - set(existing)
    ]
    Bill.objects.bulk_create(missing, batch_size=_BATCH, ignore_conflicts=True)
    result.bills_created = len(missing)
    bills = {**existing, **_bills_for(period, keys - set(existing))}

    lines = []
    for pk, member, village, segment, source, jkk, jkm, jht, jp, income, wage, risk in rows:
        programs = tuple(
            p for p, on in zip(("jkk", "jkm", "jht", "jp"), (jkk, jkm, jht, jp), strict=True) if on
        )
        detail = table.contribution(Terms(segment, programs, income, wage, risk))
        employer = sum(share["employer"] for share in detail.values())
        lines.append(
            BillLine(
                bill_id=bills[(village, source, segment)],
                enrollment_id=pk,
                member_id=member,
                period=period,
                detail=detail,
                employer_amount=employer,
                worker_amount=total(detail) - employer,
                amount=total(detail),
            )
        )
    BillLine.objects.bulk_create(lines, batch_size=_BATCH, ignore_conflicts=True)
    result.lines_added = len(lines)

    scope = Bill.objects.filter(period=period)
    if villages is not None:
        scope = scope.filter(village__in=villages)
    result.penalties_added = _charge_penalties(scope.filter(segment=Segment.PU))
    result.bills_touched = bills_refresh(scope)
    flag_over_budget(scope)
    return result


def _bills_for(period, keys) -> dict[tuple[int, str, str], int]:
    if not keys:
        return {}
    villages = {v for v, _, _ in keys}
    found = Bill.objects.filter(period=period, village_id__in=villages).values_list(
        "village_id", "funding_source", "segment", "pk"
    )
    return {(v, f, s): pk for v, f, s, pk in found if (v, f, s) in keys}


def _charge_penalties(new_bills: QuerySet[Bill]) -> int:
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
    settled = settled_on(Bill.objects.filter(pk__in=pool.values("pk")))
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


def settled_on(bills) -> dict[int, datetime.date]:
    """The day each fully paid bill was settled: when counted payments first covered it.

    ``bills`` is a queryset of bills (read as a subquery, so any number of them) or ids.
    """
    if not isinstance(bills, QuerySet):
        bills = Bill.objects.filter(pk__in=list(bills))
    paid = bills.filter(status=BillStatus.PAID)
    amounts = dict(paid.values_list("pk", "amount"))
    payments = (
        Payment.objects.filter(bill_id__in=paid.values("pk"), status__in=COUNTED_STATUSES)
        .order_by("bill_id", "paid_on", "pk")
        .values_list("bill_id", "paid_on", "amount")
    )
    running: dict[int, int] = defaultdict(int)
    settled: dict[int, datetime.date] = {}
    for bill, paid_on, amount in payments:
        running[bill] += amount
        if bill not in settled and running[bill] >= amounts[bill]:
            settled[bill] = paid_on
    return settled


def bills_refresh(bills: QuerySet[Bill], today: datetime.date | None = None) -> int:
    """Recompute totals, ``paid_amount`` and ``status`` of ``bills`` in two UPDATEs."""
    today = today or timezone.localdate()
    lines = BillLine.objects.filter(bill=OuterRef("pk")).values("bill").annotate(s=Sum("amount"))
    penalties = (
        BillPenalty.objects.filter(bill=OuterRef("pk")).values("bill").annotate(s=Sum("amount"))
    )
    paid = (
        Payment.objects.filter(bill=OuterRef("pk"), status__in=COUNTED_STATUSES)
        .values("bill")
        .annotate(s=Sum("amount"))
    )
    live = bills.exclude(status=BillStatus.VOID)
    lines_sum = Coalesce(Subquery(lines.values("s")), 0, output_field=IntegerField())
    penalty_sum = Coalesce(Subquery(penalties.values("s")), 0, output_field=IntegerField())
    paid_sum = Coalesce(Subquery(paid.values("s")), 0, output_field=IntegerField())
    now = timezone.now()
    # Only rows that change are written, so updated_at moves (and syncing apps download a
    # bill again) only when something about it did.
    touched = live.filter(
        ~Q(lines_amount=lines_sum) | ~Q(penalty_amount=penalty_sum) | ~Q(paid_amount=paid_sum)
    ).update(
        lines_amount=lines_sum,
        penalty_amount=penalty_sum,
        amount=lines_sum + penalty_sum,
        paid_amount=paid_sum,
        updated_at=now,
    )
    status = status_expression(today)
    touched += live.exclude(status=status).update(status=status, updated_at=now)
    return touched


def status_expression(today: datetime.date) -> Case:
    return Case(
        When(amount__gt=0, paid_amount__gte=F("amount"), then=Value(BillStatus.PAID)),
        When(due_date__lt=today, amount__gt=0, then=Value(BillStatus.OVERDUE)),
        When(paid_amount__gt=0, then=Value(BillStatus.PARTIALLY_PAID)),
        default=Value(BillStatus.OPEN),
    )


def flag_over_budget(bills: QuerySet[Bill]) -> None:
    """Flag each bill whose year's bills, up to and including it, pass the village's budget."""
    keys = set(bills.values_list("village_id", "period__year", "funding_source"))
    if not keys:
        return
    budgets = {
        (v, y, f): amount
        for v, y, f, amount in Budget.objects.filter(
            village_id__in={k[0] for k in keys}, year__in={k[1] for k in keys}
        ).values_list("village_id", "year", "funding_source", "amount")
    }
    year_bills = (
        Bill.objects.filter(
            village_id__in={k[0] for k in keys}, period__year__in={k[1] for k in keys}
        )
        .exclude(status=BillStatus.VOID)
        .order_by("village_id", "funding_source", "period", "segment")
        .values_list("pk", "village_id", "period", "funding_source", "amount", "over_budget")
    )
    running: dict[tuple, int] = defaultdict(int)
    flip_on, flip_off = [], []
    for pk, village, period, source, amount, flagged in year_bills:
        key = (village, period.year, source)
        running[key] += amount
        over = key in budgets and running[key] > budgets[key]
        if over and not flagged:
            flip_on.append(pk)
        elif flagged and not over:
            flip_off.append(pk)
    Bill.objects.filter(pk__in=flip_on).update(over_budget=True)
    Bill.objects.filter(pk__in=flip_off).update(over_budget=False)


def villages_in(*, village: Region | None = None, regency: Region | None = None):
    """The villages a generation covers."""
    qs = Region.objects.filter(level=Level.VILLAGE, is_active=True)
    if village is not None:
        return qs.filter(pk=village.pk)
    if regency is not None:
        return qs.filter(regency=regency)
    return qs


def periods_to_bill(enrollment: Enrollment, today: datetime.date | None = None):
    """The months from an enrollment's start (or BILLING_START) to this month."""
    today = today or timezone.localdate()
    start = max(enrollment.effective_from.replace(day=1), billing_start())
    return months_between(start, today)


def billing_start() -> datetime.date:
    """The first month this system bills (earlier months were settled before it)."""
    return parse_period(settings.BILLING_START)


def lines_after_end(enrollment: Enrollment) -> int:
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
        bills_refresh(Bill.objects.filter(pk__in=bills))
    return removed
