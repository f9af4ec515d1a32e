"""Monthly billing and the arrears reads at regency scale, printed (never asserted).

    .venv/bin/python tests/bench/billing_bench.py [villages] [per_village]

Like import_bench.py, it works on a fresh embedded PostgreSQL of its own (or on the database
DATABASE_URL names, which must then be empty and disposable), migrates it and loads the
regions. The members are synthetic and written set-based by :func:`make_synthetic`
(``bulk_create``, no services, no history rows), which later benchmarks can reuse:
the villages are Kab. Pekalongan's 285 (33.26) first, then its neighbour Kab. Batang
(33.25), then the rest of Jawa Tengah by code, so 300 villages are 33.26 plus the first
15 of 33.25, and 8,563 are the whole province.

``bench_billing(villages, per_village)`` returns its figures as a dict, so run.py can
call it once Django is set up there.
"""

from __future__ import annotations

import datetime
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.import_bench import _ensure_regions, _setup  # noqa: E402

# Kab. Pekalongan, then the neighbouring Kab. Batang, then the rest of Jawa Tengah.
PREFERRED_REGENCIES = ["33.26", "33.25"]
PROVINCE = "33"
EFFECTIVE_FROM = datetime.date(2025, 1, 1)

# Per 100 members of a village: 10 PU officials (all four programs, on a wage), 60 BPU
# members of the village's ecosystem paid from the ADD, 30 vulnerable workers paid from
# the regency budget (APBD). Other sizes keep the proportions.
_WAGES = [2_100_000, 2_400_000, 2_750_000, 3_500_000, 11_000_000]  # the last is over the JP cap
_INCOMES = [1_000_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000]
_BPU_ROLES = ["bpd", "rt", "rw", "linmas", "lkd"]
_OCCUPATIONS = ["petani", "nelayan", "buruh_tani", "buruh_harian", "pedagang"]


@dataclass
class Synthetic:
    village_ids: list[int] = field(default_factory=list)
    members: int = 0
    enrollments: int = 0
    seconds: float = 0.0


def pick_villages(count: int) -> list[tuple[int, str]]:
    """``count`` active villages as ``(pk, code)``: 33.26, then 33.25, then Jawa Tengah."""
    from django.db.models import Case, IntegerField, Value, When

    from villages.models import Level, Region

    rank = Case(
        *[
            When(regency__code=code, then=Value(index))
            for index, code in enumerate(PREFERRED_REGENCIES)
        ],
        When(province__code=PROVINCE, then=Value(len(PREFERRED_REGENCIES))),
        default=Value(len(PREFERRED_REGENCIES) + 1),
        output_field=IntegerField(),
    )
    picked = list(
        Region.objects.filter(level=Level.VILLAGE, is_active=True)
        .annotate(rank=rank)
        .order_by("rank", "code")
        .values_list("pk", "code")[:count]
    )
    if len(picked) < count:
        raise SystemExit(f"only {len(picked)} villages are loaded, {count} asked for")
    return picked


def _kind(slot: int, per_village: int) -> str:
    """Which of the three kinds the ``slot``-th member of a village is."""
    pu = max(per_village // 10, 1)
    rentan = (per_village - pu) // 3
    if slot < pu:
        return "pu"
    if slot < pu + rentan:
        return "rentan"
    return "bpu"


def make_synthetic(
    villages: int = 300,
    per_village: int = 100,
    *,
    effective_from: datetime.date = EFFECTIVE_FROM,
    chunk: int = 50,
    offset: int = 0,
) -> Synthetic:
    """Write ``villages`` × ``per_village`` active members set-based; return what was made.

    Each member gets one role and one active enrollment (KPJ number, effective from
    ``effective_from``): 10 % PU village officials with JKK, JKM, JHT and JP on a wage
    (ADD), 30 % vulnerable workers on BPU JKK + JKM (APBD), the rest BPU JKK + JKM (ADD).
    No member history, no bills: generate those with the services being measured.
    NIKs and KPJ numbers continue after the members already in the database, so a
    second call adds more members rather than failing (it does not pick other villages).
    ``offset`` skips the first picked villages (an earlier call filled them), so
    ``make_synthetic(8_563, offset=300)`` after ``make_synthetic(300)`` fills the rest of
    the province; only the villages written are then in ``village_ids``.
    Villages are written ``chunk`` at a time, one transaction and three ``bulk_create``
    calls per chunk, so memory stays flat at 8,563 × 100.
    """
    from django.db import transaction

    from members.models import Enrollment, Member, MemberRole

    started = time.perf_counter()
    picked = pick_villages(villages)[offset:]
    result = Synthetic(village_ids=[pk for pk, _ in picked])
    serial = Member.objects.count()
    born = datetime.date(1960, 1, 1)
    for first in range(0, len(picked), chunk):
        members, kinds = [], []
        for village_id, code in picked[first : first + chunk]:
            district = code[:8].replace(".", "")
            for slot in range(per_village):
                birth = born + datetime.timedelta(days=serial % 16_000)
                sex = "female" if serial % 2 else "male"
                day = birth.day + (40 if sex == "female" else 0)
                kind = _kind(slot, per_village)
                members.append(
                    Member(
                        village_id=village_id,
                        nik=f"{district}{day:02d}{birth:%m%y}{serial // 16_000 + 1:04d}",
                        full_name=f"Warga Sintetis {serial + 1}",
                        birth_date=birth,
                        sex=sex,
                        occupation=_OCCUPATIONS[slot % 5] if kind == "rentan" else None,
                    )
                )
                kinds.append((kind, slot, serial))
                serial += 1
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=2000)
            roles, enrollments = [], []
            for member, (kind, slot, number) in zip(members, kinds, strict=True):
                kpj = f"9{number:010d}"
                common = {
                    "member_id": member.pk,
                    "status": "active",
                    "kpj_number": kpj,
                    "effective_from": effective_from,
                }
                if kind == "pu":
                    roles.append(
                        MemberRole(
                            member_id=member.pk,
                            category="perangkat_desa",
                            position=f"Perangkat {slot + 1}",
                        )
                    )
                    enrollments.append(
                        Enrollment(
                            segment="pu",
                            jkk=True,
                            jkm=True,
                            jht=True,
                            jp=True,
                            wage=_WAGES[slot % 5],
                            risk_class="very_low",
                            funding_source="add",
                            **common,
                        )
                    )
                    continue
                rentan = kind == "rentan"
                category = "pekerja_rentan" if rentan else _BPU_ROLES[slot % 5]
                roles.append(MemberRole(member_id=member.pk, category=category))
                enrollments.append(
                    Enrollment(
                        segment="bpu",
                        jkk=True,
                        jkm=True,
                        declared_income=_INCOMES[slot % 5],
                        funding_source="apbd" if rentan else "add",
                        **common,
                    )
                )
            MemberRole.objects.bulk_create(roles, batch_size=2000)
            Enrollment.objects.bulk_create(enrollments, batch_size=2000)
        result.members += len(members)
        result.enrollments += len(enrollments)
    result.seconds = time.perf_counter() - started
    return result


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    return value, seconds


def _rules(label: str, **kwargs) -> tuple[object | None, float]:
    """Time ``arrears_rules_apply(**kwargs)`` and print it; a database error is printed
    as a failure (the bench goes on), and the result is then None."""
    from django.db import DatabaseError

    from contributions.services.arrears import arrears_rules_apply
    from members.models import Enrollment, Status

    started = time.perf_counter()
    try:
        rules = arrears_rules_apply(**kwargs)
    except DatabaseError as exc:
        seconds = time.perf_counter() - started
        print(f"arrears_rules_apply, {label:<30} FAILED after {seconds:.2f} s: {exc!r}")
        return None, seconds
    seconds = time.perf_counter() - started
    each = f", {seconds / rules.lapsed * 1000:.1f} ms each" if rules.lapsed else ""
    lapsed = Enrollment.objects.filter(status=Status.LAPSED).count()
    print(
        f"arrears_rules_apply, {label:<30} {seconds:6.2f} s "
        f"({rules.overdue:,} bills refreshed, {rules.lapsed:,} lapsed{each}, "
        f"{rules.reactivated} reactivated; {lapsed:,} lapsed in all)"
    )
    return rules, seconds


def post_latency(
    client, path: str, body: dict, label: str = "", runs: int = 10, media: str = "json"
) -> float:
    """Median milliseconds of ``runs`` POSTs of ``body`` (each must answer 201); printed."""
    import statistics

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post(path, body, format=media)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content[:300]
    median = statistics.median(timings)
    print(
        f"POST {path} {label:<42} median {median:6.1f} ms "
        f"(p90 {sorted(timings)[int(len(timings) * 0.9)]:6.1f} ms, n={runs})"
    )
    return median


def lapsed_in(village_id: int) -> int:
    from members.models import Enrollment, Status

    return Enrollment.objects.filter(member__village_id=village_id, status=Status.LAPSED).count()


def bench_billing(villages: int = 300, per_village: int = 100) -> dict[str, float]:
    """Synthetic members, then billing, the arrears rules and two list reads; the figures."""
    _setup()
    _ensure_regions()
    # Tasks run eagerly here; their INFO lines ("Task … succeeded") would bury the figures.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import User
    from contributions.models import Bill, BillLine, BillPenalty, BillStatus
    from contributions.periods import add_months, due_date
    from contributions.services.billing.generation import bills_generate
    from jamsostek.core.choices import Role
    from tests.bench.run import latency
    from villages.models import Region

    bench_started = time.perf_counter()
    figures: dict[str, float] = {}
    made = make_synthetic(villages, per_village)
    figures["synthetic_s"] = made.seconds
    regencies = sorted(
        set(Region.objects.filter(pk__in=made.village_ids).values_list("regency__code", flat=True))
    )
    where = ", ".join(regencies) if len(regencies) <= 4 else f"{len(regencies)} regencies"
    print(
        f"make_synthetic, {villages:,} villages × {per_village} ({where}): "
        f"{made.seconds:6.2f} s ({made.members:,} members and enrollments, "
        f"{made.members / made.seconds:,.0f} members/s)"
    )

    # A month ahead, so every bill is open whatever today is; overdue is then set by hand
    # or by the arrears rules with an explicit ``today``.
    period = add_months(timezone.localdate().replace(day=1), 1)
    result, seconds = _timed(bills_generate, period=period)
    figures["generate_first_s"] = seconds
    bills = Bill.objects.filter(period=period).count()
    print(
        f"bills_generate {period:%Y-%m}, all villages, first run:  {seconds:6.2f} s "
        f"({result.bills_created:,} bills, {result.lines_added:,} lines, "
        f"{result.lines_added / seconds:,.0f} lines/s)"
    )
    result, seconds = _timed(bills_generate, period=period)
    figures["generate_second_s"] = seconds
    print(
        f"bills_generate {period:%Y-%m}, second run (idempotent): {seconds:6.2f} s "
        f"({result.bills_created} bills, {result.lines_added} lines, {bills:,} bills in all)"
    )

    # Every third village falls behind: its bills of the month are overdue.
    behind = made.village_ids[::3]
    overdue = Bill.objects.filter(period=period, village_id__in=behind).update(
        status=BillStatus.OVERDUE
    )
    admin, _ = User.objects.get_or_create(
        username="bench-billing-admin", defaults={"role": Role.ADMIN}
    )
    client = APIClient()
    client.force_authenticate(admin)
    print(f"{overdue:,} bills of {len(behind):,} villages marked overdue")
    for key, path in [
        ("arrears_regency_ms", "/api/v1/arrears/?regency=33.26"),
        ("arrears_all_ms", "/api/v1/arrears/?page_size=500"),
        ("bills_regency_ms", "/api/v1/bills/?regency=33.26&page_size=500"),
    ]:
        figures[key] = latency(client, path, runs=10)

    # The nightly rules on a day both due dates have passed: every bill becomes overdue
    # (one month behind lapses nobody).
    late = max(due_date(period, "bpu"), due_date(period, "pu")) + datetime.timedelta(days=1)
    _, figures["arrears_rules_s"] = _rules("one month behind:", today=late)
    figures["arrears_all_overdue_ms"] = latency(client, "/api/v1/arrears/?regency=33.26", runs=10)

    # The month after next: every village's PU bill of the first month was due in the
    # month between and is still unpaid, so each new PU bill carries a penalty (the
    # _charge_penalties path; the next month's bill is made before that due date).
    following = add_months(period, 2)
    result, seconds = _timed(bills_generate, period=following)
    figures["generate_with_penalties_s"] = seconds
    print(
        f"bills_generate {following:%Y-%m}, with late penalties:    {seconds:6.2f} s "
        f"({result.bills_created:,} bills, {result.lines_added:,} lines, "
        f"{result.penalties_added:,} penalties)"
    )

    # Lapses: a tenth of the villages (at least one) billed the two months left out and
    # four months behind, so their BPU members lapse (more than LAPSE_AFTER_UNPAID_MONTHS).
    few = made.village_ids[: max(len(made.village_ids) // 10, 1)]
    subset = Region.objects.filter(pk__in=few)
    for month in (add_months(period, 1), add_months(period, 3)):
        bills_generate(period=month, villages=subset)
    last = add_months(period, 3)
    later = max(due_date(last, "bpu"), due_date(last, "pu")) + datetime.timedelta(days=1)
    _, figures["arrears_rules_lapse_s"] = _rules(
        f"{len(few):,} villages 4 months behind:", today=later, villages=few
    )

    # A payment in a village with lapsed members: recording it also looks for members to
    # reactivate (reactivate_paid_up), the part of the request that grows with the data.
    target = (
        Bill.objects.filter(village_id=few[0], segment="bpu", status=BillStatus.OVERDUE)
        .select_related("village")
        .order_by("period", "funding_source")
        .first()
    )
    figures["payment_lapsed_village_ms"] = post_latency(
        client,
        "/api/v1/payments/",
        {
            "village": target.village.code,
            "bill": target.pk,
            "amount": 1_000,
            "paid_on": timezone.localdate().isoformat(),
            "method": "transfer",
            "funding_source": target.funding_source,
        },
        label=f"(village with {lapsed_in(few[0]):,} lapsed)",
        media="multipart",
    )

    # The arrears list again, now that some of its villages have lapsed members to count.
    figures["arrears_after_lapses_ms"] = latency(client, "/api/v1/arrears/?regency=33.26", runs=10)
    figures["arrears_all_after_lapses_ms"] = latency(
        client, "/api/v1/arrears/?page_size=500", runs=10
    )

    figures["bench_s"] = time.perf_counter() - bench_started
    print(
        f"billing bench: {figures['bench_s']:.1f} s in all "
        f"({Bill.objects.count():,} bills, {BillLine.objects.count():,} lines, "
        f"{BillPenalty.objects.count():,} penalties)"
    )
    return figures


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jamsostek.settings.base")
    arguments = [int(a) for a in sys.argv[1:3]]
    bench_billing(*arguments)
