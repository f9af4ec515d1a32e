"""A guard for work that must end: it fails the test (rather than timing it) when it hangs."""

from __future__ import annotations

import signal
from contextlib import contextmanager


@contextmanager
def must_not_hang(seconds: int = 30, what: str = "the work"):
    def stop(*_):
        raise AssertionError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
