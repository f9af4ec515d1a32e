"""What an enrollment costs per month: the rate rows and reliefs in force on the month's
first day, and the sector the participant's occupation belongs to. The one home of the
money rule: bills, member bodies and the export all price through :class:`RateTable`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import percent_of, round_rupiah

from .models import Basis, OccupationSector, Rate, Relief


def in_force(day: datetime.date) -> Q:
    return (Q(effective_to__isnull=True) | Q(effective_to__gte=day)) & Q(effective_from__lte=day)


def rates_on(day: datetime.date):
    """The rate rows in force on ``day``."""
    return Rate.objects.filter(in_force(day))


def reliefs_on(day: datetime.date):
    """The relief rows in force on ``day``."""
    return Relief.objects.filter(in_force(day))


@dataclass(frozen=True)
class Terms:
    """The money-relevant terms of an enrollment: what it takes, on what base, paid from
    where, by someone of which occupation (for the sector a relief names)."""

    segment: str
    programs: tuple[str, ...]
    declared_income: int | None = None
    wage: int | None = None
    risk_class: str | None = None
    funding_source: str | None = None
    occupation: str | None = None

    @classmethod
    def of(cls, enrollment) -> Terms:
        return cls(
            enrollment.segment,
            tuple(enrollment.programs),
            enrollment.declared_income,
            enrollment.wage,
            enrollment.risk_class,
            enrollment.funding_source,
            enrollment.member.occupation,
        )


@dataclass(frozen=True)
class Quote:
    """A month's price: ``detail`` is ``{program: {"employer", "worker", "normal",
    "relief"}}`` (the shares due, both shares without the relief, what it took off)."""

    detail: dict[str, dict[str, int]]
    relief: Relief | None


class RateTable:
    """The rows in force on one day, read once and used for many members; each distinct
    set of terms is priced once."""

    def __init__(
        self,
        day: datetime.date,
        rows: Iterable[Rate] | None = None,
        reliefs: Iterable[Relief] | None = None,
        sectors: dict[str, str] | None = None,
    ):
        self.day = day
        self._rows: dict[tuple[str, str, str | None], Rate] = {}
        for row in rows if rows is not None else rates_on(day):
            key = (row.segment, row.program, row.risk_class)
            # Should two rows overlap, the one that started later wins.
            if key not in self._rows or row.effective_from > self._rows[key].effective_from:
                self._rows[key] = row
        self._reliefs = list(reliefs if reliefs is not None else reliefs_on(day))
        self._sectors = (
            sectors
            if sectors is not None
            else dict(OccupationSector.objects.values_list("occupation", "sector"))
        )
        self._quotes: dict[Terms, Quote] = {}

    @classmethod
    def for_month(cls, period: datetime.date) -> RateTable:
        """Rates and reliefs of a month are those in force on its first day."""
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

    def sector_of(self, occupation: str | None) -> str | None:
        return self._sectors.get(occupation or "")

    def relief_for(self, terms: Terms) -> Relief | None:
        """The relief these terms get this month: of their segment and sector, not excluded
        by their funding source, for one of their programs. Should two apply, the one that
        started later (then the larger) wins."""
        sector = self.sector_of(terms.occupation)
        applying = [
            relief
            for relief in self._reliefs
            if relief.segment == terms.segment
            and (not relief.sectors or sector in relief.sectors)
            and terms.funding_source not in relief.excluded_funding_sources
            and set(relief.programs) & set(terms.programs)
        ]
        return max(
            applying, key=lambda r: (r.effective_from, r.percent_off, r.pk or 0), default=None
        )

    def quote(self, terms: Terms) -> Quote:
        """The month's price of ``terms``, each program's share rounded half up."""
        if terms not in self._quotes:
            self._quotes[terms] = self._price(terms)
        return self._quotes[terms]

    def contribution(self, terms: Terms) -> dict[str, dict[str, int]]:
        """``{program: {"employer", "worker", "normal", "relief"}}`` in whole rupiah."""
        return self.quote(terms).detail

    def _price(self, terms: Terms) -> Quote:
        base = terms.declared_income if terms.segment == "bpu" else terms.wage
        relief = self.relief_for(terms)
        detail = {}
        for program in terms.programs:
            row = self.rate(terms.segment, program, terms.risk_class)
            if row.basis == Basis.FLAT:
                shares = {
                    "employer": Decimal(row.employer_value),
                    "worker": Decimal(row.worker_value),
                }
            else:
                bounded = base or 0
                if row.base_min is not None:
                    bounded = max(bounded, row.base_min)
                if row.base_max is not None:
                    bounded = min(bounded, row.base_max)
                shares = {
                    "employer": percent_of(bounded, row.employer_value),
                    "worker": percent_of(bounded, row.worker_value),
                }
            kept = Decimal(100)
            if relief is not None and program in relief.programs:
                kept -= Decimal(relief.percent_off)
            due = {share: round_rupiah(value * kept / 100) for share, value in shares.items()}
            normal = sum(round_rupiah(value) for value in shares.values())
            detail[program] = {
                **due,
                "normal": normal,
                "relief": normal - due["employer"] - due["worker"],
            }
        applied = relief if any(d["relief"] for d in detail.values()) else None
        return Quote(detail, applied)
