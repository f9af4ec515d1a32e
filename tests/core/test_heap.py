"""The WSGI entry point settles the heap after startup (jamsostek/core/heap.py).

Watched in a fresh interpreter, as gunicorn loads ``jamsostek.wsgi``: in this test process
the views are long imported and other tests may have frozen the heap already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules of views that nothing imports until the URL conf is read (Django reads it on the
# first request, unless the heap is settled first).
VIEW_MODULES = ["villages.api", "members.api.members", "contributions.api", "console.views"]

PROBE = textwrap.dedent(
    """
    import gc, json, sys

    views = {views!r}
    made_before = ["an object made before the application loads"]
    imported_before = [name for name in views if name in sys.modules]

    import jamsostek.wsgi  # noqa: F401 - as gunicorn loads it

    made_after = ["an object made once the application is up"]
    tracked = gc.get_objects()  # the collector's three generations, not the permanent one
    print(json.dumps({{
        "imported_before": imported_before,
        "imported_after": [name for name in views if name in sys.modules],
        "frozen": gc.get_freeze_count(),
        "made_before_collected": any(o is made_before for o in tracked),
        "made_after_collected": any(o is made_after for o in tracked),
    }}))
    """
)


def load_the_application() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(views=VIEW_MODULES)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "jamsostek.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_loading_the_wsgi_application_imports_the_views_and_freezes_the_heap():
    # Given a fresh process, in which no view is imported yet
    # When it loads the WSGI application, as gunicorn does
    seen = load_the_application()
    # Then the views were imported at startup, not left to the first request
    assert seen["imported_before"] == []
    assert seen["imported_after"] == VIEW_MODULES
    # And what startup made (modules, classes, URL patterns) sits in the permanent
    # generation: tens of thousands of objects, the one made before among them, which the
    # collector's full passes no longer walk
    assert seen["frozen"] > 10_000
    assert seen["made_before_collected"] is False
    # While what is made afterwards (a request's rows) is collected as before
    assert seen["made_after_collected"] is True
