"""Refreshing the progress rows: per chunk of villages, two statements the database runs."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum, Value
from django.utils import timezone

from contributions.models import Bill, BillStatus
from jamsostek.core.choices import Category
from members.models import Enrollment, Member, MemberRole, Status
from villages.models import Region, VillageSeat

from .models import CategoryProgress, StaleProgress, VillageProgress
from .selectors import villages_with_activity

# Villages per transaction: on PostgreSQL a province is one chunk, the nation nine; each
# is a few grouped statements over the chunk's rows, so fewer, larger chunks cost the
# database less. SQLite takes at most 32,766 parameters a statement, and a chunk's ids
# appear in six subqueries.
CHUNK = 10_000
SQLITE_CHUNK = 2_000


def progress_mark_stale(*, village_ids: Iterable[int]) -> set[int]:
    """Note, inside the caller's transaction, that these villages' figures changed (a
    rollback takes the note back with the change); returns the villages marked."""
    ids = {pk for pk in village_ids if pk}
    if not ids:
        return ids
    now = timezone.now()
    # Re-marking bumps marked_at, so a refresh already under way does not clear the mark.
    StaleProgress.objects.bulk_create(
        [StaleProgress(village_id=pk, marked_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["village"],
        update_fields=["marked_at"],
    )
    return ids


def progress_refresh_stale() -> int:
    """Refresh the villages marked stale; safe to run twice or concurrently."""
    ids = list(StaleProgress.objects.values_list("village_id", flat=True)[: CHUNK * 5])
    if not ids:
        return 0
    marked = timezone.now()
    count = progress_refresh(villages=Region.objects.filter(pk__in=ids))
    # Only what was not marked again while we worked.
    StaleProgress.objects.filter(village_id__in=ids, marked_at__lte=marked).delete()
    return count


def progress_refresh(*, villages: QuerySet[Region] | None = None) -> int:
    """Recompute the progress rows of ``villages`` (default: every village with activity),
    chunk by chunk, each chunk in its own transaction (a crash leaves whole chunks)."""
    villages = villages if villages is not None else villages_with_activity()
    ids = list(villages.order_by("pk").values_list("pk", flat=True))
    size = CHUNK if connection.vendor == "postgresql" else SQLITE_CHUNK
    for start in range(0, len(ids), size):
        _refresh_chunk(ids[start : start + size])
    return len(ids)


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.order_by().query.sql_with_params()


@transaction.atomic
def _refresh_chunk(ids: list[int]) -> None:
    """The chunk's progress rows, written by the database: its category rows deleted and
    inserted from one grouped query, its village rows upserted from one more. Nothing is
    read into Python."""
    # Per village and category: seats (positions), open roles (registered) and those of
    # them whose member has an active enrollment (active), as one UNION ALL grouped again.
    # Active through a LEFT JOIN on the role's member, not ``member_id IN (every active
    # enrollment)``: inside the aggregate's FILTER that subquery is no join, SQLite builds
    # it whole for each chunk, and PostgreSQL, once the list outgrows work_mem, scans it
    # for each role (a province: hours). A join leaves the planner free to start from the
    # chunk's members.
    seats = VillageSeat.objects.filter(village_id__in=ids).values(
        v=F("village_id"), c=F("category"), p=F("count"), r=Value(0), a=Value(0)
    )
    roles = (
        MemberRole.objects.filter(ended_on__isnull=True, member__village_id__in=ids)
        .alias(
            active_enrollment=FilteredRelation(
                "member__enrollments", condition=Q(member__enrollments__status=Status.ACTIVE)
            )
        )
        .values(v=F("member__village_id"), c=F("category"))
        .annotate(
            p=Value(0),
            r=Count("member_id", distinct=True),
            a=Count("member_id", distinct=True, filter=Q(active_enrollment__isnull=False)),
        )
    )
    participants = (
        Enrollment.objects.filter(status=Status.ACTIVE, member__village_id__in=ids)
        .values(v=F("member__village_id"))
        .annotate(n=Count("pk"))
    )
    perisai = (
        Member.objects.filter(village_id__in=ids, is_perisai=True, roles__ended_on__isnull=True)
        .values(v=F("village_id"))
        .annotate(n=Count("pk", distinct=True))
    )
    arrears = (
        Bill.objects.filter(village_id__in=ids, status=BillStatus.OVERDUE)
        .values(v=F("village_id"))
        .annotate(
            outstanding=Sum(F("amount") - F("paid_amount")),
            months=Count("period", distinct=True),
        )
    )
    qn = connection.ops.quote_name
    category_t = qn(CategoryProgress._meta.db_table)
    village_t = qn(VillageProgress._meta.db_table)
    region_t = qn(Region._meta.db_table)
    seats_sql, seats_params = _sql(seats)
    roles_sql, roles_params = _sql(roles)
    CategoryProgress.objects.filter(village_id__in=ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {category_t} (village_id, category, positions, registered, active) "
            f"SELECT u.v, u.c, SUM(u.p), SUM(u.r), SUM(u.a) "
            f"FROM ({seats_sql} UNION ALL {roles_sql}) u GROUP BY u.v, u.c",
            [*seats_params, *roles_params],
        )
        joined, params = [], []
        for alias, queryset in (("pa", participants), ("pe", perisai), ("ar", arrears)):
            sql, sub_params = _sql(queryset)
            joined.append(f"LEFT JOIN ({sql}) {alias} ON {alias}.v = r.id")
            params += sub_params
        fields = [
            "as_of",
            "rentan_target",
            "rentan_active",
            "perisai_agents",
            "participants_active",
            "arrears_outstanding",
            "arrears_months",
        ]
        cursor.execute(
            f"INSERT INTO {village_t} (village_id, {', '.join(fields)}) "
            f"SELECT r.id, %s, r.rentan_target, COALESCE(cp.active, 0), COALESCE(pe.n, 0), "
            f"COALESCE(pa.n, 0), COALESCE(ar.outstanding, 0), COALESCE(ar.months, 0) "
            f"FROM {region_t} r "
            f"LEFT JOIN {category_t} cp ON cp.village_id = r.id AND cp.category = %s "
            f"{' '.join(joined)} "
            f"WHERE r.id IN ({', '.join(['%s'] * len(ids))}) "
            f"ON CONFLICT (village_id) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in fields),
            [
                connection.ops.adapt_datetimefield_value(timezone.now()),
                Category.PEKERJA_RENTAN,
                *params,
                *ids,
            ],
        )
