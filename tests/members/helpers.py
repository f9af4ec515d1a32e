"""Builders shared by the members tests: valid NIKs, request bodies and enrollment terms.

Members themselves, in each status, come from tests/factories.py (``MemberFactory``).
"""

from __future__ import annotations

import datetime
import itertools

from members.models import Member

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


def kpj_for(member: Member, attempt: int = 0) -> str:
    """The KPJ number a member's ``attempt``-th activation is given (the card's number)."""
    return f"{attempt + 1}{member.pk:010d}"


def status_of(member: Member) -> str:
    """The status of the member's newest enrollment, read from the database."""
    return member.enrollments.order_by("-pk").values_list("status", flat=True).first()
