"""What the console tests share: a frozen clock, a clean login throttle, and a browser.

The clock stands at Thursday 10 July 2025, 10:00 in Jakarta, as in the API's list tests:
bills of January to June are overdue, July's BPU bills (due the 15th) are open.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from freezegun import freeze_time

# Load every view module on the real clock (see tests/contributions/helpers.py).
import jamsostek.urls  # noqa: F401

TODAY = "2025-07-10"


@pytest.fixture(autouse=True)
def clock():
    """10 July 2025, 10:00 in Jakarta."""
    with freeze_time(f"{TODAY} 03:00:00") as frozen:
        yield frozen


@pytest.fixture(autouse=True)
def clean_cache():
    """The failed-login throttle and live import progress live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser(db):
    """A test client logged in as ``user`` (none: anonymous), Indonesian unless told:
    ``browser(operator)``, ``browser(language="en")``."""

    def make(user=None, language: str | None = None) -> Client:
        client = Client()
        if language:
            client.cookies["django_language"] = language
        if user is not None:
            client.force_login(user)
        return client

    return make
