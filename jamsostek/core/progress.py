"""Progress bars for long management commands: on a terminal, never in logs or CI.

A command opens one bar on its stderr and hands ``bar.advance_to`` to the service doing
the work as its ``on_progress(done, total)`` callback; services never import this module's
callers, and a service called without a callback (the API, the console, a worker) reports
nothing. The bar is drawn only when the stream is a terminal, the command's
``--verbosity`` is above 0 and the environment variable ``CI`` is unset or false, so the
commands' output to a file, a pipe, a log or a test is what it was without one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO

from django.core.management.base import OutputWrapper
from tqdm import tqdm

_FALSE = {"", "0", "false", "no", "off"}


def in_ci() -> bool:
    """Whether ``CI`` is set to a true value (CI=true, CI=1, CI=woodpecker...)."""
    return os.environ.get("CI", "").strip().lower() not in _FALSE


def _size(stream) -> tuple[int | None, int | None]:
    """The terminal's columns and lines, 80 by 24 when it reports none (a bare pseudo-
    terminal says 0 by 0, and tqdm would then draw nothing); None for a stream that is no
    terminal's file (tqdm's own defaults)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None, None
    return size.columns or 80, size.lines or 24


class Bar(tqdm):
    def advance_to(self, done: int, total: int | None = None) -> None:
        """An ``on_progress(done, total)`` callback: ``done`` of ``total`` are finished.

        ``total`` may change between calls (a service that learns of more work)."""
        if self.disable:
            return
        if total is not None and total != self.total:
            self.total = total
            self.refresh()
        if done > self.n:
            self.update(done - self.n)


def progress(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    stream: IO[str] | OutputWrapper | None = None,
    unit: str = "it",
    verbosity: int = 1,
) -> Bar:
    """A progress bar on ``stream`` (default ``sys.stderr``), or a silent stand-in.

    Pass a command's ``self.stderr`` and ``options["verbosity"]``. Use it as a context
    manager (or close it) before writing the command's summary, so the two do not share
    a line on the terminal.
    """
    if stream is None:
        stream = sys.stderr
    if isinstance(stream, OutputWrapper):
        # Django's wrapper ends every write with a newline, which would break the bar's
        # carriage-return redraws: the bar writes to the stream underneath.
        stream = stream._out
    quiet = verbosity == 0 or in_ci()
    columns, lines = _size(stream)
    return Bar(
        iterable,
        total=total,
        desc=desc,
        file=stream,
        unit=unit,
        # None: tqdm disables itself unless the stream is a terminal.
        disable=True if quiet else None,
        ncols=columns,
        nrows=lines,
    )
