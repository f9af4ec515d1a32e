"""Adding and closing rate and relief rows: the money rules as data, each change kept.

Rows are never edited in place: a figure that changes gets a new row from the month it
applies, and the old one closes the month before. Both write a ``RuleChange`` (who,
when, on what authority, what changed). Months already billed follow a change only when
they are re-priced (``contributions.services.repricing``).
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError, ConflictError
from members.models import FundingSource, Program, Segment

from ..models import Rate, Relief, RuleChange

# Funding sources a relief may exclude: ours, and the national budget that pays some BPU.
EXCLUDABLE_SOURCES = [*FundingSource.values, "apbn"]


def _month_bounds(effective_from: datetime.date, effective_to: datetime.date | None) -> None:
    """Rules apply to contribution months, priced on their first day: a row starts on a
    month's first day and ends on a month's last."""
    if effective_from.day != 1:
        raise ApplicationError(
            _("A rule starts on the first day of a month."),
            code="not_a_month_start",
            attr="effective_from",
        )
    if effective_to is not None:
        last = calendar.monthrange(effective_to.year, effective_to.month)[1]
        if effective_to.day != last:
            raise ApplicationError(
                _("A rule ends on the last day of a month."),
                code="not_a_month_end",
                attr="effective_to",
            )
        if effective_to < effective_from:
            raise ApplicationError(
                _("A rule cannot end before it starts."), code="period_order", attr="effective_to"
            )


def _overlapping_rates(*, program, segment, risk_class, start, end, exclude_pk=None):
    rows = Rate.objects.filter(program=program, segment=segment, risk_class=risk_class)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    # Two periods overlap when each starts before the other ends.
    rows = rows.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
    return rows.filter(effective_from__lte=end) if end else rows


def rate_overlap_message() -> str:
    return _("Another rate of this program and segment is in force in that period: end it first.")


@transaction.atomic
def rate_create(
    *,
    actor,
    program: str,
    segment: str,
    basis: str,
    employer_value: Decimal,
    worker_value: Decimal,
    effective_from: datetime.date,
    source: str,
    risk_class: str | None = None,
    base_min: int | None = None,
    base_max: int | None = None,
    effective_to: datetime.date | None = None,
) -> Rate:
    """Add a rate row from ``effective_from``; the row in force before must end first."""
    _month_bounds(effective_from, effective_to)
    if risk_class is not None and not (segment == Segment.PU and program == Program.JKK):
        raise ApplicationError(
            _("Only PU's JKK rates have a risk class."), code="not_for_risk", attr="risk_class"
        )
    if base_min is not None and base_max is not None and base_min > base_max:
        raise ApplicationError(
            _("The lowest base cannot be above the cap."), code="base_order", attr="base_max"
        )
    if _overlapping_rates(
        program=program,
        segment=segment,
        risk_class=risk_class,
        start=effective_from,
        end=effective_to,
    ).exists():
        raise ConflictError(rate_overlap_message(), code="rate_overlap", attr="effective_from")
    rate = Rate.objects.create(
        program=program,
        segment=segment,
        risk_class=risk_class,
        basis=basis,
        employer_value=employer_value,
        worker_value=worker_value,
        base_min=base_min,
        base_max=base_max,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source,
    )
    RuleChange.objects.create(
        rate=rate, action=RuleChange.Action.CREATED, actor=actor, source=source
    )
    return rate


def _close(row, *, actor, effective_to: datetime.date, source: str):
    """End a rate or relief row on ``effective_to``; rows end earlier, never later."""
    row = type(row).objects.select_for_update().get(pk=row.pk)
    _month_bounds(row.effective_from, effective_to)
    if row.effective_to is not None and effective_to > row.effective_to:
        raise ConflictError(
            _("This row already ends on %(day)s: add a new row instead of extending it.")
            % {"day": row.effective_to.isoformat()},
            code="already_closed",
            attr="effective_to",
        )
    old = row.effective_to
    row.effective_to = effective_to
    row.save()
    RuleChange.objects.create(
        **{type(row)._meta.model_name: row},
        action=RuleChange.Action.CLOSED,
        actor=actor,
        source=source,
        changes={"effective_to": [old.isoformat() if old else None, effective_to.isoformat()]},
    )
    return row


@transaction.atomic
def rate_close(*, actor, rate: Rate, effective_to: datetime.date, source: str) -> Rate:
    """End a rate row on ``effective_to`` (a month's last day), giving the authority."""
    return _close(rate, actor=actor, effective_to=effective_to, source=source)


def _check_relief(*, programs, sectors, excluded_funding_sources, percent_off) -> None:
    unknown = set(programs) - set(Program.values)
    if not programs or unknown:
        raise ApplicationError(
            _("A relief names one or more of the programs jkk, jkm, jht, jp."),
            code="invalid_programs",
            attr="programs",
        )
    if any(not isinstance(s, str) or not s.strip() for s in sectors):
        raise ApplicationError(
            _("Sectors are names such as transport or other."),
            code="invalid_sectors",
            attr="sectors",
        )
    if set(excluded_funding_sources) - set(EXCLUDABLE_SOURCES):
        raise ApplicationError(
            _("Excluded funding sources are among: %(sources)s.")
            % {"sources": ", ".join(EXCLUDABLE_SOURCES)},
            code="invalid_funding_sources",
            attr="excluded_funding_sources",
        )
    if not Decimal(0) < Decimal(percent_off) <= Decimal(100):
        raise ApplicationError(
            _("A relief takes off more than 0 and at most 100 percent."),
            code="invalid_percent",
            attr="percent_off",
        )


@transaction.atomic
def relief_create(
    *,
    actor,
    name: str,
    segment: str,
    programs: list[str],
    percent_off: Decimal,
    effective_from: datetime.date,
    source: str,
    sectors: list[str] | None = None,
    excluded_funding_sources: list[str] | None = None,
    effective_to: datetime.date | None = None,
    note: str = "",
) -> Relief:
    """Add a relief for the contribution months from ``effective_from`` to ``effective_to``."""
    sectors = [s.strip() for s in sectors or []]
    excluded = list(excluded_funding_sources or [])
    _month_bounds(effective_from, effective_to)
    _check_relief(
        programs=programs,
        sectors=sectors,
        excluded_funding_sources=excluded,
        percent_off=percent_off,
    )
    relief = Relief.objects.create(
        name=name,
        segment=segment,
        programs=sorted(set(programs), key=Program.values.index),
        percent_off=percent_off,
        sectors=sectors,
        excluded_funding_sources=excluded,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source,
        note=note,
    )
    RuleChange.objects.create(
        relief=relief, action=RuleChange.Action.CREATED, actor=actor, source=source
    )
    return relief


@transaction.atomic
def relief_close(*, actor, relief: Relief, effective_to: datetime.date, source: str) -> Relief:
    """End a relief on ``effective_to`` (a month's last day), giving the authority."""
    return _close(relief, actor=actor, effective_to=effective_to, source=source)
