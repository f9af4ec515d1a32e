"""How long a 10,000-row member import takes, printed (never asserted).

    .venv/bin/python tests/bench/import_bench.py [rows]

Like run.py, it works on a fresh embedded PostgreSQL of its own (or on the database DATABASE_URL
names, which must then be empty and disposable), migrates it and loads the regions.
``bench_import(rows)`` returns the seconds the import request took, so run.py can call it
once Django is set up there.
"""

from __future__ import annotations

import datetime
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

KWAYANGAN = "33.26.13.2008"


def _setup() -> None:
    """A fresh database with migrations and regions (skipped if Django is already set up)."""
    from django.apps import apps

    if apps.ready:
        return
    workdir = tempfile.mkdtemp(prefix="jamsostek-bench-")
    if not os.environ.get("DATABASE_URL"):  # an embedded server of its own (durable, as
        os.environ["EMBEDDED_PGDATA"] = f"{workdir}/postgres"  # make run's): never .data/
        os.environ.pop("EMBEDDED_PGDATA_DISPOSABLE", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jamsostek.settings.base")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_MEDIA_ROOT", f"{workdir}/media")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: PostgreSQL {connection.pg_version} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)


def _ensure_regions() -> None:
    from villages.models import Region
    from villages.services import regions_load

    if not Region.objects.exists():
        started = time.perf_counter()
        regions_load()
        print(f"regions loaded in {time.perf_counter() - started:.1f} s")


def build_file(rows: int) -> bytes:
    """An .xlsx of ``rows`` valid members over Kwayangan and four other desa of Kab. Pekalongan."""
    import openpyxl

    from members.spreadsheet.columns import COLUMNS
    from villages.models import Level, Region

    villages = [KWAYANGAN] + list(
        Region.objects.filter(level=Level.VILLAGE, code__regex=r"^33\.26\.[0-9]{2}\.2[0-9]{3}$")
        .exclude(code=KWAYANGAN)
        .order_by("code")
        .values_list("code", flat=True)[:4]
    )
    kinds = [
        {"category": "bpd", "position": "Anggota BPD"},
        {"category": "rt", "position": "Ketua RT"},
        {"category": "linmas", "position": "Anggota Linmas"},
        {"category": "pekerja_rentan", "occupation": "petani", "funding_source": "apbd"},
        {
            "category": "perangkat_desa",
            "position": "Kaur Keuangan",
            "segment": "pu",
            "programs": "jkk,jkm,jht,jp",
            "declared_income": None,
            "wage": 2_400_000,
            "risk_class": "very_low",
        },
    ]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Anggota")
    sheet.append(COLUMNS)
    start = datetime.date(1960, 1, 1)
    for index in range(rows):
        village = villages[index % len(villages)]
        birth = start + datetime.timedelta(days=index % 16_000)
        sex = "female" if index % 2 else "male"
        day = birth.day + (40 if sex == "female" else 0)
        nik = f"{village[:8].replace('.', '')}{day:02d}{birth:%m%y}{index // 16_000 + 1:04d}"
        row = {
            "village": village,
            "nik": nik,
            "full_name": f"Warga Uji {index + 1}",
            "birth_date": birth,
            "sex": sex,
            "phone": f"0812{index:08d}",
            "term_start": datetime.date(2023, 1, 1),
            "term_end": datetime.date(2028, 12, 31),
            "segment": "bpu",
            "programs": "jkk,jkm",
            "declared_income": 1_000_000,
            "funding_source": "add",
        }
        row.update(kinds[index % len(kinds)])
        sheet.append([row.get(column) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _importer(user):
    """A callable posting a file to /members/import/ (through the router once it is wired)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import Resolver404, resolve
    from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

    from members.api import MemberViewSet
    from members.api.spreadsheet import MemberIOMixin

    try:
        wired = issubclass(MemberViewSet, MemberIOMixin) and resolve("/api/v1/members/import/")
    except Resolver404:
        wired = False
    if wired:
        client = APIClient()
        client.force_authenticate(user)

        def post(content: bytes):
            file = SimpleUploadedFile("bench.xlsx", content)
            return client.post("/api/v1/members/import/", {"file": file}, format="multipart")

        return post
    view = type("MemberViewSet", (MemberIOMixin, MemberViewSet), {}).as_view({"post": "import_"})
    factory = APIRequestFactory()

    def post(content: bytes):
        file = SimpleUploadedFile("bench.xlsx", content)
        request = factory.post("/api/v1/members/import/", {"file": file}, format="multipart")
        force_authenticate(request, user=user)
        return view(request)

    return post


def bench_import(rows: int = 10_000) -> float:
    """Import ``rows`` generated members as an admin (all or nothing); return the seconds."""
    _setup()
    _ensure_regions()
    from django.test.utils import override_settings

    from accounts.models import User
    from jamsostek.core.choices import Role
    from members.models import Enrollment, Member
    from members.spreadsheet.reading import read_rows

    admin, _ = User.objects.get_or_create(
        username="bench-import-admin", defaults={"role": Role.ADMIN}
    )
    earlier = Member.objects.filter(full_name__startswith="Warga Uji ")
    Enrollment.objects.filter(member__in=earlier).delete()
    earlier.delete()
    content = build_file(rows)
    started = time.perf_counter()
    assert len(read_rows(content)) == rows
    reading = time.perf_counter() - started
    post = _importer(admin)
    # In the request (no job), so the figure is the import itself.
    with override_settings(IMPORT_SYNC_LIMIT=rows):
        started = time.perf_counter()
        response = post(content)
        seconds = time.perf_counter() - started
    body = response.data
    assert response.status_code == 200, body
    assert body["created"] == rows and not body["errors"], body["errors"][:5]
    print(
        f"import of {rows:,} rows ({len(content) / 1e6:.1f} MB .xlsx): {seconds:6.1f} s, "
        f"{rows / seconds:,.0f} rows/s (reading the file alone: {reading:.1f} s)"
    )
    return seconds


if __name__ == "__main__":
    bench_import(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
