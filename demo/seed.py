"""Demo data for `make run`: users of every role for the seeds' regencies, seat counts for
their villages, members for the demo operators' villages (demo/members.py) and a year of
their bills and payments (demo/contributions.py).

Idempotent: existing users and seat counts are left as they are (a demo user's edits
survive a second `make run`). Never run against production: every demo user shares
one published password.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from contributions.services.reminders import reminders_plan
from demo.contributions import seed_money
from demo.members import seed_members
from jamsostek.core.choices import STAFF_ROLES, Category, Level, Role
from reports.services import progress_refresh
from villages.models import Region, VillageSeat
from villages.rules import is_kelurahan

DEMO_PASSWORD = "demo-desa-2025"
# The national admin logs in with its role's name.
DEMO_ADMIN = Role.ADMIN.value

# The seeds' regencies (../shared/DOMAIN.md) and a short name for usernames.
DEMO_REGENCIES = {
    "33.26": "kab_pekalongan",
    "33.75": "kota_pekalongan",
    "33.16": "blora",
    "33.02": "banyumas",
    "35.03": "trenggalek",
}

# Villages with a demo operator: (code, username).
DEMO_OPERATORS = [
    ("33.26.13.2008", "op_kwayangan"),
    ("33.26.17.2012", "op_blacanan"),
    ("33.26.08.2023", "op_salit"),
    ("33.75.01.1002", "op_medono"),  # a kelurahan of Kota Pekalongan
    ("33.02.01.2001", "op_cirahab"),
    ("33.16.01.2001", "op_bangkleyan"),
    ("35.03.01.2001", "op_besuki"),
]
DEMO_DISTRICT_VIEWERS = [("33.26.13", "kec_kedungwuni")]

# Seat ranges per category, as (low, high), for a desa and for a kelurahan (which has a
# lurah appointed by the city, no elected head, no BPD and no village apparatus of its own).
_DESA_SEATS = {
    Category.KEPALA_DESA: (1, 1),
    Category.PERANGKAT_DESA: (8, 14),
    Category.BPD: (5, 9),
    Category.RT: (14, 42),
    Category.RW: (3, 9),
    Category.LINMAS: (10, 32),
    Category.LKD: (12, 30),
}
_KELURAHAN_SEATS = {
    Category.RT: (25, 60),
    Category.RW: (5, 12),
    Category.LINMAS: (10, 20),
    Category.LKD: (10, 25),
}


@dataclass
class DemoAccount:
    username: str
    role: str
    scope: str
    created: bool


def _pick(code: str, category: str, low: int, high: int) -> int:
    """A count in [low, high] that is the same for a village on every run."""
    digest = hashlib.sha256(f"{code}:{category}".encode()).digest()
    value = low + digest[0] % (high - low + 1)
    if category == Category.BPD and value % 2 == 0:  # BPD has an odd number of members
        value = min(value + 1, high)
    return value


def seed_seats(regency_codes) -> int:
    """Give every village of these regencies seat counts; returns how many were added."""
    villages = Region.objects.filter(level=Level.VILLAGE, regency__code__in=regency_codes)
    existing = set(
        VillageSeat.objects.filter(village__in=villages).values_list("village_id", "category")
    )
    seats = []
    for village_id, code in villages.values_list("pk", "code"):
        ranges = _KELURAHAN_SEATS if is_kelurahan(Level.VILLAGE, code) else _DESA_SEATS
        for category, (low, high) in ranges.items():
            if (village_id, category) not in existing:
                seats.append(
                    VillageSeat(
                        village_id=village_id,
                        category=category,
                        count=_pick(code, category, low, high),
                    )
                )
    VillageSeat.objects.bulk_create(seats, batch_size=2000, ignore_conflicts=True)
    return len(seats)


def _account(username: str, role: str, scope: Region | None, full_name: str) -> DemoAccount:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "scope": scope,
            "full_name": full_name,
            "email": f"{username}@demo.jamsostek-desa.id",
            "is_staff": role in STAFF_ROLES,
            "is_superuser": role == Role.ADMIN,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return DemoAccount(username, user.role, user.scope.code if user.scope else "nation", created)


@transaction.atomic
def seed_demo(
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[DemoAccount], int, int]:
    """Create the demo users and seat counts; needs the regions of provinces 33 and 35.

    ``on_progress(done, total)``, if given, counts the steps: one per account (each hashes
    its password), then the seats, the members, the money, the dashboards and the
    reminders."""
    regions = Region.objects.in_bulk(
        [*DEMO_REGENCIES, *(c for c, _ in DEMO_OPERATORS), *(c for c, _ in DEMO_DISTRICT_VIEWERS)],
        field_name="code",
    )
    missing = sorted({*DEMO_REGENCIES, *(c for c, _ in DEMO_OPERATORS)} - set(regions))
    if missing:
        raise LookupError(
            f"Regions {', '.join(missing)} are not loaded; run `manage.py load_regions` first."
        )
    wanted = [(DEMO_ADMIN, Role.ADMIN, None, "Administrator Nasional")]
    for code, slug in DEMO_REGENCIES.items():
        regency = regions[code]
        wanted.append(
            (f"pmd_{slug}", Role.PMD_AUDITOR, regency, f"Auditor Dinas PMD {regency.name}")
        )
        wanted.append(
            (
                f"bpjs_{slug}",
                Role.BPJS_OFFICER,
                regency,
                f"Petugas BPJS Ketenagakerjaan {regency.name}",
            )
        )
    for code, username in DEMO_DISTRICT_VIEWERS:
        wanted.append(
            (username, Role.DISTRICT_VIEWER, regions[code], f"Kecamatan {regions[code].name}")
        )
    for code, username in DEMO_OPERATORS:
        village = regions[code]
        title = "Kelurahan" if village.is_kelurahan else "Sekretaris Desa"
        wanted.append(
            (username, Role.VILLAGE_OPERATOR, village, f"Operator {title} {village.name}")
        )
    total = len(wanted) + 5  # then seats, members, money, dashboards, reminders
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, total)

    if on_progress:
        on_progress(done, total)
    accounts = []
    for spec in wanted:
        accounts.append(_account(*spec))
        step()
    seats = seed_seats(DEMO_REGENCIES)
    step()
    members = seed_members(
        [code for code, _ in DEMO_OPERATORS], actor=User.objects.get(username=DEMO_ADMIN)
    )
    step()
    seed_money([code for code, _ in DEMO_OPERATORS])
    step()
    # The dashboards' figures and today's reminders (unread in the operators' apps).
    progress_refresh(
        villages=Region.objects.filter(level=Level.VILLAGE, regency__code__in=DEMO_REGENCIES)
    )
    step()
    reminders_plan()
    step()
    return accounts, seats, members
