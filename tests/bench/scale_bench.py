"""Billing, progress and list pages beside the database doing the same work alone, in one
run: each figure is printed with its ratio to a raw statement on the same schema and data
(never asserted).

    .venv/bin/python tests/bench/scale_bench.py        # a regency: 300 villages × 180
    BENCH_PROVINCE=1 ...                               # Jawa Tengah: 8,563 villages × 180
    BENCH_MONTHS=12 ...                                # a year of history: month 12 vs 1
    BENCH_WORKERS=1,2 ...                              # the monthly fan-out on 1, then 2
                                                       # Celery worker processes

It works on a fresh embedded PostgreSQL of its own, or on the database DATABASE_URL names, which
must then be disposable: it is emptied at the end (``make bench`` runs run.py on it next)
unless BENCH_KEEP=1, and then the synthetic members (``make_synthetic``: 10 % PU officials
on all four programs, 30 % vulnerable workers on APBD, 60 % BPU on ADD) are reused by the
next run, which bills the months after the last one billed. BENCH_WORKERS needs
CELERY_BROKER_URL=redis://….

The months, in order:

1. **raw**: the database alone writes month 1 into the project's tables: one
   ``INSERT … SELECT`` of the bills, one of the lines (each enrollment joined to its
   bill and its price row), one ``UPDATE`` of the totals, committed;
2. **ours**: ``bills_generate`` for month 2 in a process of its own (``--generate``), so
   its peak RSS is its own; then the same month again (nothing to add);
3. months 3 … BENCH_MONTHS + 1, ours, each timed (a year of history); after each month
   its bills are marked paid, except in one village in 20, which stays three months behind
   (it pays the month three months back), so the arrears keep their size while the
   history grows.

Then the progress refresh beside one raw ``GROUP BY village, category``, the member and
bill list pages of 500 beside a bare ``values()`` + ``JsonResponse`` view (for members,
two: one of the members' own rows, and one making the same reads as the API's page: the
count, the members, their roles, enrollments and overdue months), and the village's bill
list and /arrears/ after the first and after the last month.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.billing_bench import make_synthetic, pick_villages  # noqa: E402
from tests.bench.import_bench import _ensure_regions, _setup  # noqa: E402

PER_VILLAGE = 180
REGENCY_VILLAGES = 300
FIRST_MONTH = datetime.date(2027, 1, 1)
BEHIND_EVERY = 20  # one village in 20 is always behind…
BEHIND_MONTHS = 3  # …by this many months


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() not in ("0", "false", "no", "off", "")


def _rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM where there is one: ``ru_maxrss`` of a child
    started by ``subprocess`` also counts the parent's peak before the child's ``exec``
    (the bench's parent, after writing the synthetic members, showed 168 MB in every month
    it started)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ratio(ours: float, raw: float) -> str:
    return f"{ours / raw:5.2f}×" if raw else "  n/a"


# --- the data --------------------------------------------------------------------------------


def ensure_members(villages: int) -> list[int]:
    """``villages`` × PER_VILLAGE synthetic members (made once, reused); their village ids."""
    from django.db import connection

    from members.models import Member

    picked = [pk for pk, _ in pick_villages(villages)]
    have = Member.objects.filter(village_id__in=picked).count()
    if have < villages * PER_VILLAGE:
        if have:
            raise SystemExit(f"{have:,} members in the bench villages: use an empty database")
        made = make_synthetic(villages, PER_VILLAGE)
        print(
            f"make_synthetic, {villages:,} villages × {PER_VILLAGE}: {made.seconds:6.1f} s "
            f"({made.enrollments:,} active enrollments)"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        print(f"members: {have:,} synthetic members in {villages:,} villages (reused)")
    return picked


def next_month() -> datetime.date:
    from django.db.models import Max

    from contributions.models import Bill
    from contributions.periods import add_months

    last = Bill.objects.aggregate(last=Max("period"))["last"]
    return add_months(last, 1) if last and last >= FIRST_MONTH else FIRST_MONTH


def settle(period: datetime.date, village_ids: list[int]) -> None:
    """The month's bills paid, except in the villages that stay behind, which pay the
    month BEHIND_MONTHS back instead (set-based, as the verified payments would leave them),
    and the tables vacuumed and analysed; untimed."""
    from django.db import connection
    from django.db.models import F

    from contributions.models import Bill, BillLine, BillStatus
    from contributions.periods import add_months

    behind = village_ids[::BEHIND_EVERY]
    paid = {"paid_amount": F("amount"), "status": BillStatus.PAID}
    Bill.objects.filter(period=period).exclude(village_id__in=behind).update(**paid)
    Bill.objects.filter(period=period, village_id__in=behind).update(status=BillStatus.OVERDUE)
    Bill.objects.filter(
        period__lte=add_months(period, -BEHIND_MONTHS),
        village_id__in=behind,
        status=BillStatus.OVERDUE,
    ).update(**paid)
    # What autovacuum does after a month's writes (the server here runs without it):
    # without statistics the planner takes 20 M lines for a few and plans otherwise,
    # and the month's pages stay out of the BRIN index on period until a vacuum
    # summarises them (then every month's "already billed?" read walks them all).
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Bill._meta.db_table}, {BillLine._meta.db_table}")


# --- the raw statements ----------------------------------------------------------------------


# An enrollment's money-relevant columns, as _terms_of reads them (with the four programs).
_TERM_VALUES = (
    "segment",
    "funding_source",
    "declared_income",
    "wage",
    "risk_class",
    "member__occupation",
    "jkk",
    "jkm",
    "jht",
    "jp",
)


def _terms_of(row: dict):
    """An enrollment's terms from its ``values()`` row (as Terms.of reads an instance)."""
    from contributions.rates import Terms
    from members.models import programs_of

    return Terms(
        row["segment"],
        tuple(programs_of(row)),
        row["declared_income"],
        row["wage"],
        row["risk_class"],
        row["funding_source"],
        row["member__occupation"],
    )


def raw_month(period: datetime.date) -> tuple[float, int]:
    """The database alone bills ``period`` for every active enrollment: the prices it joins
    to are written first (untimed), then bills, lines and totals in one transaction."""
    from django.db import connection, transaction

    from contributions.models import Bill, BillLine, BillStatus, Price
    from contributions.periods import due_date
    from contributions.rates import RateTable
    from contributions.services.partitions import bill_line_partitions_ensure
    from contributions.services.prices import prices_for
    from members.models import Enrollment, Member, Program

    groups = Enrollment.objects.filter(status="active").values(*_TERM_VALUES).distinct().order_by()
    terms = [_terms_of(g) for g in groups]
    price_ids = [p.pk for p in prices_for(period, RateTable.for_month(period), terms).values()]
    bill_line_partitions_ensure([period])  # the month's partition, as generation has it
    ops = connection.ops
    day = ops.adapt_datefield_value(period)
    now = ops.adapt_datetimefield_value(datetime.datetime.now(datetime.UTC))
    bill, line, price = (m._meta.db_table for m in (Bill, BillLine, Price))
    enrollment, member = Enrollment._meta.db_table, Member._meta.db_table
    programs = " || ".join(f"CASE WHEN e.{p} THEN '{p},' ELSE '' END" for p in Program.values)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # The plan generation runs with (jamsostek.core.batch): without it the
        # planner joins bills to prices first and walks six times the members.
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"INSERT INTO {bill} (village_id, period, funding_source, segment, due_date, "
            "lines_amount, penalty_amount, adjustment_amount, amount, paid_amount, status, "
            "over_budget, created_at, updated_at) "
            "SELECT DISTINCT m.village_id, %s, e.funding_source, e.segment, "
            "CASE WHEN e.segment = 'pu' THEN %s ELSE %s END, 0, 0, 0, 0, 0, %s, %s, %s, %s "
            f"FROM {enrollment} e JOIN {member} m ON m.id = e.member_id "
            "WHERE e.status = 'active'",
            [
                day,
                ops.adapt_datefield_value(due_date(period, "pu")),
                ops.adapt_datefield_value(due_date(period, "bpu")),
                BillStatus.OPEN,
                False,
                now,
                now,
            ],
        )
        cursor.execute(
            f"INSERT INTO {line} (bill_id, enrollment_id, period, price_id, employer_amount, "
            "worker_amount, amount) "
            "SELECT b.id, e.id, %s, p.id, p.employer_amount, p.worker_amount, p.amount "
            f"FROM {enrollment} e JOIN {member} m ON m.id = e.member_id "
            f"JOIN {bill} b ON b.village_id = m.village_id AND b.period = %s "
            "AND b.funding_source = e.funding_source AND b.segment = e.segment "
            f"JOIN {price} p ON p.segment = e.segment AND p.funding_source = e.funding_source "
            f"AND p.programs = RTRIM({programs}, ',') "
            "AND p.declared_income = COALESCE(e.declared_income, 0) "
            "AND p.wage = COALESCE(e.wage, 0) AND p.risk_class = COALESCE(e.risk_class, '') "
            "AND p.occupation = COALESCE(m.occupation, '') "
            f"WHERE e.status = 'active' AND p.id IN ({', '.join(['%s'] * len(price_ids))})",
            [day, day, *price_ids],
        )
        lines = cursor.rowcount
        cursor.execute(
            f"UPDATE {bill} SET lines_amount = (SELECT SUM(l.amount) FROM {line} l "
            f"WHERE l.bill_id = {bill}.id), amount = (SELECT SUM(l.amount) FROM {line} l "
            f"WHERE l.bill_id = {bill}.id) WHERE period = %s",
            [day],
        )
    return time.perf_counter() - started, lines


def raw_progress() -> float:
    """The database alone: open roles per village and category, registered and active."""
    from django.db import connection

    from members.models import Enrollment, Member, MemberRole

    role, member, enrollment = (m._meta.db_table for m in (MemberRole, Member, Enrollment))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.village_id, r.category, COUNT(DISTINCT r.member_id), "
            "COUNT(DISTINCT e.member_id) "
            f"FROM {role} r JOIN {member} m ON m.id = r.member_id "
            f"LEFT JOIN {enrollment} e ON e.member_id = r.member_id AND e.status = 'active' "
            "WHERE r.ended_on IS NULL GROUP BY m.village_id, r.category"
        )
        cursor.fetchall()
    return time.perf_counter() - started


# --- ours, in a process of its own -----------------------------------------------------------


def generate_in_child(period: datetime.date) -> dict:
    """``bills_generate(period)`` in a new process: its seconds and peak RSS."""
    completed = subprocess.run(
        [sys.executable, __file__, "--generate", period.isoformat()],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if completed.returncode:
        raise SystemExit(completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _generate(period: str) -> None:
    _setup()
    from contributions.services.billing.generation import bills_generate

    day = datetime.date.fromisoformat(period)
    started = time.perf_counter()
    result = bills_generate(period=day)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "bills": result.bills_created,
                "lines": result.lines_added,
                "penalties": result.penalties_added,
                "rss_mb": _rss_mb(),
            }
        )
    )


# --- reads -----------------------------------------------------------------------------------


def _bare_view(model, scope):
    """A bare view: one page of ``model``'s rows under ``scope`` as ``values()`` in JSON, in
    the order the API lists them (the model's ordering), so both return the same rows."""
    from django.http import JsonResponse

    def view(request):
        page = int(request.GET.get("page", 1))
        size = int(request.GET.get("page_size", 500))
        rows = (
            model.objects.filter(**scope)
            .order_by(*(model._meta.ordering or ["pk"]))
            .values()[(page - 1) * size : page * size]
        )
        return JsonResponse({"results": list(rows)})

    return view


def pages_per_second(client, path: str, pages: int = 6, runs: int = 5) -> tuple[float, object]:
    """Pages of ``path`` (1 … pages) a second, the best of ``runs``; and the queries of a
    page (one number if every page made as many, else each count seen)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = set()
    best = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        for page in range(1, pages + 1):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{path}&page={page}")
            assert response.status_code == 200, response.content[:300]
            counts.add(len(queries))
        best = max(best, pages / (time.perf_counter() - started))
    return best, counts.pop() if len(counts) == 1 else "/".join(map(str, sorted(counts)))


def median_ms(client, path: str, runs: int = 7) -> float:
    client.get(path)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(timings)


def _bare_member_reads_view(scope):
    """The member list's own reads, bare: the page of members with their village's code and
    name and the count, their roles, their enrollments and their months on overdue bills,
    each as ``values()``, nested by member into JSON. What the database does for the API's
    page, without DRF, models or pricing."""
    from django.db.models import Sum
    from django.http import JsonResponse

    from contributions.models import Bill, BillLine
    from members.models import Enrollment, Member, MemberRole

    def view(request):
        page = int(request.GET.get("page", 1))
        size = int(request.GET.get("page_size", 500))
        members = Member.objects.filter(**scope).order_by(*Member._meta.ordering)
        count = members.count()
        rows = list(
            members.values(
                "id", "village_id", "village__code", "village__name", "nik", "full_name",
                "birth_date", "sex", "phone", "occupation", "is_perisai", "created_at",
                "updated_at",
            )[(page - 1) * size : page * size]
        )  # fmt: skip
        by_id = {row["id"]: {**row, "roles": [], "enrollments": []} for row in rows}
        for role in MemberRole.objects.filter(member_id__in=by_id).values(
            "member_id", "category", "position", "term_start", "term_end", "ended_on"
        ):
            by_id[role["member_id"]]["roles"].append(role)
        owner = {}
        for enrollment in Enrollment.objects.filter(member_id__in=by_id).values(
            "id", "member_id", "status", "segment", "jkk", "jkm", "jht", "jp",
            "declared_income", "wage", "risk_class", "funding_source", "kpj_number",
            "effective_from", "ended_on", "end_reason",
        ):  # fmt: skip
            by_id[enrollment["member_id"]]["enrollments"].append(enrollment)
            owner[enrollment["id"]] = enrollment
            enrollment["arrears"] = []
        overdue = Bill.objects.filter(
            status="overdue", village_id__in={row["village_id"] for row in rows}
        ).values("id", "period", "village_id")
        bills = {bill["id"]: bill for bill in overdue}
        owing = {bill["village_id"] for bill in bills.values()}
        for line in (
            BillLine.objects.filter(
                bill_id__in=bills or [0],
                enrollment_id__in=[
                    pk
                    for pk, enrollment in owner.items()
                    if by_id[enrollment["member_id"]]["village_id"] in owing
                ]
                or [0],
                period__in={bill["period"] for bill in bills.values()} or [FIRST_MONTH],
            )
            .values("enrollment_id", "period")
            .annotate(amount=Sum("amount"))
            .order_by()
        ):
            owner[line["enrollment_id"]]["arrears"].append(line)
        return JsonResponse({"count": count, "results": list(by_id.values())})

    return view


def lists(auditor_client, regency) -> None:
    from django.urls import clear_url_caches, path

    from contributions.models import Bill
    from jamsostek import urls
    from jamsostek.core.heap import settle
    from members.models import Member

    scope = {"village__regency": regency}
    urls.urlpatterns += [
        path("bench/members/", _bare_view(Member, scope)),
        path("bench/member-reads/", _bare_member_reads_view(scope)),
        path("bench/bills/", _bare_view(Bill, scope)),
    ]
    clear_url_caches()
    settle()  # as jamsostek/wsgi.py does at startup
    for name, api, bares in (
        (
            "members",
            "/api/v1/members/?page_size=500",
            (
                ("bare view of the members' rows", "/bench/members/?page_size=500"),
                ("bare view of the same reads", "/bench/member-reads/?page_size=500"),
            ),
        ),
        (
            "bills",
            "/api/v1/bills/?page_size=500",
            (("bare view", "/bench/bills/?page_size=500"),),
        ),
    ):
        ours, queries = pages_per_second(auditor_client, api)
        print(
            f"{name} list, pages of 500 (pmd_auditor {regency.code}): {ours:6.1f} pages/s, "
            f"{queries} queries a page"
        )
        for label, bare in bares:
            raw, raw_queries = pages_per_second(auditor_client, bare)
            print(
                f"    {label}: {raw:6.1f} pages/s ({raw_queries} queries): "
                f"{ours / raw:4.2f}× its throughput"
            )


# --- the run ---------------------------------------------------------------------------------


def bench_scale() -> dict[str, float]:
    _setup()
    _ensure_regions()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from rest_framework.test import APIClient

    from accounts.models import User
    from contributions.models import Bill, BillLine
    from jamsostek.core.choices import Role
    from reports.services import progress_refresh
    from villages.models import Region

    province = _flag("BENCH_PROVINCE")
    months = max(int(os.environ.get("BENCH_MONTHS", "2")), 1)
    whole = len(pick_villages(8_563)) if province else REGENCY_VILLAGES
    print(
        f"-- scale bench on PostgreSQL {connection.pg_version}: {whole:,} villages × {PER_VILLAGE}, "
        f"{months} month{'s' if months != 1 else ''} of ours"
    )
    village_ids = ensure_members(whole)
    figures: dict[str, float] = {}

    raw_period = next_month()
    raw_s, raw_lines = raw_month(raw_period)
    settle(raw_period, village_ids)
    figures["raw_month_s"] = raw_s
    print(
        f"raw month {raw_period:%Y-%m}: INSERT … SELECT bills and lines, UPDATE totals: "
        f"{raw_s:7.2f} s ({raw_lines:,} lines)"
    )

    regency = Region.objects.get(code="33.26")
    auditor, _ = User.objects.get_or_create(
        username="bench-scale-pmd-3326", defaults={"role": Role.PMD_AUDITOR, "scope": regency}
    )
    client = APIClient()
    client.force_authenticate(auditor)
    village = Region.objects.get(pk=village_ids[0])  # behind: its bills are overdue
    reads = {
        # The newest month's bills (the list is newest first): as many rows every month.
        "village bills": f"/api/v1/bills/?village={village.code}&page_size=3",
        "arrears 33.26": "/api/v1/arrears/?regency=33.26",
    }

    timings = []
    period = raw_period
    first_reads: dict[str, float] = {}
    for month in range(months):
        from contributions.periods import add_months

        period = add_months(period, 1)
        run = generate_in_child(period)
        timings.append(run["seconds"])
        lines = BillLine.objects.filter(period=period).count()
        print(
            f"ours month {period:%Y-%m} ({month + 1} of {months}): {run['seconds']:7.2f} s, "
            f"{_ratio(run['seconds'], raw_s)} raw month 1 ({run['lines']:,} lines, "
            f"{run['bills']:,} bills, {run['penalties']:,} penalties, "
            f"peak RSS {run['rss_mb']:.0f} MB; {lines:,} lines in the month)"
        )
        if month == 0:
            again = generate_in_child(period)
            figures["ours_month_s"] = run["seconds"]
            figures["ours_rss_mb"] = run["rss_mb"]
            figures["second_run_s"] = again["seconds"]
            print(
                f"ours month {period:%Y-%m}, second run: {again['seconds']:7.2f} s "
                f"({again['lines']} lines, {again['bills']} bills)"
            )
            check_amounts(period, raw_period)
        settle(period, village_ids)
        if month == 0:
            first_reads = {k: median_ms(client, p) for k, p in reads.items()}
    if months > 1:
        figures["last_month_s"] = timings[-1]
        print(
            f"month {months} of ours vs month 1: {timings[-1]:.2f} s / {timings[0]:.2f} s = "
            f"{timings[-1] / timings[0]:.2f}× ({BillLine.objects.count():,} lines in all)"
        )
    for key, path in reads.items():
        last = median_ms(client, path)
        print(
            f"GET {path}: {first_reads[key]:6.1f} ms after month 1, {last:6.1f} ms after "
            f"month {months} ({_ratio(last, first_reads[key])})"
        )

    if _flag("BENCH_WORKERS", ""):
        for workers in [int(n) for n in os.environ["BENCH_WORKERS"].split(",")]:
            period = add_months(period, 1)
            seconds, summary = fan_out(period, workers)
            settle(period, village_ids)
            print(
                f"fan-out month {period:%Y-%m} on {workers} worker process"
                f"{'es' if workers > 1 else ''}: {seconds:7.2f} s "
                f"({summary['regencies']} regencies, {summary['lines_added']:,} lines)"
            )

    raw_progress()  # warm
    progress_refresh()
    raw_p = min(raw_progress() for _ in range(2))
    ours_p = []
    for _ in range(2):
        started = time.perf_counter()
        count = progress_refresh()
        ours_p.append(time.perf_counter() - started)
    figures["raw_progress_s"], figures["progress_s"] = raw_p, min(ours_p)
    print(
        f"progress refresh, {count:,} villages: {min(ours_p):6.2f} s vs raw GROUP BY "
        f"{raw_p:6.2f} s: {_ratio(min(ours_p), raw_p)}"
    )

    lists(client, regency)
    total = Bill.objects.aggregate(s=Sum("amount"))["s"]
    print(f"bills: {Bill.objects.count():,}, Rp {total:,} in all; peak RSS here {_rss_mb():.0f} MB")
    if not _flag("BENCH_KEEP"):
        call_command("flush", interactive=False, verbosity=0)
    return figures


def check_amounts(period: datetime.date, raw_period: datetime.date) -> None:
    """The month's lines against the rate table priced row by row in Python (the way
    generation priced before), and against the raw month."""
    from django.db.models import Count, Sum

    from contributions.models import BillLine
    from contributions.rates import RateTable, Terms
    from members.models import Enrollment

    table = RateTable.for_month(period)
    quotes: dict[Terms, int] = {}
    expected = 0
    rows = (
        Enrollment.objects.filter(status="active").values(*_TERM_VALUES).iterator(chunk_size=20_000)
    )
    for row in rows:
        terms = _terms_of(row)
        if terms not in quotes:
            detail = table.quote(terms).detail
            quotes[terms] = sum(s["employer"] + s["worker"] for s in detail.values())
        expected += quotes[terms]
    ours = BillLine.objects.filter(period=period).aggregate(s=Sum("amount"), n=Count("pk"))
    raw = BillLine.objects.filter(period=raw_period).aggregate(s=Sum("amount"))["s"]
    same = "identical" if ours["s"] == expected == raw else "DIFFERENT"
    print(
        f"amounts {period:%Y-%m}: Rp {ours['s']:,} on {ours['n']:,} lines; priced row by row "
        f"in Python Rp {expected:,}; raw month Rp {raw:,}: {same}"
    )


def fan_out(period: datetime.date, workers: int) -> tuple[float, dict]:
    """Beat's monthly task on ``workers`` Celery worker processes (prefork) started here;
    the seconds from sending it to its final step's summary."""
    from celery import Celery

    broker = os.environ["CELERY_BROKER_URL"]
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue, "DJANGO_DEBUG": "0"}
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "jamsostek",
            "worker",
            f"--concurrency={workers}",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        app = Celery(broker=broker, backend=broker)
        started = time.perf_counter()
        sent = app.send_task(
            "contributions.bills_generate_month", args=[period.strftime("%Y-%m")], queue=queue
        )
        queued = sent.get(timeout=600)
        summary = app.AsyncResult(queued["finish"]).get(timeout=3600)
        return time.perf_counter() - started, summary
    finally:
        worker.terminate()
        worker.wait(timeout=60)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        _generate(sys.argv[2])
    else:
        bench_scale()
