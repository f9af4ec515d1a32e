"""Demo members for the demo villages: a living village after `make run`.

Each village gets its officials (as many as its seats, some seats still empty), a few
dozen vulnerable workers, some drafts and submissions, most active with KPJ numbers, and
one member ended as deceased. Deterministic (seeded by the village code) and idempotent:
a village that already has members is left alone.
"""

from __future__ import annotations

import datetime
import hashlib
import random

from django.db import transaction
from django.utils import timezone

from jamsostek.core.choices import Category
from members.models import (
    EndReason,
    Enrollment,
    FundingSource,
    Member,
    MemberEvent,
    MemberRole,
    Occupation,
    RiskClass,
    Segment,
    Status,
)
from villages.models import Region, VillageSeat

MEN = [
    "Slamet",
    "Suparno",
    "Bambang",
    "Agus",
    "Joko",
    "Sutrisno",
    "Wahyudi",
    "Rohmat",
    "Teguh",
    "Sugeng",
    "Darmaji",
    "Muhammad",
    "Ahmad",
    "Rizki",
    "Eko",
    "Budi",
    "Tarno",
    "Nur Hadi",
    "Wahyu",
    "Sholeh",
    "Kusnadi",
    "Imam",
    "Hartono",
    "Yusuf",
]
WOMEN = [
    "Siti",
    "Sri",
    "Suminah",
    "Sulastri",
    "Wartini",
    "Dewi",
    "Nur Aini",
    "Rina",
    "Endang",
    "Tri",
    "Murni",
    "Kasiyem",
    "Lestari",
    "Fitri",
    "Ani",
    "Umi",
    "Yuliani",
    "Khotimah",
    "Ratna",
    "Munawaroh",
    "Sarinah",
    "Eni",
    "Puji",
    "Astuti",
]
FAMILY = [
    "Riyadi",
    "Santoso",
    "Wibowo",
    "Prasetyo",
    "Hidayat",
    "Saputra",
    "Rahayu",
    "Lestari",
    "Maulana",
    "Susanto",
    "Setiawan",
    "Nugroho",
    "Aminah",
    "Fauzi",
    "Kurniawan",
    "Handayani",
    "Mulyono",
    "Suryani",
    "Purnomo",
    "Wijaya",
]
POSITIONS = {
    Category.KEPALA_DESA: ["Kepala Desa"],
    Category.PERANGKAT_DESA: [
        "Sekretaris Desa",
        "Kaur Keuangan",
        "Kaur Umum dan Perencanaan",
        "Kasi Pemerintahan",
        "Kasi Kesejahteraan",
        "Kasi Pelayanan",
        "Kepala Dusun I",
        "Kepala Dusun II",
        "Kepala Dusun III",
        "Kepala Dusun IV",
        "Staf Desa",
        "Kepala Dusun V",
        "Kepala Dusun VI",
        "Staf Keuangan",
    ],
    Category.BPD: ["Ketua BPD", "Wakil Ketua BPD", "Sekretaris BPD"] + ["Anggota BPD"] * 6,
    Category.LKD: ["Ketua PKK", "Ketua Karang Taruna", "Ketua LPM", "Kader Posyandu"],
}
# Share of each category's seats the village has enrolled so far.
FILLED = {
    Category.KEPALA_DESA: 1.0,
    Category.PERANGKAT_DESA: 1.0,
    Category.BPD: 1.0,
    Category.RT: 0.6,
    Category.RW: 0.8,
    Category.LINMAS: 0.5,
    Category.LKD: 0.3,
}
WAGES = {Category.KEPALA_DESA: 3_500_000, Category.PERANGKAT_DESA: 2_400_000}


def _position(category: str, index: int) -> str:
    names = POSITIONS.get(category)
    if names:
        return names[min(index, len(names) - 1)]
    label = {
        Category.RT: "Ketua RT",
        Category.RW: "Ketua RW",
        Category.LINMAS: "Anggota Linmas",
        Category.PEKERJA_RENTAN: "",
    }[category]
    return f"{label} {index + 1:02d}".strip() if label else ""


class _People:
    """Makes plausible people with valid NIKs from the village's district."""

    def __init__(self, village: Region, rng: random.Random):
        self.village, self.rng = village, rng
        self.serial = 0

    def make(self) -> dict:
        rng = self.rng
        sex = rng.choice(["male", "female"])
        birth = datetime.date(rng.randint(1962, 2004), rng.randint(1, 12), rng.randint(1, 28))
        self.serial += 1
        day = birth.day + (40 if sex == "female" else 0)
        district = self.village.district.code.replace(".", "")
        nik = f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{self.serial:04d}"
        first = rng.choice(WOMEN if sex == "female" else MEN)
        return {
            "nik": nik,
            "full_name": f"{first} {rng.choice(FAMILY)}",
            "sex": sex,
            "birth_date": birth,
            "phone": f"08{rng.randint(1100000000, 9999999999)}",
        }


@transaction.atomic
def seed_members(village_codes: list[str], actor=None) -> int:
    """Give each village without members its demo members; returns how many were made."""
    made = 0
    villages = Region.objects.select_related("district").filter(code__in=village_codes)
    for village in villages:
        if Member.objects.filter(village=village).exists():
            continue
        made += _seed_village(village, actor)
    return made


def _seed_village(village: Region, actor) -> int:
    rng = random.Random(village.code)
    people = _People(village, rng)
    today = timezone.localdate()
    seats = dict(VillageSeat.objects.filter(village=village).values_list("category", "count"))
    plan: list[tuple[str, int]] = []  # (category, index within the category)
    for category, share in FILLED.items():
        plan += [(category, i) for i in range(round(seats.get(category, 0) * share))]
    plan += [(Category.PEKERJA_RENTAN, i) for i in range(rng.randint(32, 45))]

    members, roles, enrollments = [], [], []
    for number, (category, index) in enumerate(plan):
        person = people.make()
        rentan = category == Category.PEKERJA_RENTAN
        member = Member(
            village=village,
            created_by=actor,
            is_perisai=rentan and index == 0,
            occupation=rng.choice(Occupation.values[:-1]) if rentan else None,
            **person,
        )
        members.append(member)
        term_start = datetime.date(today.year - rng.randint(0, 4), 1, 1)
        roles.append(
            MemberRole(
                member=member,
                category=category,
                position=_position(category, index),
                term_start=None if rentan else term_start,
                term_end=None
                if rentan
                else term_start.replace(year=term_start.year + 6) - datetime.timedelta(days=1),
            )
        )
        enrollments.append(_enrollment(member, category, village, rng, today, number))
    # One vulnerable worker has died: the enrollment ended as deceased, the role with it.
    for role, enrollment in zip(roles, enrollments, strict=True):
        if (
            role.category == Category.PEKERJA_RENTAN
            and enrollment.status == Status.ACTIVE
            and not enrollment.member.is_perisai
        ):
            enrollment.status, enrollment.end_reason = Status.ENDED, EndReason.DECEASED
            enrollment.ended_on = role.ended_on = today - datetime.timedelta(days=40)
            break
    Member.objects.bulk_create(members)
    for role in roles:
        role.member_id = role.member.pk
    for enrollment in enrollments:
        enrollment.member_id = enrollment.member.pk
    MemberRole.objects.bulk_create(roles)
    Enrollment.objects.bulk_create(enrollments)
    MemberEvent.objects.bulk_create(
        MemberEvent(
            member=e.member,
            enrollment=e,
            actor=actor,
            action=MemberEvent.Action.IMPORTED,
            changes={"status": [None, e.status]},
            reason="demo data",
        )
        for e in enrollments
    )
    return len(members)


def _enrollment(member, category, village, rng, today, number) -> Enrollment:
    official = category in (Category.KEPALA_DESA, Category.PERANGKAT_DESA)
    if official:
        enrollment = Enrollment(
            member=member,
            segment=Segment.PU,
            wage=WAGES[category],
            risk_class=RiskClass.VERY_LOW,
            jht=True,
            jp=True,
            funding_source=FundingSource.ADD,
        )
    else:
        rentan = category == Category.PEKERJA_RENTAN
        if village.is_kelurahan:
            source = FundingSource.APBD
        elif rentan:
            source = rng.choice(
                [FundingSource.APBD, FundingSource.APBD, FundingSource.MANDIRI, FundingSource.CSR]
            )
        else:
            source = FundingSource.ADD
        enrollment = Enrollment(
            member=member, segment=Segment.BPU, declared_income=1_000_000, funding_source=source
        )
    roll = rng.random()
    if roll < 0.08:
        enrollment.status = Status.DRAFT
    elif roll < 0.15:
        enrollment.status = Status.SUBMITTED
    else:
        enrollment.status = Status.ACTIVE
        start = today.replace(day=1) - datetime.timedelta(days=rng.randint(60, 900))
        enrollment.effective_from = start.replace(day=1)
        digest = hashlib.sha256(member.nik.encode()).hexdigest()
        enrollment.kpj_number = f"{int(digest, 16) % 10**11:011d}"
    return enrollment
