"""Every link from members up to the apps above it.

Events, sent inside the writing transaction (receivers run in it and roll back with it):

``enrollment_activated(sender, enrollment)``
    An enrollment became active (activated with its KPJ number, or reactivated after its
    arrears were paid). contributions bills the months it is now covered for, once the
    transaction commits.
``enrollment_ended(sender, enrollment)``
    An enrollment ended (``ended_on`` set). contributions takes it off the unpaid bills
    of later months.

A member's figures change a village's too: members sends ``villages.signals.
figures_changed`` with every history entry.

Questions, for the money a member's body, the export and the ``in_arrears`` filter show,
which contributions keeps (its rate schedule, its bills). Each is a signal that the
function of the same name sends, returning the answer of its one receiver (contributions
connects them in ``ContributionsConfig.ready()``):

``enrollment_pricer(day) -> price``  (signal ``enrollment_pricer_asked``, ``day=``)
    ``price(enrollment)`` is ``{"detail": {program: {"employer", "worker", "normal",
    "relief"}}, "relief": {"id", "name", "percent_off", "source"} | None}`` at the rates
    and reliefs of ``day``'s month, or None when no rate is in force.
``enrollment_arrears({enrollment_id: village_id}) -> [(enrollment_id, period, rupiah)]``
    (signal ``enrollment_arrears_asked``, ``villages=``) Each month these enrollments (their
    members of those villages) have lines on overdue bills, in two queries.
``members_in_arrears() -> Q``  (signal ``members_in_arrears_asked``)
    A filter on members keeping those on an overdue bill.

A question takes exactly one answer. With no receiver (the app that keeps the money is not
installed, or its ``ready()`` did not connect) or with several, asking raises
``ImproperlyConfigured``: a member's money is never shown as nothing, nor as whichever of
two answers came first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.dispatch import Signal

from .models import Enrollment, Member

enrollment_activated = Signal()
enrollment_ended = Signal()

enrollment_pricer_asked = Signal()
enrollment_arrears_asked = Signal()
members_in_arrears_asked = Signal()


def _answer(signal: Signal, name: str, sender: type, **kwargs):
    """The response of ``signal``'s one receiver."""
    responses = signal.send(sender=sender, **kwargs)
    if len(responses) != 1:
        raise ImproperlyConfigured(
            f"members.signals.{name} takes one answer, from the app that keeps the money "
            f"(contributions, in its AppConfig.ready()); it has {len(responses)}."
        )
    [(_receiver, response)] = responses
    return response


def enrollment_pricer(day: datetime.date) -> Callable[[Enrollment], dict | None]:
    return _answer(enrollment_pricer_asked, "enrollment_pricer", Enrollment, day=day)


def enrollment_arrears(villages: dict[int, int]) -> list[tuple[int, datetime.date, int]]:
    return _answer(enrollment_arrears_asked, "enrollment_arrears", Enrollment, villages=villages)


def members_in_arrears() -> Q:
    return _answer(members_in_arrears_asked, "members_in_arrears", Member)
