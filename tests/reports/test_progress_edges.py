"""Progress rows where members are not one role and one enrollment each: several roles,
ended roles, PERISAI agents without a role, members without any role."""

from __future__ import annotations

import datetime

import pytest

from members.models import Enrollment, Member, MemberRole
from reports.models import CategoryProgress, VillageProgress
from reports.services import progress_refresh
from villages.models import Region, VillageSeat

pytestmark = pytest.mark.django_db

VILLAGE = "33.02.01.2001"


def person(village, name: str, *, perisai=False, roles=(), enrollments=(), ended=()):
    """A member with open ``roles``, ended roles ``ended`` and enrollments of those
    statuses, in order (at most one of them open)."""
    serial = sum(map(ord, name)) % 10_000
    member = Member.objects.create(
        village=village,
        nik=f"330201010175{serial:04d}",
        full_name=name,
        birth_date=datetime.date(1975, 1, 1),
        sex="female",
        is_perisai=perisai,
    )
    for category in roles:
        MemberRole.objects.create(member=member, category=category)
    for category in ended:
        MemberRole.objects.create(
            member=member, category=category, ended_on=datetime.date(2025, 6, 30)
        )
    for index, status in enumerate(enrollments):
        covered = status in ("active", "lapsed", "ended")
        Enrollment.objects.create(
            member=member,
            status=status,
            segment="bpu",
            jkk=True,
            jkm=True,
            declared_income=1_000_000,
            funding_source="add",
            kpj_number=f"9{member.pk:08d}{index:02d}" if covered else None,
            effective_from=datetime.date(2025, 1, 1) if covered else None,
            lapsed_on=datetime.date(2025, 9, 1) if status == "lapsed" else None,
            ended_on=datetime.date(2025, 3, 31) if status == "ended" else None,
            end_reason="resigned" if status == "ended" else None,
        )
    return member


def test_members_with_several_roles_and_enrollments_count_once_where_they_should():
    # Given a village with one kepala desa seat nobody holds, and
    village = Region.objects.get(code=VILLAGE)
    VillageSeat.objects.create(village=village, category="kepala_desa", count=1)
    # an RT head registered twice as RT, with an active and an ended enrollment,
    person(village, "Ani", roles=["rt", "rt"], enrollments=["ended", "active"])
    # a PERISAI agent in Linmas without an enrollment,
    person(village, "Budi", perisai=True, roles=["linmas"])
    # a PERISAI agent whose only role ended, still enrolled (no role: no agent),
    person(village, "Citra", perisai=True, ended=["bpd"], enrollments=["active"])
    # a BPD member who is also a vulnerable worker, with an ended and an active enrollment,
    person(village, "Dewi", roles=["bpd", "pekerja_rentan"], enrollments=["ended", "active"])
    # and an RW head whose enrollment lapsed
    person(village, "Eko", roles=["rw"], enrollments=["lapsed"])

    # When the progress is refreshed
    progress_refresh(villages=Region.objects.filter(pk=village.pk))

    # Then each category counts its members once, active when they hold an active enrollment
    rows = {
        row.category: (row.positions, row.registered, row.active)
        for row in CategoryProgress.objects.filter(village=village)
    }
    assert rows == {
        "kepala_desa": (1, 0, 0),
        "rt": (0, 1, 1),
        "linmas": (0, 1, 0),
        "bpd": (0, 1, 1),
        "pekerja_rentan": (0, 1, 1),
        "rw": (0, 1, 0),
    }
    # And the village row counts active enrollments, agents with an open role and the
    # vulnerable workers active
    progress = VillageProgress.objects.get(village=village)
    assert progress.participants_active == 3  # Ani, Citra and Dewi
    assert progress.perisai_agents == 1
    assert progress.rentan_active == 1
    assert (progress.arrears_outstanding, progress.arrears_months) == (0, 0)
