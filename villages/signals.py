"""Every link from villages up to the apps above it.

``figures_changed(sender, village_ids)``
    Sent inside the writing transaction by any write that may move a village's figures
    (seats and target here; members, enrollments and payments above). reports marks the
    villages' progress stale and refreshes it once the transaction commits.

A village's progress, which reports keeps, is not asked for here: the layer above hands
it to whoever shows it (jamsostek/urls.py gives /villages/ reports' functions; the console
calls reports itself).
"""

from django.dispatch import Signal

figures_changed = Signal()
