"""Builders shared by the members tests: valid NIKs, request bodies, members in each status."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from members import selectors
from members.models import EndReason, Member, Status
from members.services import lifecycle, registration

_serials = itertools.count(1)


def make_nik(
    district: str = "33.26.13",
    birth: datetime.date = datetime.date(1985, 7, 5),
    sex: str = "female",
    serial: int | None = None,
) -> str:
    """A NIK that passes every check: district, DDMMYY (+40 for women), serial."""
    day = birth.day + (40 if sex == "female" else 0)
    serial = next(_serials) if serial is None else serial
    return f"{district.replace('.', '')}{day:02d}{birth:%m%y}{serial:04d}"


def example_body(**overrides) -> dict:
    """The body of API.md's example (Siti Aminah, BPD of Kwayangan), with ``overrides``."""
    body = {
        "village": "33.26.13.2008",
        "nik": "3326134507850001",
        "full_name": "Siti Aminah",
        "birth_date": "1985-07-05",
        "sex": "female",
        "phone": "081234567890",
        "roles": [
            {
                "category": "bpd",
                "position": "Ketua BPD",
                "term_start": "2023-01-01",
                "term_end": "2028-12-31",
            }
        ],
        "occupation": None,
        "enrollment": {
            "segment": "bpu",
            "programs": ["jkk", "jkm"],
            "declared_income": 1000000,
            "funding_source": "add",
        },
    }
    body.update(overrides)
    return body


def bpu_terms(**overrides) -> dict:
    terms = {
        "segment": "bpu",
        "programs": ["jkk", "jkm"],
        "declared_income": 1_000_000,
        "funding_source": "add",
    }
    terms.update(overrides)
    return terms


def pu_terms(**overrides) -> dict:
    terms = {
        "segment": "pu",
        "programs": ["jkk", "jkm", "jht", "jp"],
        "wage": 2_400_000,
        "risk_class": "very_low",
        "funding_source": "add",
    }
    terms.update(overrides)
    return terms


def create_member(
    actor,
    *,
    village: str = "33.26.13.2008",
    full_name: str = "Slamet Riyadi",
    sex: str = "male",
    birth: datetime.date = datetime.date(1980, 3, 14),
    nik: str | None = None,
    category: str = "rt",
    roles: list[dict] | None = None,
    occupation: str | None = None,
    enrollment: dict | None | bool = True,
    is_perisai: bool = False,
) -> Member:
    """A member registered through the service layer (as an admin unless told otherwise)."""
    if enrollment is True:
        enrollment = bpu_terms()
    if roles is None:
        roles = [{"category": category, "position": category.upper()}]
    if category == "pekerja_rentan" and occupation is None:
        occupation = "petani"
    outcome = registration.member_create(
        actor=actor,
        village=village,
        nik=nik or make_nik(village[:8], birth, sex),
        full_name=full_name,
        birth_date=birth,
        sex=sex,
        roles=roles,
        occupation=occupation,
        is_perisai=is_perisai,
        enrollment=enrollment or None,
    )
    return outcome.member


def kpj_for(member: Member, attempt: int = 0) -> str:
    return f"{attempt + 1}{member.pk:010d}"


EFFECTIVE_FROM = datetime.date(2024, 1, 1)
ENDED_ON = datetime.date(2024, 6, 30)


def bring_to(member: Member, status: str, actor) -> Member:
    """Walk ``member``'s draft enrollment along the lifecycle to ``status``."""
    if status == Status.DRAFT:
        return member
    lifecycle.enrollment_submit(actor=actor, member=member)
    if status == Status.SUBMITTED:
        return member
    lifecycle.enrollment_activate(
        actor=actor, member=member, kpj_number=kpj_for(member), effective_from=EFFECTIVE_FROM
    )
    if status == Status.ACTIVE:
        return member
    if status == Status.LAPSED:
        # As the nightly rules lapse it (arrears_rules_apply → enrollments_lapse).
        enrollment = selectors.enrollment_open(member)
        lifecycle.enrollments_lapse(ids=[enrollment.pk], on=timezone.localdate(), reasons={})
        return member
    lifecycle.enrollment_end(actor=actor, member=member, reason=EndReason.RESIGNED, date=ENDED_ON)
    return member


def status_of(member: Member) -> str:
    """The status of the member's newest enrollment, read from the database."""
    return member.enrollments.order_by("-pk").values_list("status", flat=True).first()
