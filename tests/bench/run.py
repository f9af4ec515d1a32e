"""Performance figures, printed (never asserted): `make bench`.

Runs against a fresh embedded PostgreSQL of its own in a temporary directory (or the
database DATABASE_URL names, which must then be empty and disposable), so it never touches
make run's data in .data/.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="jamsostek-bench-")
    if not os.environ.get("DATABASE_URL"):  # an embedded server of its own (durable, as
        os.environ["EMBEDDED_PGDATA"] = f"{workdir}/postgres"  # make run's): never .data/
        os.environ.pop("EMBEDDED_PGDATA_DISPOSABLE", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jamsostek.settings.base")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from jamsostek.core.choices import Role
    from villages.services import regions_load

    print(f"database: PostgreSQL {connection.pg_version} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    results = regions_load()
    first = time.perf_counter() - started
    total = sum(r.created for r in results.values())
    print(f"load_regions, whole nation, empty database: {first:6.2f} s ({total:,} regions)")
    started = time.perf_counter()
    results = regions_load()
    second = time.perf_counter() - started
    changed = sum(r.changed for r in results.values())
    print(f"load_regions, second run (idempotent):      {second:6.2f} s ({changed} changes)")

    from rest_framework.test import APIClient

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    client = APIClient()
    client.force_authenticate(admin)
    for path in (
        "/api/v1/villages/?page_size=500",
        "/api/v1/regions/?level=village&page_size=500",
        "/api/v1/villages/?regency=33.26&page_size=500",
    ):
        latency(client, path)

    # Members: a 10,000-row spreadsheet import, then the list over those rows.
    from tests.bench.import_bench import bench_import

    bench_import(10_000)
    for path in (
        "/api/v1/members/?page_size=500",
        "/api/v1/members/?page_size=500&status=draft&search=warga",
        "/api/v1/members/?page_size=50",
    ):
        latency(client, path)

    # Contributions: a month of bills for 300 villages x 100 enrollments, /arrears/, rules.
    from tests.bench.billing_bench import bench_billing

    bench_billing(villages=300, per_village=100)

    # Progress: progress_refresh and /reports/coverage/ over those 300 villages, then (with
    # BENCH_PROVINCE=1) over the whole of Jawa Tengah, 8,563 villages x 100 (minutes).
    from tests.bench.progress_bench import bench_progress

    bench_progress(villages=300, per_village=100)


def latency(client, path: str, runs: int = 15) -> float:
    """Median milliseconds of ``runs`` GETs of ``path`` after one warm-up; printed."""
    client.get(path)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
    median = statistics.median(timings)
    print(
        f"GET {path:<56} median {median:6.1f} ms "
        f"(p90 {sorted(timings)[int(len(timings) * 0.9)]:6.1f} ms, n={runs})"
    )
    return median


if __name__ == "__main__":
    main()
