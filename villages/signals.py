"""Every link from villages up to the apps above it (see jamsostek/core/hooks.py).

Events:

``figures_changed(sender, village_ids)``
    Sent inside the writing transaction by any write that may move a village's figures
    (seats and target here; members, enrollments and payments above). reports marks the
    villages' progress stale and refreshes it once the transaction commits.

Hooks, answered by reports:

``progress_prefetch(queryset) -> queryset``
    Villages with what ``progress_body`` needs loaded (one query for any number of rows).
``progress_body(village) -> dict``
    The village's progress, the body of ``/villages/<code>/progress/``.
"""

from django.dispatch import Signal

from jamsostek.core.hooks import Hook

figures_changed = Signal()

progress_prefetch = Hook("villages.progress_prefetch")
progress_body = Hook("villages.progress_body")
