"""The Celery application.

Configuration comes from Django settings (the ``CELERY_`` names in
``jamsostek/settings/base.py``), including the beat schedule, which is code, not
database rows. Without ``CELERY_BROKER_URL`` tasks run eagerly in the calling process,
so `make run` needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jamsostek.settings.base")

app = Celery("jamsostek")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
