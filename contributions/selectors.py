"""Reads of the money side, scoped, with their aggregates computed in the database."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from jamsostek.core.choices import Level
from jamsostek.core.scoping import scope_queryset
from members.models import Enrollment, Status
from villages.models import Region

from .models import (
    COUNTED_STATUSES,
    BenefitClaim,
    BenefitDefault,
    Bill,
    BillAdjustment,
    BillEvent,
    BillLine,
    BillPenalty,
    BillStatus,
    Budget,
    Channel,
    Notification,
    Payment,
    Rate,
    Relief,
    RuleChange,
)
from .periods import billing_start, month_end
from .rates import in_force


def bills_for(user) -> QuerySet[Bill]:
    return scope_queryset(Bill.objects.select_related("village"), user)


def bill_detail_for(user) -> QuerySet[Bill]:
    return bills_for(user).prefetch_related(
        Prefetch(
            "lines",
            queryset=BillLine.objects.select_related(
                "enrollment__member", "price__relief"
            ).order_by("pk"),
        ),
        Prefetch("penalties", queryset=BillPenalty.objects.select_related("late_bill")),
        Prefetch("adjustments", queryset=BillAdjustment.objects.select_related("origin")),
        Prefetch("adjustments_caused", queryset=BillAdjustment.objects.select_related("origin")),
        Prefetch("events", queryset=BillEvent.objects.select_related("actor")),
    )


def payments_for(user) -> QuerySet[Payment]:
    return scope_queryset(
        Payment.objects.select_related(
            "village", "bill", "recorded_by", "verified_by", "reversal_of", "reversal"
        ),
        user,
    )


def payment_history(payment: Payment):
    return payment.events.select_related("actor", "related").order_by("at", "pk")


def _sum(queryset, field="amount"):
    return Coalesce(Subquery(queryset.values(field)[:1]), 0, output_field=IntegerField())


def arrears_by_village(user, *, today: datetime.date | None = None) -> QuerySet[Region]:
    """Villages in ``user``'s scope with overdue bills, one row each, computed in SQL."""
    overdue = Bill.objects.filter(village=OuterRef("pk"), status=BillStatus.OVERDUE)
    grouped = overdue.values("village")
    # Each overdue bill's lines in its own month's partition (pruned per bill as it runs);
    # without the period every bill probed every month's partition, so the read grew with
    # the history: 20 → 42 ms for a regency over 12 months.
    lines = BillLine.objects.filter(
        bill__village=OuterRef("pk"), bill__status=BillStatus.OVERDUE, period=F("bill__period")
    )
    lapsed = Enrollment.objects.filter(member__village=OuterRef("pk"), status=Status.LAPSED)
    villages = scope_queryset(Region.objects.filter(level=Level.VILLAGE), user)
    return (
        villages.filter(pk__in=Bill.objects.filter(status=BillStatus.OVERDUE).values("village_id"))
        .select_related("district", "regency")
        .annotate(
            outstanding=_sum(grouped.annotate(s=Sum(F("amount") - F("paid_amount"))), "s"),
            months=_sum(grouped.annotate(s=Count("period", distinct=True)), "s"),
            oldest_period=Subquery(grouped.annotate(s=Min("period")).values("s")[:1]),
            members_in_arrears=_sum(
                lines.values("bill__village").annotate(
                    s=Count("enrollment__member", distinct=True)
                ),
                "s",
            ),
            members_lapsed=_sum(lapsed.values("member__village").annotate(s=Count("pk")), "s"),
        )
        .order_by("-outstanding", "code")
    )


def enrollment_arrears(villages: dict[int, int]) -> list[tuple[int, datetime.date, int]]:
    """``(enrollment, period, rupiah)`` for each month the enrollments of ``villages``
    (``{enrollment: its member's village}``) have lines on overdue bills, in two queries
    (members asks it for a page of members).

    First the overdue bills of those villages (a member never changes village), then the
    lines on them of the enrollments of the villages that have one, in those bills' months
    only: given the months as values, PostgreSQL reads only those months' partitions. A
    page costs what its villages owe, not how long the history is.
    - As one query (each bill's lines in its own month's partition, pruned as it ran), the
      planner priced every bill as probing every month and chose to scan all the bills in
      parallel: 60 ms for a province page after 18 months, where the bills' index gives
      them in 0.1 ms.
    - Probing all the page's 500 enrollments in every month instead took 18 ms at 17
      months, and grew by a month's partition each month.
    The lines are asked for even when no bill is overdue (no bill has id 0): a page costs
    the same queries with arrears or without."""
    bill_ids, periods, owing = set(), set(), set()
    for bill_id, period, village_id in Bill.objects.filter(
        status=BillStatus.OVERDUE, village_id__any=set(villages.values())
    ).values_list("id", "period", "village_id"):
        bill_ids.add(bill_id)
        periods.add(period)
        owing.add(village_id)
    enrollments = [pk for pk, village_id in villages.items() if village_id in owing]
    months = {"period__in": periods} if periods else {}
    return list(
        BillLine.objects.filter(
            bill_id__any=bill_ids or {0}, enrollment_id__any=enrollments or {0}, **months
        )
        .values_list("enrollment_id", "period")
        .annotate(amount=Sum("amount"))
        .order_by()
    )


def members_in_arrears():
    """A filter keeping the members on an overdue bill."""
    return Q(
        pk__in=BillLine.objects.filter(bill__status=BillStatus.OVERDUE).values(
            "enrollment__member_id"
        )
    )


def budgets_for(user, *, today: datetime.date | None = None) -> QuerySet[Budget]:
    """Budgets with what their village was billed and paid that year from that source."""
    today = today or timezone.localdate()
    bills = (
        Bill.objects.filter(
            village=OuterRef("village"),
            period__year=OuterRef("year"),
            funding_source=OuterRef("funding_source"),
        )
        .exclude(status=BillStatus.VOID)
        .values("village")
    )
    payments = Payment.objects.filter(
        bill__village=OuterRef("village"),
        bill__period__year=OuterRef("year"),
        bill__funding_source=OuterRef("funding_source"),
        status__in=COUNTED_STATUSES,
    ).values("bill__village")
    return (
        scope_queryset(Budget.objects.select_related("village"), user)
        .annotate(
            billed=_sum(bills.annotate(s=Sum("amount")), "s"),
            paid=_sum(payments.annotate(s=Sum("amount")), "s"),
            last_billed_period=Subquery(bills.annotate(s=Max("period")).values("s")[:1]),
            billed_months=_sum(bills.annotate(s=Count("period", distinct=True)), "s"),
            # The first month whose bills took the year past the budget (flagged on billing).
            passed_in=Subquery(
                bills.filter(over_budget=True).annotate(s=Min("period")).values("s")[:1]
            ),
        )
        .annotate(remaining=F("amount") - F("billed"))
    )


def claims_for(user) -> QuerySet[BenefitClaim]:
    return scope_queryset(
        BenefitClaim.objects.select_related("member", "member__village", "recorded_by"), user
    )


def bills_settled_on(bills) -> dict[int, datetime.date]:
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


def enrollments_billable(period: datetime.date) -> QuerySet[Enrollment]:
    """Enrollments covered on at least one day of ``period``'s month."""
    first, last = period, month_end(period)
    return Enrollment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first),
        Q(lapsed_on__isnull=True) | Q(lapsed_on__gt=first),
        status__in=[Status.ACTIVE, Status.LAPSED, Status.ENDED],
        effective_from__lte=last,
    )


def villages_in(*, village: Region | None = None, regency: Region | None = None):
    """The villages a generation covers."""
    qs = Region.objects.filter(level=Level.VILLAGE, is_active=True)
    if village is not None:
        return qs.filter(pk=village.pk)
    if regency is not None:
        return qs.filter(regency=regency)
    return qs


def enrollments_unbilled(
    period: datetime.date, enrollments: QuerySet[Enrollment]
) -> QuerySet[Enrollment]:
    """Those of ``enrollments`` with no line for ``period`` (the month's partition answers)."""
    billed = BillLine.objects.filter(enrollment=OuterRef("pk"), period=period)
    return enrollments.exclude(Exists(billed))


def regencies_to_bill(*, period: datetime.date) -> list[int]:
    """The regencies with enrollments covered in ``period``: the units the monthly
    generation fans out to."""
    covered = enrollments_billable(period).values("member__village_id")
    return list(
        villages_in()
        .filter(pk__in=covered)
        .order_by("regency_id")
        .values_list("regency_id", flat=True)
        .distinct()
    )


def villages_unbilled(*, period: datetime.date) -> QuerySet[Region]:
    """Villages with an enrollment covered in ``period`` and not billed for it."""
    unbilled = enrollments_unbilled(period, enrollments_billable(period))
    return villages_in().filter(pk__in=unbilled.values("member__village_id"))


def enrollments_activated_unbilled(*, since: datetime.datetime) -> QuerySet[Enrollment]:
    """Active enrollments changed since ``since`` whose first month to bill has no line: an
    activation whose billing was never queued (the broker was down) or never ran."""
    first_month = Greatest(
        TruncMonth("effective_from", output_field=DateField()),
        Value(billing_start(), output_field=DateField()),
    )
    first_line = BillLine.objects.filter(enrollment=OuterRef("pk"), period=OuterRef("first_month"))
    return (
        Enrollment.objects.filter(
            status=Status.ACTIVE, effective_from__isnull=False, updated_at__gte=since
        )
        .annotate(first_month=first_month)
        .exclude(Exists(first_line))
    )


def notifications_for(user) -> QuerySet[Notification]:
    """``user``'s own in-app reminders: nobody sees another user's."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP)


def rates_in_force(day: datetime.date | None = None) -> QuerySet[Rate]:
    """The rate rows in force on ``day`` (default today)."""
    return Rate.objects.filter(in_force(day or timezone.localdate()))


def rates_all() -> QuerySet[Rate]:
    return Rate.objects.all()


def rates_with_history() -> QuerySet[Rate]:
    return Rate.objects.prefetch_related(
        Prefetch("changes", queryset=RuleChange.objects.select_related("actor"))
    )


def reliefs_in_force(day: datetime.date) -> QuerySet[Relief]:
    """The reliefs in force on ``day``."""
    return Relief.objects.filter(in_force(day))


def reliefs_with_history() -> QuerySet[Relief]:
    return Relief.objects.prefetch_related(
        Prefetch("changes", queryset=RuleChange.objects.select_related("actor"))
    )


def benefit_default_amount(benefit: str, on: datetime.date) -> int | None:
    """The amount a benefit pays by default on ``on`` (JKM: Rp 42,000,000), if it has one."""
    row = (
        BenefitDefault.objects.filter(benefit=benefit, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    return row.amount if row else None
