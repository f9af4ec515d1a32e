"""Monthly bills: generated set-based, idempotent by constraint, kept in step with payments.

A month is billed for every enrollment that was covered on any day of it: effective on or
before its last day, not ended before its first day, and not lapsed before it began.
Generation groups those enrollments by village, funding source and segment into bills, adds
one line per enrollment (the constraint ``billline_one_per_enrollment_and_month`` makes a
second run add nothing, and a later activation add just its own line), puts late-payment
penalties for earlier PU bills on the new PU bills (penalties.py), then recomputes totals,
statuses and budget flags with a handful of UPDATEs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateField,
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
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.accounts.models import Role
from jamsostek.core.errors import ApplicationError
from members.models import Enrollment, Program, Segment, Status, programs_of
from villages.models import Region

from ..models import (
    COUNTED_STATUSES,
    Bill,
    BillAdjustment,
    BillEvent,
    BillLine,
    BillPenalty,
    BillStatus,
    Budget,
    Payment,
)
from ..periods import add_months, billing_start, due_date, periods_to_bill
from ..rates import RateTable, Terms
from ..selectors import enrollments_billable, villages_in
from .penalties import bill_penalties_charge
from .prices import prices_for

_BATCH = 2000


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


# pg_advisory_xact_lock's first key: "bill" in ASCII, the second is the month (YYYYMM).
_PERIOD_LOCK = 0x62696C6C


def _period_lock(period: datetime.date) -> None:
    """Generations of one month take turns until their transactions end (PostgreSQL), so
    that each reports the bills and lines it created, not the ones a concurrent run made
    while it looked (both counted them before). SQLite writes one at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = period.year * 100 + period.month
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PERIOD_LOCK, key])


def _lines_add(
    period: datetime.date,
    enrollments: QuerySet[Enrollment],
    result,
    on_progress: Callable[[int, int], None] | None = None,
) -> set[int]:
    """Bill ``period`` for those of ``enrollments`` not billed for it yet: the bills they
    need (one per village, funding source and segment), then one line each. Returns the
    bills that got lines. ``on_progress(done, total)`` follows the lines as they are
    written, ``_BATCH`` at a time."""
    _period_lock(period)
    table = RateTable.for_month(period)
    rows = list(
        enrollments.exclude(
            pk__in=BillLine.objects.filter(period=period).values("enrollment_id")
        ).values(
            "pk",
            "member_id",
            "member__village_id",
            "segment",
            "funding_source",
            "declared_income",
            "wage",
            "risk_class",
            "member__occupation",
            *Program.values,
        )
    )
    # One bill per (village, funding source, segment): create the missing ones.
    keys = {(r["member__village_id"], r["funding_source"], r["segment"]) for r in rows}
    existing = _bills_for(period, keys)
    missing = [
        Bill(village_id=v, period=period, funding_source=f, segment=s, due_date=due_date(period, s))
        for (v, f, s) in keys - set(existing)
    ]
    Bill.objects.bulk_create(missing, batch_size=_BATCH, ignore_conflicts=True)
    result.bills_created += len(missing)
    bills = {**existing, **_bills_for(period, keys - set(existing))}

    terms = {
        row["pk"]: Terms(
            row["segment"],
            tuple(programs_of(row)),
            row["declared_income"],
            row["wage"],
            row["risk_class"],
            row["funding_source"],
            row["member__occupation"],
        )
        for row in rows
    }
    prices = prices_for(period, table, terms.values())
    if on_progress:
        on_progress(0, len(rows))
    lines = []
    for row in rows:
        price = prices[terms[row["pk"]]]
        lines.append(
            BillLine(
                bill_id=bills[(row["member__village_id"], row["funding_source"], row["segment"])],
                enrollment_id=row["pk"],
                member_id=row["member_id"],
                period=period,
                price=price,
                employer_amount=price.employer_amount,
                worker_amount=price.worker_amount,
                amount=price.amount,
            )
        )
    for start in range(0, len(lines), _BATCH):
        BillLine.objects.bulk_create(
            lines[start : start + _BATCH], batch_size=_BATCH, ignore_conflicts=True
        )
        if on_progress:
            on_progress(min(start + _BATCH, len(lines)), len(lines))
    result.lines_added += len(lines)
    return {line.bill_id for line in lines}


@transaction.atomic
def bills_generate(
    *,
    period: datetime.date,
    villages: QuerySet[Region] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Bill ``period`` for ``villages`` (all when None). Running it again creates nothing.

    ``on_progress(done, total)``, if given, follows the new lines as they are written."""
    _check_billed_month(period)
    result = GenerationResult(period)
    enrollments = enrollments_billable(period)
    if villages is not None:
        enrollments = enrollments.filter(member__village__in=villages)
    _lines_add(period, enrollments, result, on_progress)
    scope = Bill.objects.filter(period=period)
    if villages is not None:
        scope = scope.filter(village__in=villages)
    result.penalties_added = bill_penalties_charge(scope.filter(segment=Segment.PU))
    result.bills_touched = bills_refresh(scope)
    if BillAdjustment.objects.filter(bill__isnull=True).exists():
        bill_adjustments_attach_pending(village_ids=scope.values("village_id"))
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


def _bills_for(period, keys) -> dict[tuple[int, str, str], int]:
    if not keys:
        return {}
    villages = {v for v, _, _ in keys}
    found = Bill.objects.filter(period=period, village_id__in=villages).values_list(
        "village_id", "funding_source", "segment", "pk"
    )
    return {(v, f, s): pk for v, f, s, pk in found if (v, f, s) in keys}


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


def bill_credits_release(bill_ids) -> int:
    """Re-pricing credits larger than what their bills now hold (lines taken off, lines
    re-priced lower) leave those bills and wait, pending, for the next open one; returns
    how many left. Call before ``bills_refresh``: a bill's total is never below zero."""
    lines = dict(
        BillLine.objects.filter(bill_id__in=bill_ids)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values_list("bill_id", "s")
    )
    penalties = dict(
        BillPenalty.objects.filter(bill_id__in=bill_ids)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values_list("bill_id", "s")
    )
    released = 0
    credited = BillAdjustment.objects.filter(bill_id__in=bill_ids)
    totals: dict[int, int] = defaultdict(int)
    for bill_id, amount in credited.values_list("bill_id", "amount"):
        totals[bill_id] += amount
    for bill_id, adjustments in totals.items():
        held = lines.get(bill_id, 0) + penalties.get(bill_id, 0)
        for credit in credited.filter(bill_id=bill_id, amount__lt=0).order_by("-pk"):
            if held + adjustments >= 0:
                break
            BillAdjustment.objects.filter(pk=credit.pk).update(bill=None)
            adjustments -= credit.amount
            released += 1
    return released


@transaction.atomic
def bills_generate_for_enrollment(*, enrollment_id: int) -> int:
    """After an activation: the enrollment's own lines for each month it was covered, up to
    this one. A month's bill is created only if it has none; nothing else is touched (other
    members' months are the monthly generation's; lateness is charged on the next bill)."""
    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.effective_from is None:
        return 0
    added = 0
    for period in periods_to_bill(enrollment):
        result = GenerationResult(period)
        touched = _lines_add(period, enrollments_billable(period).filter(pk=enrollment.pk), result)
        if touched:
            bills = Bill.objects.filter(pk__in=touched)
            bills_refresh(bills)
            bills_flag_over_budget(bills)
        added += result.lines_added
    return added


# --- adjustments: what re-pricing found paid bills owe -------------------------------


def _open_bills_after(origin: Bill):
    """The bills that may take ``origin``'s adjustment: later, same village, source and
    segment, nobody has paid anything on them yet."""
    return (
        Bill.objects.filter(
            village_id=origin.village_id,
            funding_source=origin.funding_source,
            segment=origin.segment,
            period__gt=origin.period,
            paid_amount=0,
        )
        .exclude(status=BillStatus.VOID)
        .order_by("period")
    )


def bill_adjustment_place(
    origin: Bill, amount: int, *, reason: str, actor, keep_pending: bool = True
) -> tuple[list[BillAdjustment], int]:
    """Put ``amount`` on ``origin``'s next open bills: a debit whole on the first; a credit
    no larger than each bill's total, the rest on the next. What no bill takes stays
    pending (written unless ``keep_pending`` is off); returns the rows and that rest."""
    written = []
    remaining = amount
    for target in _open_bills_after(origin):
        if remaining == 0:
            break
        take = remaining if remaining > 0 else max(remaining, -target.amount)
        if take:
            written.append(_adjustment_attach(origin, target, take, reason=reason, actor=actor))
            remaining -= take
    if remaining and keep_pending:
        written.append(
            BillAdjustment.objects.create(origin=origin, amount=remaining, reason=reason)
        )
    return written, remaining


def _adjustment_attach(
    origin: Bill, target: Bill, amount: int, *, reason: str, actor
) -> BillAdjustment:
    before = target.adjustment_amount
    adjustment = BillAdjustment.objects.create(
        origin=origin, bill=target, amount=amount, reason=reason
    )
    bills_refresh(Bill.objects.filter(pk=target.pk))
    target.refresh_from_db()
    BillEvent.objects.create(
        bill=target,
        action=BillEvent.Action.ADJUSTED,
        actor=actor,
        changes={"adjustment_amount": [before, target.adjustment_amount]},
        reason=reason,
    )
    return adjustment


def bill_adjustments_attach_pending(*, village_ids) -> int:
    """Give pending adjustments of these villages the bills generation just made (of their
    source and segment, after their month, unpaid): what re-pricing could not place."""
    attached = 0
    pending = BillAdjustment.objects.filter(
        bill__isnull=True, origin__village_id__in=village_ids
    ).select_related("origin")
    for adjustment in pending.order_by("pk"):
        placed, remaining = bill_adjustment_place(
            adjustment.origin,
            adjustment.amount,
            reason=adjustment.reason,
            actor=None,
            keep_pending=False,
        )
        if not placed:
            continue
        # The pending row gives way to where it went, and to what is still pending.
        adjustment.delete()
        if remaining:
            BillAdjustment.objects.create(
                origin=adjustment.origin, amount=remaining, reason=adjustment.reason
            )
        attached += len(placed)
    return attached


def enrollments_activated_unbilled(*, since: datetime.datetime):
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


def bills_sweep_activations(*, since: datetime.datetime | None = None) -> int:
    """Bill the months of recent activations that were never billed (see above). Safe to
    run any time: an enrollment's month is billed once."""
    since = since or timezone.now() - datetime.timedelta(days=2)
    added = 0
    for enrollment_id in enrollments_activated_unbilled(since=since).values_list("pk", flat=True):
        added += bills_generate_for_enrollment(enrollment_id=enrollment_id)
    return added
