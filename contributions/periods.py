"""Months as the API writes them (``YYYY-MM``) and the due dates of a month's bill."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.dates import FIRST_YEAR, LAST_YEAR
from jamsostek.core.errors import ApplicationError

PERIOD_PATTERN = re.compile(r"(\d{4})-(\d{2})")


def parse_period(text: str, attr: str = "period") -> datetime.date:
    """``"2025-07"`` → 2025-07-01; a clear 400 for anything else."""
    match = PERIOD_PATTERN.fullmatch(str(text or "").strip())
    if (
        not match
        or not 1 <= int(match.group(2)) <= 12
        or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
    ):
        raise ApplicationError(
            _("A period is a month written YYYY-MM, from 2015-07 to 2100-12."),
            code="invalid_period",
            attr=attr,
        )
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def format_period(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(period: datetime.date) -> datetime.date:
    return add_months(period, 1) - datetime.timedelta(days=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every period from ``start``'s month to ``end``'s month, both included."""
    periods, current = [], start.replace(day=1)
    while current <= end:
        periods.append(current)
        current = add_months(current, 1)
    return periods


@lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself, or the next day that is neither a weekend nor a public holiday."""
    while day.weekday() >= 5 or day in _holidays(day.year):
        day += datetime.timedelta(days=1)
    return day


def due_date(period: datetime.date, segment: str) -> datetime.date:
    """BPU is paid in advance, by the 15th of the month; PU by the 15th of the next month."""
    month = period if segment == "bpu" else add_months(period, 1)
    return next_working_day(month.replace(day=15))


def months_late(due: datetime.date, settled: datetime.date) -> int:
    """Started months past ``due`` on ``settled`` (a day late is one month)."""
    if settled <= due:
        return 0
    months = (settled.year - due.year) * 12 + settled.month - due.month
    return months + (1 if settled.day > due.day else 0)


def billing_start() -> datetime.date:
    """The first month this system bills (earlier months were settled before it)."""
    return parse_period(settings.BILLING_START)


def periods_to_bill(enrollment, today: datetime.date | None = None) -> list[datetime.date]:
    """The months from an enrollment's start (or BILLING_START) to this month."""
    today = today or timezone.localdate()
    start = max(enrollment.effective_from.replace(day=1), billing_start())
    return months_between(start, today)
