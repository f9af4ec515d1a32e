"""The Nomor Induk Kependudukan (NIK): 16 digits that say where and when a person was born.

    PP KK CC DDMMYY SSSS
    province, regency, district of first registration, birth date (women add 40 to the
    day), serial from 0001.

A NIK never changes when its holder moves, and region codes get split over the years, so
an unknown district is only a warning; an unknown province or regency is an error.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# ASCII digits only: \d would also accept Arabic-Indic or fullwidth digits.
NIK_PATTERN = re.compile(r"[0-9]{16}")


@dataclass(frozen=True)
class NikParts:
    province: str  # "33"
    regency: str  # "33.26"
    district: str  # "33.26.13"
    day: int  # as written: 1-31 for men, 41-71 for women
    month: int
    year2: int  # two digits
    serial: str

    @property
    def sex(self) -> str:
        return "female" if self.day > 40 else "male"

    @property
    def birth_day(self) -> int:
        return self.day - 40 if self.day > 40 else self.day


@dataclass
class NikCheck:
    """The outcome of checking a NIK: ``errors`` refuse it, ``warnings`` only inform."""

    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (code, attr, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def split_nik(nik: str) -> NikParts | None:
    if not NIK_PATTERN.fullmatch(nik or ""):
        return None
    return NikParts(
        province=nik[0:2],
        regency=f"{nik[0:2]}.{nik[2:4]}",
        district=f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}",
        day=int(nik[6:8]),
        month=int(nik[8:10]),
        year2=int(nik[10:12]),
        serial=nik[12:16],
    )


def mask_nik(nik: str) -> str:
    """``3326134507850001`` → ``3326********0001``: enough to tell people apart in a list."""
    return f"{nik[:4]}{'*' * 8}{nik[12:]}" if nik and len(nik) == 16 else "****************"


def check_nik(
    nik: str,
    *,
    birth_date: datetime.date | None,
    sex: str | None,
    known_codes: set[str],
) -> NikCheck:
    """Check ``nik`` against the person's birth date and sex and the region codes known.

    ``known_codes`` must hold the codes of the NIK's province, regency and district if they
    exist (see :func:`nik_region_codes`).
    """
    result = NikCheck()
    parts = split_nik(nik)
    if parts is None:
        result.errors.append(("nik_format", "nik", _("A NIK is exactly 16 digits.")))
        return result
    if parts.province not in known_codes:
        result.errors.append(
            (
                "nik_province",
                "nik",
                _("The NIK starts with %(code)s, which is not a province code.")
                % {"code": parts.province},
            )
        )
    elif parts.regency not in known_codes:
        result.errors.append(
            (
                "nik_regency",
                "nik",
                _("The NIK's regency part %(code)s is not a regency of province %(province)s.")
                % {"code": parts.regency, "province": parts.province},
            )
        )
    elif parts.district not in known_codes:
        result.warnings.append(
            (
                "nik_district_unknown",
                _(
                    "The NIK's district part %(code)s is not a current district code; it may have "
                    "been split or renamed since the NIK was issued."
                )
                % {"code": parts.district},
            )
        )
    if parts.serial == "0000":
        result.errors.append(("nik_serial", "nik", _("The NIK's last four digits cannot be 0000.")))
    if not (1 <= parts.birth_day <= 31 and 1 <= parts.month <= 12) or not _valid_date(parts):
        result.errors.append(
            (
                "nik_birth_date",
                "nik",
                _(
                    "Digits 7 to 12 of the NIK must be a birth date (DDMMYY, women add 40 to the day)."
                ),
            )
        )
        return result
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        parts.birth_day,
        parts.month,
        parts.year2,
    ):
        result.errors.append(
            (
                "nik_birth_date_mismatch",
                "birth_date",
                _("The birth date does not match the NIK, which says %(date)s.")
                % {"date": f"{parts.birth_day:02d}/{parts.month:02d}/{parts.year2:02d} (DD/MM/YY)"},
            )
        )
    if sex is not None and sex != parts.sex:
        result.errors.append(
            (
                "nik_sex_mismatch",
                "sex",
                _("The sex does not match the NIK: for women the NIK adds 40 to the day of birth."),
            )
        )
    return result


def _valid_date(parts: NikParts) -> bool:
    # A 29 February is only valid in a leap year: try both centuries the two digits allow.
    for century in (1900, 2000):
        try:
            datetime.date(century + parts.year2, parts.month, parts.birth_day)
            return True
        except ValueError:
            continue
    return False


def nik_region_codes(nik: str) -> list[str]:
    parts = split_nik(nik)
    return [] if parts is None else [parts.province, parts.regency, parts.district]
