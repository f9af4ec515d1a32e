"""Refreshing the progress rows: a handful of grouped queries and one upsert per chunk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.utils import timezone

from contributions.models import Bill, BillStatus
from jamsostek.core.choices import Category
from members.models import Member, MemberRole, Status
from villages.models import Region, VillageSeat

from .models import CategoryProgress, StaleProgress, VillageProgress
from .selectors import villages_with_activity

CHUNK = 2000


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
    for start in range(0, len(ids), CHUNK):
        _refresh_chunk(ids[start : start + CHUNK])
    return len(ids)


@transaction.atomic
def _refresh_chunk(ids: list[int]) -> None:
    now = timezone.now()
    # Active through a LEFT JOIN on the role's member, not ``member_id IN (every active
    # enrollment)``: inside the aggregate's FILTER that subquery is no join, SQLite builds
    # it whole for each chunk, and PostgreSQL, once the list outgrows work_mem, scans it
    # for each role (a province: hours). A join leaves the planner free to start from the
    # chunk's members.
    open_roles = MemberRole.objects.filter(ended_on__isnull=True, member__village_id__in=ids)
    per_category = (
        open_roles.alias(
            active_enrollment=FilteredRelation(
                "member__enrollments", condition=Q(member__enrollments__status=Status.ACTIVE)
            )
        )
        .values("member__village_id", "category")
        .annotate(
            registered=Count("member_id", distinct=True),
            active=Count("member_id", distinct=True, filter=Q(active_enrollment__isnull=False)),
        )
    )
    seats = VillageSeat.objects.filter(village_id__in=ids).values_list(
        "village_id", "category", "count"
    )
    figures: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for village, category, count in seats:
        figures[(village, category)][0] = count
    for row in per_category:
        cell = figures[(row["member__village_id"], row["category"])]
        cell[1], cell[2] = row["registered"], row["active"]

    # From the chunk's members, joined to their active enrollments (SQLite, given
    # enrollments filtered on status, walked every active enrollment in the database).
    participants = dict(
        Member.objects.filter(village_id__in=ids)
        .alias(
            active_enrollment=FilteredRelation(
                "enrollments", condition=Q(enrollments__status=Status.ACTIVE)
            )
        )
        .values("village_id")
        .annotate(n=Count("active_enrollment"))
        .values_list("village_id", "n")
    )
    perisai = dict(
        Member.objects.filter(village_id__in=ids, is_perisai=True, roles__ended_on__isnull=True)
        .values("village_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("village_id", "n")
    )
    arrears = {
        village: (outstanding, months)
        for village, outstanding, months in Bill.objects.filter(
            village_id__in=ids, status=BillStatus.OVERDUE
        )
        .values("village_id")
        .annotate(
            outstanding=Sum(F("amount") - F("paid_amount")),
            months=Count("period", distinct=True),
        )
        .values_list("village_id", "outstanding", "months")
    }
    targets = dict(Region.objects.filter(pk__in=ids).values_list("pk", "rentan_target"))

    VillageProgress.objects.bulk_create(
        [
            VillageProgress(
                village_id=village,
                as_of=now,
                rentan_target=targets[village],
                rentan_active=figures.get((village, Category.PEKERJA_RENTAN), [0, 0, 0])[2],
                perisai_agents=perisai.get(village, 0),
                participants_active=participants.get(village, 0),
                arrears_outstanding=arrears.get(village, (0, 0))[0] or 0,
                arrears_months=arrears.get(village, (0, 0))[1],
            )
            for village in ids
        ],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["village"],
        update_fields=[
            "as_of",
            "rentan_target",
            "rentan_active",
            "perisai_agents",
            "participants_active",
            "arrears_outstanding",
            "arrears_months",
        ],
    )
    CategoryProgress.objects.filter(village_id__in=ids).delete()
    CategoryProgress.objects.bulk_create(
        [
            CategoryProgress(
                village_id=village, category=category, positions=p, registered=r, active=a
            )
            for (village, category), (p, r, a) in figures.items()
        ],
        batch_size=CHUNK,
    )
