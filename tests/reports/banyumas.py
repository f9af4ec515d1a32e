"""A regency with Banyumas's proportions, written set-based for the progress and report tests.

Kab. Banyumas (33.02) has 331 villages: 301 desa and 30 kelurahan in 27 districts. The
fixture gives them the seats and members below (villages ordered by code; "spread" deals
a total out evenly, the first villages taking one more where it does not divide):

- BPD: 3,379 seats spread over the 301 desa, every seat held by an active member;
- RT: 9,800 seats spread over all 331; the first 70 villages have 10 active RT heads and
  the first 10 another 5 registered but not yet active (submitted);
- RW: 2,500 seats spread over all 331; the first 100 villages have 2 active RW heads;
- Linmas: 10,400 seats spread over all 331; the first 66 villages have 10 active;
- vulnerable workers (target 100 a village): 100 active in the first three desa, 99 in
  the fourth;
- one BPD member of each of the first five desa is a PERISAI agent.

So the regency holds 3,379 of 3,379 BPD seats, 900 of 12,300 RT/RW and 660 of 10,400
Linmas, and 5,338 active participants. Members, roles and enrollments are written with
``bulk_create`` (the services are tested elsewhere); every row passes the constraints.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from members.models import Enrollment, Member, MemberRole
from villages.models import Region, VillageSeat

BANYUMAS = "33.02"
DESA, VILLAGES, DISTRICTS = 301, 331, 27

BPD_SEATS, RT_SEATS, RW_SEATS, LINMAS_SEATS = 3_379, 9_800, 2_500, 10_400
RT_ACTIVE, RT_SUBMITTED, RW_ACTIVE, LINMAS_ACTIVE = 700, 50, 200, 660
RENTAN_ACTIVE = 399
PARTICIPANTS = BPD_SEATS + RT_ACTIVE + RW_ACTIVE + LINMAS_ACTIVE + RENTAN_ACTIVE  # 5,338


def spread(total: int, count: int) -> list[int]:
    base, extra = divmod(total, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


@dataclass
class Regency:
    villages: list[Region]
    desa: list[Region]


_serials = itertools.count(1)


def build_banyumas() -> Regency:
    villages = list(Region.objects.filter(level="village", regency__code=BANYUMAS).order_by("code"))
    desa = [v for v in villages if v.code[9] == "2"]
    assert (len(villages), len(desa)) == (VILLAGES, DESA)

    seats = []
    for category, total, where in (
        ("bpd", BPD_SEATS, desa),
        ("rt", RT_SEATS, villages),
        ("rw", RW_SEATS, villages),
        ("linmas", LINMAS_SEATS, villages),
    ):
        seats += [
            VillageSeat(village=village, category=category, count=count)
            for village, count in zip(where, spread(total, len(where)), strict=True)
        ]
    VillageSeat.objects.bulk_create(seats)

    people: list[tuple[Region, str, str, bool]] = []  # village, category, status, perisai
    for index, (village, count) in enumerate(zip(desa, spread(BPD_SEATS, DESA), strict=True)):
        people += [(village, "bpd", "active", index < 5 and n == 0) for n in range(count)]
    for index, village in enumerate(villages):
        if index < 70:
            people += [(village, "rt", "active", False)] * 10
        if index < 10:
            people += [(village, "rt", "submitted", False)] * 5
        if index < 100:
            people += [(village, "rw", "active", False)] * 2
        if index < 66:
            people += [(village, "linmas", "active", False)] * 10
    for village, count in zip(desa[:4], (100, 100, 100, 99), strict=True):
        people += [(village, "pekerja_rentan", "active", False)] * count
    write_members(people)
    return Regency(villages=villages, desa=desa)


def write_members(people: list[tuple[Region, str, str, bool]]) -> list[Member]:
    """One member, role and BPU enrollment (JKK + JKM, ADD) per ``(village, category,
    status, perisai)``; active ones carry a KPJ number and start on 1 January 2025."""
    born = datetime.date(1975, 1, 1)
    members = []
    for village, category, _status, perisai in people:
        serial = next(_serials)
        birth = born + datetime.timedelta(days=serial % 9_000)
        members.append(
            Member(
                village=village,
                nik=f"{village.code[:8].replace('.', '')}{birth:%d%m%y}{serial % 10_000:04d}",
                full_name=f"Warga {serial}",
                birth_date=birth,
                sex="male",
                occupation="petani" if category == "pekerja_rentan" else None,
                is_perisai=perisai,
            )
        )
    Member.objects.bulk_create(members, batch_size=1000)
    MemberRole.objects.bulk_create(
        [
            MemberRole(member=member, category=category)
            for member, (_v, category, _s, _p) in zip(members, people, strict=True)
        ],
        batch_size=1000,
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                member=member,
                status=status,
                segment="bpu",
                jkk=True,
                jkm=True,
                declared_income=1_000_000,
                funding_source="apbd" if category == "pekerja_rentan" else "add",
                kpj_number=f"8{member.pk:010d}" if status == "active" else None,
                effective_from=datetime.date(2025, 1, 1) if status == "active" else None,
            )
            for member, (_v, category, status, _p) in zip(members, people, strict=True)
        ],
        batch_size=1000,
    )
    return members
