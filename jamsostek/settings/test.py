"""Settings for the test suite.

The database is whatever ``DATABASE_URL`` says (SQLite by default, PostgreSQL in CI).
Tasks always run eagerly here; the tests marked ``worker`` switch a real worker on
for themselves when ``CELERY_BROKER_URL`` names a Redis broker.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: E402, F403
from .base import CELERY_BROKER_URL, REST_FRAMEWORK  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The broker a ``worker`` test uses; empty when the run has no Redis.
TEST_CELERY_BROKER_URL = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"login_failures": "5/hour"},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
