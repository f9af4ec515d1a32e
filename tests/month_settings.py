"""Settings of the worker and beat processes of the end-to-end month (tests/core/test_month.py).

The production settings, with e-mail written to files the test reads and a beat schedule
the test gives as JSON in ``MONTH_BEAT_SCHEDULE``: ``[name, task, kwargs, seconds]`` rows,
so that a month's jobs, each for its own day, fire every few seconds.
"""

import json
import os

from jamsostek.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["MONTH_MAIL_DIR"]
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": float(seconds), "kwargs": kwargs}
    for name, task, kwargs, seconds in json.loads(os.environ["MONTH_BEAT_SCHEDULE"])
}
