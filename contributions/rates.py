"""What an enrollment costs per month, from the rate schedule in force."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import percent_of, round_rupiah

from .models import Basis, Rate


def in_force(day: datetime.date) -> Q:
    return (Q(effective_to__isnull=True) | Q(effective_to__gte=day)) & Q(effective_from__lte=day)


def rates_on(day: datetime.date):
    """The rate rows in force on ``day``."""
    return Rate.objects.filter(in_force(day))


@dataclass(frozen=True)
class Terms:
    """The money-relevant terms of an enrollment."""

    segment: str
    programs: tuple[str, ...]
    declared_income: int | None = None
    wage: int | None = None
    risk_class: str | None = None

    @classmethod
    def of(cls, enrollment) -> Terms:
        return cls(
            enrollment.segment,
            tuple(enrollment.programs),
            enrollment.declared_income,
            enrollment.wage,
            enrollment.risk_class,
        )


class RateTable:
    """The rows in force on one day, read once and used for many members."""

    def __init__(self, day: datetime.date, rows: Iterable[Rate] | None = None):
        self.day = day
        self._rows: dict[tuple[str, str, str | None], Rate] = {}
        for row in rows if rows is not None else rates_on(day):
            key = (row.segment, row.program, row.risk_class)
            # Should two rows overlap, the one that started later wins.
            if key not in self._rows or row.effective_from > self._rows[key].effective_from:
                self._rows[key] = row

    @classmethod
    def for_month(cls, period: datetime.date) -> RateTable:
        """Rates of a month are those in force on its first day."""
        return cls(period.replace(day=1))

    def rate(self, segment: str, program: str, risk_class: str | None) -> Rate:
        row = self._rows.get(
            (segment, program, risk_class if program == "jkk" and segment == "pu" else None)
        )
        if row is None:
            raise ApplicationError(
                _("No %(segment)s rate for %(program)s is in force on %(day)s.")
                % {"segment": segment.upper(), "program": program.upper(), "day": self.day},
                code="no_rate",
            )
        return row

    def contribution(self, terms: Terms) -> dict[str, dict[str, int]]:
        """``{program: {"employer": n, "worker": n}}`` in whole rupiah, each share rounded."""
        base = terms.declared_income if terms.segment == "bpu" else terms.wage
        detail = {}
        for program in terms.programs:
            row = self.rate(terms.segment, program, terms.risk_class)
            if row.basis == Basis.FLAT:
                detail[program] = {
                    "employer": round_rupiah(row.employer_value),
                    "worker": round_rupiah(row.worker_value),
                }
                continue
            bounded = base or 0
            if row.base_min is not None:
                bounded = max(bounded, row.base_min)
            if row.base_max is not None:
                bounded = min(bounded, row.base_max)
            detail[program] = {
                "employer": round_rupiah(percent_of(bounded, row.employer_value)),
                "worker": round_rupiah(percent_of(bounded, row.worker_value)),
            }
        return detail
