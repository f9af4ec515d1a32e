"""The reports: aggregated in the database from the progress rows, bills and payments."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from contributions.models import COUNTED_STATUSES, BenefitClaim, Bill, BillStatus, Payment
from contributions.selectors import bills_settled_on
from jamsostek.core.choices import SEAT_CATEGORIES, Level
from jamsostek.core.scoping import scope_queryset
from members.models import Member
from villages.models import LEVEL_ORDER, Region, VillageSeat

from .models import CategoryProgress, VillageProgress
from .progress import percent

# The child level of each parent level (the rows of a coverage report).
CHILD = dict(zip(LEVEL_ORDER[:-1], LEVEL_ORDER[1:], strict=True))


def _group(level: str) -> str:
    """The lookup from a village to its ancestor of ``level`` (the village itself at village)."""
    return "code" if level == Level.VILLAGE else f"{level}__code"


def coverage(user, *, level: str, parent: Region | None) -> list[dict]:
    """One row per region of ``level`` under ``parent`` (all provinces when None), from the
    villages inside ``user``'s scope: seats, registered and active per category, vulnerable
    workers against the target, villages meeting it, villages with a PERISAI agent, UCJ."""
    villages = scope_queryset(Region.objects.filter(level=Level.VILLAGE, is_active=True), user)
    if parent is not None:
        villages = villages.filter(
            **({"pk": parent.pk} if parent.level == Level.VILLAGE else {parent.level: parent})
        )
    group = _group(level)
    children = Region.objects.filter(
        code__in=villages.values(group).distinct(), level=level
    ).order_by("code")
    counts = dict(villages.values(group).annotate(n=Count("pk")).values_list(group, "n"))
    per_village = VillageProgress.objects.filter(village__in=villages)
    totals = {
        row["key"]: row
        for row in per_village.values(key=F(f"village__{group}")).annotate(
            target_sum=Sum("rentan_target"),
            active_sum=Sum("rentan_active"),
            meeting=Count(
                "pk", filter=Q(rentan_active__gte=F("rentan_target"), rentan_target__gt=0)
            ),
            perisai=Count("pk", filter=Q(perisai_agents__gt=0)),
            participants=Sum("participants_active"),
            arrears=Sum("arrears_outstanding"),
        )
    }
    categories: dict[str, dict] = defaultdict(dict)
    for row in (
        CategoryProgress.objects.filter(village__in=villages)
        .values("category", key=F(f"village__{group}"))
        .annotate(positions=Sum("positions"), registered=Sum("registered"), active=Sum("active"))
    ):
        categories[row["key"]][row["category"]] = row
    rows = []
    for child in children:
        total = totals.get(child.code, {})
        target = total.get("target_sum") or 0
        active = total.get("active_sum") or 0
        participants = total.get("participants") or 0
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "villages": counts.get(child.code, 0),
                "categories": {
                    category: {
                        "positions": cell.get("positions", 0),
                        "registered": cell.get("registered", 0),
                        "active": cell.get("active", 0),
                        "percent": percent(cell.get("active", 0), cell.get("positions", 0)),
                    }
                    for category in SEAT_CATEGORIES
                    for cell in [categories[child.code].get(category, {})]
                },
                "rentan": {"target": target, "active": active, "percent": percent(active, target)},
                "villages_meeting_target": total.get("meeting", 0),
                "villages_with_perisai": total.get("perisai", 0),
                "participants_active": participants,
                "arrears_outstanding": total.get("arrears") or 0,
                "ucj": ucj(child, participants),
            }
        )
    return rows


def ucj(region: Region, participants: int) -> dict | None:
    """Universal Coverage Jamsostek of a regency: active participants / employed population."""
    if region.level != Level.REGENCY or not region.employed_population:
        return None
    return {
        "employed_population": region.employed_population,
        "participants_active": participants,
        "percent": percent(participants, region.employed_population),
    }


def compliance(user, *, regency: Region | None, year: int) -> list[dict]:
    """The "tertib bayar iuran" ranking: per village, of the months billed in ``year``, how
    many were paid in full by every due date, paid late, or are still unpaid.

    Score = (on time + half of late) / months billed × 100. Ties go to fewer unpaid months,
    then fewer late ones, then the earlier average payment (days before the due date), then
    the village code; equal scores and counts share a rank.
    """
    bills = scope_queryset(Bill.objects.filter(period__year=year, amount__gt=0), user).exclude(
        status=BillStatus.VOID
    )
    if regency is not None:
        bills = bills.filter(village__regency=regency)
    rows = list(bills.values_list("pk", "village_id", "period", "due_date"))
    today = timezone.localdate()
    settled = bills_settled_on(bills.order_by())
    months: dict[int, dict] = defaultdict(dict)  # village → period → state
    early: dict[int, list[int]] = defaultdict(list)
    for pk, village, period, due in rows:
        when = settled.get(pk)
        if when is None and due >= today:
            continue  # not due yet: neither paid nor late
        state = "unpaid" if when is None else ("on_time" if when <= due else "late")
        if when is not None:
            early[village].append((due - when).days)
        worst = {"on_time": 0, "late": 1, "unpaid": 2}
        previous = months[village].get(period)
        if previous is None or worst[state] > worst[previous]:
            months[village][period] = state
    villages = Region.objects.in_bulk(list(months))
    table = []
    for village_id, periods in months.items():
        states = list(periods.values())
        billed = len(states)
        on_time, late = states.count("on_time"), states.count("late")
        unpaid = states.count("unpaid")
        days = early[village_id]
        table.append(
            {
                "village": villages[village_id].code,
                "village_name": villages[village_id].name,
                "months_billed": billed,
                "paid_on_time": on_time,
                "paid_late": late,
                "unpaid": unpaid,
                "score": round((on_time + late / 2) * 100 / billed, 1),
                "average_days_early": round(sum(days) / len(days), 1) if days else None,
            }
        )
    table.sort(
        key=lambda r: (
            -r["score"],
            r["unpaid"],
            r["paid_late"],
            -(r["average_days_early"] or -10_000),
            r["village"],
        )
    )
    rank, previous = 0, None
    for position, row in enumerate(table, start=1):
        key = (row["score"], row["unpaid"], row["paid_late"])
        if key != previous:
            rank, previous = position, key
        row["rank"] = rank
    return table


def claims(user, *, regency: Region | None, year: int) -> list[dict]:
    """Per village: benefits paid in ``year`` by kind against contributions paid that year."""
    claims_qs = scope_queryset(BenefitClaim.objects.filter(paid_on__year=year), user)
    payments = scope_queryset(
        Payment.objects.filter(paid_on__year=year, status__in=COUNTED_STATUSES), user
    )
    if regency is not None:
        claims_qs = claims_qs.filter(member__village__regency=regency)
        payments = payments.filter(village__regency=regency)
    benefits: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    counts: dict[int, int] = defaultdict(int)
    for village, benefit, amount, n in (
        claims_qs.values("member__village_id", "benefit")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .values_list("member__village_id", "benefit", "amount", "n")
    ):
        benefits[village][benefit] += amount
        counts[village] += n
    paid = dict(
        payments.values("village_id").annotate(s=Sum("amount")).values_list("village_id", "s")
    )
    villages = Region.objects.in_bulk(set(paid) | set(benefits))
    rows = []
    for village_id in sorted(villages, key=lambda pk: villages[pk].code):
        total = sum(benefits[village_id].values())
        contributed = paid.get(village_id, 0)
        rows.append(
            {
                "village": villages[village_id].code,
                "village_name": villages[village_id].name,
                "claims": counts[village_id],
                "benefits": dict(benefits[village_id]),
                "benefits_paid": total,
                "contributions_paid": contributed,
                "ratio": round(total / contributed, 2) if contributed else None,
            }
        )
    return rows


def villages_with_activity() -> QuerySet[Region]:
    """Villages that have seats, members or bills: the rest have nothing to show."""
    # EXISTS, correlated on the village: ORed ``IN (subquery)`` is no semi-join, and once
    # PostgreSQL knows the members table is larger than work_mem it tests each village
    # against the whole list of members' villages (a province of members: hours).
    return Region.objects.filter(level=Level.VILLAGE).filter(
        Q(Exists(VillageSeat.objects.filter(village_id=OuterRef("pk"))))
        | Q(Exists(Member.objects.filter(village_id=OuterRef("pk"))))
        | Q(Exists(Bill.objects.filter(village_id=OuterRef("pk"))))
        | Q(Exists(VillageProgress.objects.filter(village_id=OuterRef("pk"))))
    )


# The bands of "1 Desa 100 Pekerja Rentan": share of the target reached (a village's own
# target, 100 unless the regency set another). The last band meets it.
PROGRESS_BANDS = [(0, 0), (1, 24), (25, 49), (50, 74), (75, 99), (100, None)]


def progress_distribution(user, *, region: Region | None) -> list[dict]:
    """How many villages (active, in ``user``'s scope, under ``region``) stand in each band of
    their vulnerable-worker target, counted in SQL from the progress rows (a village never
    refreshed is at 0 %)."""
    villages = scope_queryset(Region.objects.filter(level=Level.VILLAGE, is_active=True), user)
    if region is not None:
        villages = villages.filter(
            **({"pk": region.pk} if region.level == Level.VILLAGE else {region.level: region})
        )
    share = Case(
        When(rentan_target__lte=0, then=Value(100)),
        default=F("rentan_active") * 100 / F("rentan_target"),
        output_field=IntegerField(),
    )
    bands = Case(
        *[
            When(
                Q(share__gte=low) & (Q(share__lte=high) if high is not None else Q()),
                then=Value(index),
            )
            for index, (low, high) in enumerate(PROGRESS_BANDS)
        ],
        output_field=IntegerField(),
    )
    counted = dict(
        VillageProgress.objects.filter(village__in=villages)
        .annotate(share=share)
        .annotate(band=bands)
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    counted[0] = (
        counted.get(0, 0)
        + villages.exclude(pk__in=VillageProgress.objects.values("village_id")).count()
    )
    return [
        {"low": low, "high": high, "villages": counted.get(index, 0)}
        for index, (low, high) in enumerate(PROGRESS_BANDS)
    ]
