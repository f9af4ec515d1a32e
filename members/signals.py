"""Every link from members up to the apps above it (see jamsostek/core/hooks.py).

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

Hooks, answered by contributions (prices come from its rate schedule, arrears from its
bills):

``enrollment_pricer(day) -> price``
    ``price(enrollment)`` is ``{"detail": {program: {"employer", "worker", "normal",
    "relief"}}, "relief": {"id", "name", "percent_off", "source"} | None}`` at the rates
    and reliefs of ``day``'s month, or None when no rate is in force.
``enrollment_arrears({enrollment_id: village_id}) -> [(enrollment_id, period, rupiah)]``
    Each month these enrollments (their members of those villages) have lines on overdue
    bills, in two queries.
``members_in_arrears() -> Q``
    A filter on members keeping those on an overdue bill.
"""

from django.dispatch import Signal

from jamsostek.core.hooks import Hook

enrollment_activated = Signal()
enrollment_ended = Signal()

enrollment_pricer = Hook("members.enrollment_pricer")
enrollment_arrears = Hook("members.enrollment_arrears")
members_in_arrears = Hook("members.members_in_arrears")
