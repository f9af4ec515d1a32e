"""The progress refresh and the coverage report at regency and province scale, printed
(never asserted).

    .venv/bin/python tests/bench/progress_bench.py [villages] [per_village]
    BENCH_PROVINCE=1 .venv/bin/python tests/bench/progress_bench.py   # and the province

Like billing_bench.py, it works on a fresh embedded PostgreSQL of its own (or on the database
DATABASE_URL names, which must then be empty and disposable), migrates it and loads the
regions. Two stages, each timing ``progress_refresh()`` twice (from no progress rows,
then again over them) and then ``/reports/coverage/`` as an admin (district rows of
33.26, regency rows of 33, province rows) and as the PMD auditor of 33.26:

1. a regency: ``villages`` × ``per_village`` synthetic members (300 villages are
   Kab. Pekalongan and 15 of Kab. Batang); the villages the billing bench already filled
   (``make bench`` runs it first) are reused, not filled twice;
2. the province, with BENCH_PROVINCE=1 (it takes minutes): the rest of Jawa Tengah's
   8,563 villages are added, ``per_village`` members each (856,300 at 100).

Every village of a stage gets seats (``VillageSeat``, one row per seat category) and
about one member in 150 is a PERISAI agent, both written set-based. On PostgreSQL the
stage then runs ANALYZE, as autovacuum would after such a load.

``bench_progress(villages, per_village)`` returns its figures as a dict, so run.py can
call it once Django is set up there.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.billing_bench import PROVINCE, make_synthetic, pick_villages  # noqa: E402
from tests.bench.import_bench import _ensure_regions, _setup  # noqa: E402

SYNTHETIC = "Warga Sintetis "  # make_synthetic's names
# Seats of each village per category (at 100 members a village has 10 perangkat desa
# and 12 of each BPU role registered, so coverage stays under 100 %; no kepala desa).
SEATS = {
    "kepala_desa": 1,
    "perangkat_desa": 12,
    "bpd": 15,
    "rt": 15,
    "rw": 15,
    "linmas": 15,
    "lkd": 15,
}
PERISAI_EVERY = 150  # members whose pk is a multiple of this are PERISAI agents


def province_enabled() -> bool:
    """Whether the province stage runs: only with BENCH_PROVINCE=1 (or true/yes/on)."""
    value = os.environ.get("BENCH_PROVINCE", "0").strip().lower()
    return value not in ("0", "false", "no", "off")


def _filled() -> int:
    """How many villages already hold synthetic members (make_synthetic fills a prefix of
    pick_villages' order, so this is where the next call starts)."""
    from members.models import Member

    return (
        Member.objects.filter(full_name__startswith=SYNTHETIC)
        .values("village_id")
        .distinct()
        .count()
    )


def _fill(villages: int, per_village: int) -> dict[str, float]:
    """Synthetic members for the first ``villages`` villages (those not filled yet), their
    seats and PERISAI agents; printed."""
    from django.db import connection, transaction
    from django.db.models import F
    from django.db.models.functions import Mod

    from members.models import Member
    from villages.models import VillageSeat

    figures: dict[str, float] = {}
    filled = _filled()
    if filled < villages:
        made = make_synthetic(villages, per_village, offset=filled)
        figures["synthetic_s"] = made.seconds
        print(
            f"make_synthetic, villages {filled + 1:,}–{villages:,} × {per_village}: "
            f"{made.seconds:6.2f} s ({made.members:,} members and enrollments, "
            f"{made.members / made.seconds:,.0f} members/s)"
        )
    else:
        print(f"make_synthetic: the first {villages:,} villages already have members (reused)")

    started = time.perf_counter()
    ids = [pk for pk, _ in pick_villages(villages)]
    agents = 0
    for first in range(0, len(ids), 2000):
        chunk = ids[first : first + 2000]
        with transaction.atomic():
            VillageSeat.objects.bulk_create(
                [
                    VillageSeat(village_id=village, category=category, count=count)
                    for village in chunk
                    for category, count in SEATS.items()
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
            agents += (
                Member.objects.filter(village_id__in=chunk, is_perisai=False)
                .alias(slot=Mod(F("pk"), PERISAI_EVERY))
                .filter(slot=0)
                .update(is_perisai=True)
            )
    figures["seats_s"] = time.perf_counter() - started
    print(
        f"seats and PERISAI agents, {len(ids):,} villages: {figures['seats_s']:6.2f} s "
        f"({VillageSeat.objects.count():,} seat rows, {agents:,} new agents, "
        f"{Member.objects.filter(is_perisai=True).count():,} in all)"
    )
    # What autovacuum does after a bulk load (a server may run with it off): without
    # statistics the planner takes the big tables for empty ones and plans otherwise.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ANALYZE: {time.perf_counter() - started:6.2f} s")
    return figures


def _refresh(label: str) -> tuple[float, int]:
    from reports.services import CHUNK, progress_refresh

    started = time.perf_counter()
    count = progress_refresh()
    seconds = time.perf_counter() - started
    chunks = -(-count // CHUNK)
    print(
        f"progress_refresh, {label:<34} {seconds:6.2f} s ({count:,} villages, "
        f"{chunks} chunk{'s' if chunks != 1 else ''}, {seconds / max(chunks, 1):.2f} s each)"
    )
    return seconds, count


def _stage(name: str, villages: int, per_village: int, clients: dict) -> dict[str, float]:
    from django.db.models import Sum

    from members.models import Enrollment, Member, Status
    from reports.models import CategoryProgress, StaleProgress, VillageProgress
    from reports.selectors import villages_with_activity
    from tests.bench.run import latency

    print(f"-- progress, {name}: {villages:,} villages × {per_village}")
    figures = {f"{name}_{key}": value for key, value in _fill(villages, per_village).items()}

    started = time.perf_counter()
    active_villages = villages_with_activity().count()
    figures[f"{name}_activity_ms"] = (time.perf_counter() - started) * 1000
    print(
        f"villages_with_activity(): {figures[f'{name}_activity_ms']:6.1f} ms "
        f"({active_villages:,} villages, {Member.objects.count():,} members, "
        f"{Enrollment.objects.filter(status=Status.ACTIVE).count():,} active enrollments)"
    )

    # The first run starts from no progress rows (the billing bench's refreshes made some).
    CategoryProgress.objects.all().delete()
    VillageProgress.objects.all().delete()
    StaleProgress.objects.all().delete()
    figures[f"{name}_refresh_first_s"], _ = _refresh("first run (no progress rows):")
    figures[f"{name}_refresh_second_s"], _ = _refresh("second run (over its rows):")
    totals = VillageProgress.objects.aggregate(
        participants=Sum("participants_active"),
        rentan=Sum("rentan_active"),
        perisai=Sum("perisai_agents"),
        arrears=Sum("arrears_outstanding"),
    )
    print(
        f"progress rows: {VillageProgress.objects.count():,} villages, "
        f"{CategoryProgress.objects.count():,} categories; "
        f"{totals['participants'] or 0:,} active participants, "
        f"{totals['rentan'] or 0:,} vulnerable workers active, "
        f"{totals['perisai'] or 0:,} PERISAI agents, Rp {totals['arrears'] or 0:,} in arrears"
    )

    for key, who, path in [
        ("coverage_district_ms", "admin", "/api/v1/reports/coverage/?code=33.26"),
        ("coverage_regency_ms", "admin", f"/api/v1/reports/coverage/?code={PROVINCE}"),
        ("coverage_province_ms", "admin", "/api/v1/reports/coverage/"),
        ("coverage_auditor_ms", "auditor", "/api/v1/reports/coverage/?code=33.26"),
    ]:
        client = clients[who]
        rows = client.get(path).data["rows"]
        print(
            f"{'pmd_auditor 33.26' if who == 'auditor' else 'admin'}: {len(rows)} rows, "
            f"{sum(r['villages'] for r in rows):,} villages, "
            f"{sum(r['participants_active'] for r in rows):,} active participants"
        )
        figures[f"{name}_{key}"] = latency(client, path, runs=10)

    # The console's dashboards over the same rows (server time: the test client calls the
    # view in this process, no network), as the regency office and the admin open them.
    for key, who, path in [
        ("dashboard_auditor_ms", "console_auditor", "/dashboard/"),
        ("dashboard_district_ms", "console_auditor", "/dashboard/?code=33.26.13"),
        ("dashboard_province_ms", "console_admin", f"/dashboard/?code={PROVINCE}"),
        ("dashboard_nation_ms", "console_admin", "/dashboard/"),
    ]:
        figures[f"{name}_{key}"] = latency(clients[who], path, runs=10)
    return figures


def bench_progress(
    villages: int = 300, per_village: int = 100, *, province: bool | None = None
) -> dict[str, float]:
    """The regency stage, then (unless ``province`` is False, or BENCH_PROVINCE=0 when it is
    None) the province stage; the figures."""
    _setup()
    _ensure_regions()
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.models import User
    from jamsostek.core.choices import Role
    from villages.models import Level, Region

    bench_started = time.perf_counter()
    admin, _ = User.objects.get_or_create(
        username="bench-progress-admin", defaults={"role": Role.ADMIN}
    )
    auditor, _ = User.objects.get_or_create(
        username="bench-progress-pmd-3326",
        defaults={"role": Role.PMD_AUDITOR, "scope": Region.objects.get(code="33.26")},
    )
    clients = {}
    for who, user in (("admin", admin), ("auditor", auditor)):
        clients[who] = APIClient()
        clients[who].force_authenticate(user)
        clients[f"console_{who}"] = Client()
        clients[f"console_{who}"].force_login(user)

    figures = _stage("regency", villages, per_village, clients)
    if province if province is not None else province_enabled():
        whole = Region.objects.filter(
            level=Level.VILLAGE, is_active=True, province__code=PROVINCE
        ).count()
        figures.update(_stage("province", max(whole, villages), per_village, clients))
    else:
        print("-- progress, province stage skipped (BENCH_PROVINCE=1 runs it)")

    figures["bench_s"] = time.perf_counter() - bench_started
    print(f"progress bench: {figures['bench_s']:.1f} s in all")
    return figures


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    bench_progress(*arguments)
