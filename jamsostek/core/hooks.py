"""Questions a lower app asks and an app above it answers: the apps' one way up for reads.

The apps stack one way (docs/architecture.md): ``villages ← members ← contributions ←
reports``. When a lower app's event must cause work above it, it sends a Django signal
it declares; when a lower app must *show* a figure only a higher app knows (a member's
monthly price and arrears, a village's progress), it declares a :class:`Hook` beside its
signals, in its ``signals.py``, and the higher app answers it from its
``AppConfig.ready()``. A reader finds every link upward in those two files per app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """A function declared by one app and provided by exactly one app above it."""

    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.__doc__ = doc
        self._answer: Callable[..., Any] | None = None

    def answer(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Make ``function`` the answer (from the answering app's ``ready()``)."""
        if self._answer is not None and self._answer is not function:
            raise ImproperlyConfigured(f"{self.name} is already answered by {self._answer!r}")
        self._answer = function
        return function

    def __call__(self, *args, **kwargs):
        if self._answer is None:
            raise ImproperlyConfigured(
                f"Nothing answers {self.name}: is the app that answers it installed?"
            )
        return self._answer(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
