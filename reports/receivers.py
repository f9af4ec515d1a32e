"""Where reports answers the apps below it (their signals.py declare what is sent).

- ``villages.signals.figures_changed``: the villages' progress is marked stale in the
  writer's transaction, and one refresh per transaction is queued once it commits.

(A village's body shows its progress through reports/progress.py, which the URL conf
hands to /villages/: see jamsostek/urls.py.)
"""

from __future__ import annotations

from django.db import transaction

from jamsostek.core.tasks import enqueue
from villages import signals as village_signals

from . import services, tasks


def connect() -> None:
    """Called once, from ``ReportsConfig.ready()``."""
    village_signals.figures_changed.connect(
        progress_mark_stale, dispatch_uid="reports.progress_mark_stale"
    )


def progress_mark_stale(sender, *, village_ids, **kwargs) -> None:
    if not services.progress_mark_stale(village_ids=village_ids):
        return
    # One refresh per transaction, however many rows it changed (an import: thousands).
    pending = transaction.get_connection().run_on_commit
    if not any(entry[1] is _enqueue_refresh for entry in pending):
        transaction.on_commit(_enqueue_refresh)


def _enqueue_refresh() -> None:
    # Never fails the committed write: a broker that is down leaves the rows stale for the
    # ten-minute sweep (beat: refresh-stale-progress).
    enqueue(tasks.progress_refresh_stale)
