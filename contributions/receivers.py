"""Where contributions answers members (whose signals.py declares what is sent and asked).

- ``enrollment_activated``: once the transaction commits, a task bills the months the
  enrollment is now covered for.
- ``enrollment_ended``: its lines on unpaid bills of later months go, in the same
  transaction.
- ``enrollment_pricer_asked``: an enrollment's monthly price from the rate schedule in
  force.
- ``enrollment_arrears_asked`` / ``members_in_arrears_asked``: members' arrears from the
  overdue bills.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction

from jamsostek.core.errors import ApplicationError
from jamsostek.core.tasks import enqueue
from members import signals as member_signals

from . import selectors, tasks
from .rates import RateTable, Terms
from .services.billing.enrollments import bill_lines_remove_after_end


def connect() -> None:
    """Called once, from ``ContributionsConfig.ready()``."""
    member_signals.enrollment_activated.connect(
        bill_activated_enrollment, dispatch_uid="contributions.bill_activated_enrollment"
    )
    member_signals.enrollment_ended.connect(
        unbill_ended_enrollment, dispatch_uid="contributions.unbill_ended_enrollment"
    )
    member_signals.enrollment_pricer_asked.connect(
        answer_enrollment_pricer, dispatch_uid="contributions.answer_enrollment_pricer"
    )
    member_signals.enrollment_arrears_asked.connect(
        answer_enrollment_arrears, dispatch_uid="contributions.answer_enrollment_arrears"
    )
    member_signals.members_in_arrears_asked.connect(
        answer_members_in_arrears, dispatch_uid="contributions.answer_members_in_arrears"
    )


def bill_activated_enrollment(sender, *, enrollment, **kwargs) -> None:
    # Queued after the commit, never failing it; a broker that is down leaves the months to
    # the hourly sweep (beat: bill-recent-activations).
    transaction.on_commit(lambda pk=enrollment.pk: enqueue(tasks.bills_generate_for_enrollment, pk))


def unbill_ended_enrollment(sender, *, enrollment, **kwargs) -> None:
    bill_lines_remove_after_end(enrollment=enrollment)


def answer_enrollment_pricer(sender, *, day: datetime.date, **kwargs) -> Callable:
    return enrollment_pricer(day)


def answer_enrollment_arrears(sender, *, villages: dict[int, int], **kwargs) -> list:
    return selectors.enrollment_arrears(villages)


def answer_members_in_arrears(sender, **kwargs):
    return selectors.members_in_arrears()


def enrollment_pricer(day: datetime.date) -> Callable:
    """``price(enrollment)`` at the rates and reliefs of ``day``'s month: ``{"detail": ...,
    "relief": {id, name, percent_off, source} | None}``, or None where no rate is in force."""
    table = RateTable.for_month(day)

    def price(enrollment) -> dict | None:
        try:
            quote = table.quote(Terms.of(enrollment))
        except ApplicationError:
            return None
        relief = quote.relief
        return {
            "detail": quote.detail,
            "relief": None
            if relief is None
            else {
                "id": relief.pk,
                "name": relief.name,
                "percent_off": relief.percent_off,
                "source": relief.source,
            },
        }

    return price
