"""Run a scheduled job by hand: the same task beat runs, for a given day or month."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError


class JobCommand(BaseCommand):
    """A management command that runs one Celery task in this process and prints its result."""

    task = None  # the task function
    takes = "date"  # "date" (--date YYYY-MM-DD), "period" (--period YYYY-MM) or None

    def add_arguments(self, parser):
        if self.takes == "date":
            parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default today)")
        elif self.takes == "period":
            parser.add_argument("--period", help="the month, YYYY-MM (default this month)")

    def handle(self, *args, **options):
        kwargs = {}
        if self.takes == "date" and options.get("date"):
            try:
                datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date takes YYYY-MM-DD") from exc
            kwargs["today"] = options["date"]
        if self.takes == "period" and options.get("period"):
            kwargs["period"] = options["period"]
        try:
            result = self.task(**kwargs)  # in this process, whatever the broker
        except Exception as exc:
            if exc.__class__.__name__ == "ApplicationError":
                raise CommandError(str(exc)) from exc
            raise
        self.stdout.write(json.dumps(result, default=str))
