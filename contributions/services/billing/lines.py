"""A month's bills and lines, written by the database: the heart of generation.

``bill_lines_add`` bills a month for the enrollments it is given that have no line for it:
they are read once into a temporary table with their villages and terms, each distinct set
of terms is priced once (prices.py), then one ``INSERT … SELECT`` writes the bills they
need and one the lines. Generations of one month that may bill the same villages take turns
on an advisory lock (``_period_lock``). What follows a month's lines (penalties, totals,
credits, budget flags) is generation.py's; an activation's months are enrollments.py's.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, CharField, F, Func, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from jamsostek.core.batch import batch_settings, local_settings
from members.models import Enrollment, Program, Segment, programs_of

from ...models import Bill, BillLine, BillStatus, Price
from ...periods import due_date
from ...rates import RateTable, Terms
from ...selectors import enrollments_unbilled
from ..prices import prices_for

# The enrollments a generation bills, with their villages and terms, read once into a
# temporary table that the grouping, the bills and the lines read. It lives in the
# transaction (``ON COMMIT DROP``): a rollback takes it away with the rest, so no cleanup
# runs after a failed statement.
_TODO = "billing_todo"
# New bills past which their table's statistics are taken again before the lines are joined.
_ANALYZE_AFTER = 1_000


@dataclass
class LinesWritten:
    """What a call of ``bill_lines_add`` wrote."""

    bills_created: int = 0
    lines_added: int = 0


# pg_advisory_xact_lock's first key of a month's pair: "bill" in ASCII.
_PERIOD_LOCK = 0x62696C6C


def period_lock_key(period: datetime.date) -> tuple[int, int]:
    """The month's advisory lock: "bill" and the month as YYYYMM."""
    return _PERIOD_LOCK, period.year * 100 + period.month


def regency_lock_key(period: datetime.date, regency_id: int) -> int:
    """A regency's advisory lock for the month: one bigint, a key space apart from the
    months' pairs."""
    return ((period.year * 100 + period.month) << 32) | regency_id


def _period_lock(period: datetime.date, regencies: list[int] | None = None) -> None:
    """Generations of one month that may bill the same villages take turns until their
    transactions end, so that each reports the bills and lines it created, not the ones a
    concurrent run made while it looked. A generation of the whole nation (``regencies``
    None) holds the month alone; one of some regencies shares the month and holds those
    regencies alone, so the monthly job's regency tasks run side by side."""
    month = list(period_lock_key(period))
    with connection.cursor() as cursor:
        if regencies is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", month)
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", month)
        for regency in sorted(set(regencies)):  # in order: two runs never wait on each other
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [regency_lock_key(period, regency)])


def _quoted(model, *fields: str) -> tuple[str, ...]:
    """The table, then each field's column, quoted for raw SQL."""
    qn = connection.ops.quote_name
    meta = model._meta
    return (qn(meta.db_table), *(qn(meta.get_field(f).column) for f in fields))


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


@transaction.atomic(savepoint=False)  # the temporary table and settings live in it
def bill_lines_add(
    *,
    period: datetime.date,
    enrollments: QuerySet[Enrollment],
    on_progress: Callable[[int, int], None] | None = None,
    regencies: list[int] | None = None,
) -> LinesWritten:
    """Bill ``period`` for those of ``enrollments`` without a line for it (see
    ``_lines_write``), inside the caller's transaction (or one of its own).
    ``regencies``: those ``enrollments`` lie in, when not the whole nation (a regency's
    task, an activation); see ``_period_lock``."""
    written = LinesWritten()
    _period_lock(period, regencies)
    with batch_settings():
        _lines_write(period, enrollments, written, on_progress)
    return written


def _lines_write(
    period: datetime.date,
    enrollments: QuerySet[Enrollment],
    written: LinesWritten,
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
    todo = enrollments_unbilled(period, enrollments)
    terms_sql, terms_params = _terms_sql(todo)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_TODO} ON COMMIT DROP AS {terms_sql}", terms_params
        )
        _lines_from_todo(period, written, on_progress, cursor)
        # Done with: another month of the same transaction (an activation's) makes its own.
        cursor.execute(f"DROP TABLE {_TODO}")


def _lines_from_todo(
    period: datetime.date,
    written: LinesWritten,
    on_progress: Callable[[int, int], None] | None,
    cursor,
) -> None:
    flags = [f"r_{program}" for program in Program.values]
    keys = ["seg", "r_src", "r_inc", "r_wag", "r_rsk", "r_occ", *flags]
    cursor.execute(f"SELECT {', '.join(keys)}, COUNT(*) FROM {_TODO} GROUP BY {', '.join(keys)}")
    groups = cursor.fetchall()
    if not groups:
        return
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
    written.bills_created += created
    if created > _ANALYZE_AFTER:
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
    # The joins in the order written (enrollments, their bills, then their prices): a
    # join on seven columns of terms looks to the planner as if it kept almost nothing,
    # and joined early it multiplied the rows walked (9 M member visits for 1.5 M lines).
    # The transaction's later statements are planned freely again.
    with local_settings(join_collapse_limit="1"):
        cursor.execute(insert, [day, day, *price_ids])
        done = cursor.rowcount
    if on_progress:
        on_progress(done, total)
    if done != total:
        # An enrollment without its bill or price: a bug, never a silently short bill.
        raise RuntimeError(f"{period:%Y-%m}: {done} lines written for {total} enrollments")
    written.lines_added += done


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
