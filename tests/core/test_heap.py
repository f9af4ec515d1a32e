"""The WSGI entry point settles the heap after startup."""

from __future__ import annotations

import gc

from jamsostek.core.heap import settle


def test_settling_the_heap_freezes_what_startup_made():
    try:
        # When the heap is settled, as jamsostek/wsgi.py does after startup
        frozen = settle()
        # Then what existed is out of the collector's generations
        assert frozen == gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
