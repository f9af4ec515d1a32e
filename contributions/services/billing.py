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
    CharField,
    DateField,
    Exists,
    F,
    Func,
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
from django.db.models.functions import (
    Coalesce,
    Concat,
    ExtractYear,
    Greatest,
    TruncMonth,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.batch import batch_settings
from jamsostek.core.choices import Role
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
    Price,
)
from ..periods import add_months, billing_start, due_date, periods_to_bill
from ..rates import RateTable, Terms
from ..selectors import enrollments_billable, villages_in
from .partitions import bill_line_partitions_ensure
from .penalties import bill_penalties_charge
from .prices import prices_for

# The enrollments a generation bills, with their villages and terms, read once into a
# temporary table (one per connection) that the grouping, the bills and the lines read.
_TODO = "billing_todo"
# New bills past which their table's statistics are taken again before the lines are joined.
_ANALYZE_AFTER = 1_000


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


def _period_lock(period: datetime.date, regencies: list[int] | None = None) -> None:
    """Generations of one month that may bill the same villages take turns until their
    transactions end (PostgreSQL), so that each reports the bills and lines it created, not
    the ones a concurrent run made while it looked. A generation of the whole nation
    (``regencies`` None) holds the month alone; one of some regencies shares the month and
    holds those regencies alone, so the monthly job's regency tasks run side by side.
    SQLite writes one at a time anyway."""
    if connection.vendor != "postgresql":
        return
    month = period.year * 100 + period.month
    with connection.cursor() as cursor:
        if regencies is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PERIOD_LOCK, month])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_PERIOD_LOCK, month])
        for regency in sorted(set(regencies)):  # in order: two runs never wait on each other
            # One bigint key per month and regency (a key space apart from the pairs').
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [(month << 32) | regency])


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
    unbilled = _unbilled(period, enrollments_billable(period))
    return villages_in().filter(pk__in=unbilled.values("member__village_id"))


def _quoted(model, *fields: str) -> tuple[str, ...]:
    """The table, then each field's column, quoted for raw SQL."""
    qn = connection.ops.quote_name
    meta = model._meta
    return (qn(meta.db_table), *(qn(meta.get_field(f).column) for f in fields))


def _unbilled(period: datetime.date, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    billed = BillLine.objects.filter(enrollment=OuterRef("pk"), period=period)
    return enrollments.exclude(Exists(billed))


def _terms_sql(todo: QuerySet[Enrollment]) -> tuple[str, tuple]:
    """``todo``'s enrollments with their village and terms as SQL (and its parameters):
    ``eid``, ``vid``, and the terms as a Price row holds them to join on (``seg``, ``src``,
    ``inc``, ``wag``, ``rsk``, ``occ``, ``progs``: absent numbers 0, absent choices blank,
    the programs spelled "jkk,jkm") and as they are for the rate table (``r_…``)."""
    flags = [
        Case(When(**{program: True}, then=Value(f"{program},")), default=Value(""))
        for program in Program.values
    ]
    queryset = todo.order_by().values(
        eid=F("pk"),
        vid=F("member__village_id"),
        seg=F("segment"),
        src=Coalesce("funding_source", Value("")),
        inc=Coalesce("declared_income", 0),
        wag=Coalesce("wage", 0),
        rsk=Coalesce("risk_class", Value("")),
        occ=Coalesce("member__occupation", Value("")),
        progs=Func(Concat(*flags), Value(","), function="RTRIM", output_field=CharField()),
        # The terms as they are, for the rate table (absent stays None).
        r_src=F("funding_source"),
        r_inc=F("declared_income"),
        r_wag=F("wage"),
        r_rsk=F("risk_class"),
        r_occ=F("member__occupation"),
        **{f"r_{program}": F(program) for program in Program.values},
    )
    return queryset.query.sql_with_params()


def _lines_add(
    period: datetime.date,
    enrollments: QuerySet[Enrollment],
    result,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    regencies: list[int] | None = None,
) -> None:
    """``regencies``: those ``enrollments`` lie in, when not the whole nation (a regency's
    task, an activation); see ``_period_lock``."""
    _period_lock(period, regencies)
    with batch_settings():
        _lines_write(period, enrollments, result, on_progress)


def _lines_write(
    period: datetime.date,
    enrollments: QuerySet[Enrollment],
    result,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Bill ``period`` for those of ``enrollments`` not billed for it yet, in the database.

    1. Those enrollments, with their villages and terms, are read once into a temporary
       table; their distinct terms (a few dozen for a province, a few hundred for the
       nation) are priced once by the rate table (prices.py: one Price row per terms and
       revision).
    2. The bills they need, one per village, funding source and segment, are written by
       one ``INSERT … SELECT`` (a bill already there is kept).
    3. The lines, one per enrollment, by one ``INSERT … SELECT`` joining each enrollment
       to its bill and its price. A call is a chunk: the monthly job calls this once per
       regency (``contributions.bills_generate_regency``), on as many workers as there are.

    No Python object per line: memory does not grow with the enrollments. Every
    enrollment counted in step 1 must get its line in step 3, or nothing is written.
    ``on_progress(done, total)`` is told the lines to write, then that they are written."""
    todo = _unbilled(period, enrollments)
    terms_sql, terms_params = _terms_sql(todo)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TODO}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_TODO} AS {terms_sql}", terms_params)
        try:
            _lines_from_todo(period, result, on_progress, cursor)
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {_TODO}")


def _lines_from_todo(period, result, on_progress, cursor) -> None:
    flags = [f"r_{program}" for program in Program.values]
    keys = ["seg", "r_src", "r_inc", "r_wag", "r_rsk", "r_occ", *flags]
    cursor.execute(f"SELECT {', '.join(keys)}, COUNT(*) FROM {_TODO} GROUP BY {', '.join(keys)}")
    groups = cursor.fetchall()
    if not groups:
        return
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_TODO}")  # temporary tables are not analysed otherwise
    total = sum(g[-1] for g in groups)
    terms = [
        Terms(
            segment,
            tuple(programs_of(dict(zip(Program.values, marks, strict=True)))),
            income,
            wage,
            risk,
            source,
            occupation,
        )
        for segment, source, income, wage, risk, occupation, *marks, _n in groups
    ]
    prices = prices_for(period, RateTable.for_month(period), terms)
    price_ids = sorted({price.pk for price in prices.values()})
    created = _bills_insert(period, cursor)
    result.bills_created += created
    if created > _ANALYZE_AFTER and connection.vendor == "postgresql":
        # The planner's idea of the month's bills is a few dozen until autovacuum looks:
        # it would then start the lines' joins from the bills and walk every village's
        # members. Statistics taken here (inside the transaction, which sees its own
        # rows) let it hash the bills instead.
        cursor.execute(f"ANALYZE {_quoted(Bill)[0]}")

    day = connection.ops.adapt_datefield_value(period)
    line_t, *line_columns = _quoted(
        BillLine,
        "bill",
        "enrollment",
        "period",
        "price",
        "employer_amount",
        "worker_amount",
        "amount",
    )
    bill_t, b_pk, b_village, b_period, b_source, b_segment = _quoted(
        Bill, "id", "village", "period", "funding_source", "segment"
    )
    price_t, p_pk, p_seg, p_src, p_progs, p_inc, p_wag, p_rsk, p_occ, p_emp, p_wrk, p_amt = _quoted(
        Price,
        "id",
        "segment",
        "funding_source",
        "programs",
        "declared_income",
        "wage",
        "risk_class",
        "occupation",
        "employer_amount",
        "worker_amount",
        "amount",
    )
    insert = (
        f"INSERT INTO {line_t} ({', '.join(line_columns)}) "
        f"SELECT b.{b_pk}, t.eid, %s, p.{p_pk}, p.{p_emp}, p.{p_wrk}, p.{p_amt} FROM "
        f"{_TODO} t "
        f"INNER JOIN {bill_t} b ON b.{b_village} = t.vid AND b.{b_period} = %s "
        f"AND b.{b_source} = t.src AND b.{b_segment} = t.seg "
        f"INNER JOIN {price_t} p ON p.{p_seg} = t.seg AND p.{p_src} = t.src "
        f"AND p.{p_progs} = t.progs AND p.{p_inc} = t.inc AND p.{p_wag} = t.wag "
        f"AND p.{p_rsk} = t.rsk AND p.{p_occ} = t.occ "
        f"WHERE p.{p_pk} IN ({', '.join(['%s'] * len(price_ids))})"
    )
    if on_progress:
        on_progress(0, total)
    if connection.vendor == "postgresql":
        # The joins in the order written (enrollments, their bills, then their prices): a
        # join on seven columns of terms looks to the planner as if it kept almost
        # nothing, and joined early it multiplied the rows walked (9 M member visits for
        # 1.5 M lines).
        cursor.execute("SET LOCAL join_collapse_limit = 1")
    cursor.execute(insert, [day, day, *price_ids])
    done = cursor.rowcount
    if connection.vendor == "postgresql":
        cursor.execute("RESET join_collapse_limit")
    if on_progress:
        on_progress(done, total)
    if done != total:
        # An enrollment without its bill or price: a bug, never a silently short bill.
        raise RuntimeError(f"{period:%Y-%m}: {done} lines written for {total} enrollments")
    result.lines_added += done


def _bills_insert(period: datetime.date, cursor) -> int:
    """The bills the enrollments to bill (the temporary table) need for ``period`` and
    have not got, in one ``INSERT … SELECT``; returns how many were created."""
    ops = connection.ops
    bill_t, *columns = _quoted(
        Bill,
        "village",
        "period",
        "funding_source",
        "segment",
        "due_date",
        "lines_amount",
        "penalty_amount",
        "adjustment_amount",
        "amount",
        "paid_amount",
        "status",
        "over_budget",
        "created_at",
        "updated_at",
    )
    conflict = ", ".join(columns[:4])
    segments = list(Segment.values)
    due = " ".join("WHEN t.seg = %s THEN %s" for _ in segments)
    due_params = [
        value
        for segment in segments
        for value in (segment, ops.adapt_datefield_value(due_date(period, segment)))
    ]
    now = ops.adapt_datetimefield_value(timezone.now())
    sql = (
        f"INSERT INTO {bill_t} ({', '.join(columns)}) "
        f"SELECT DISTINCT t.vid, %s, t.src, t.seg, CASE {due} END, "
        f"0, 0, 0, 0, 0, %s, %s, %s, %s "
        f"FROM {_TODO} t WHERE TRUE "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    params = [
        ops.adapt_datefield_value(period),
        *due_params,
        BillStatus.OPEN,
        False,
        now,
        now,
    ]
    cursor.execute(sql, params)
    return cursor.rowcount


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
    _lines_add(period, enrollments, result, on_progress, regencies=regencies)
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
    regency = Region.objects.filter(members__enrollments=enrollment).values_list(
        "regency_id", flat=True
    )[0]
    added = 0
    periods = list(periods_to_bill(enrollment))
    bill_line_partitions_ensure(periods)
    for period in periods:
        result = GenerationResult(period)
        _lines_add(
            period,
            enrollments_billable(period).filter(pk=enrollment.pk),
            result,
            regencies=[regency],
        )
        if result.lines_added:
            bills = Bill.objects.filter(lines__enrollment=enrollment, period=period)
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
