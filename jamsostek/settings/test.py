"""Settings for the test suite.

The database is whatever ``DATABASE_URL`` says (the machine's server in CI) or, without
it, an embedded PostgreSQL in a temporary directory of this run's own: the first process
of the run picks the directory and its children (pytest-xdist's workers, the Celery
processes a test starts) inherit it, so they share one server, deleted at the end
(jamsostek/core/localdb). Tasks always run eagerly here; the tests marked ``worker``
switch a real worker on for themselves when ``CELERY_BROKER_URL`` names a Redis broker.
"""

import os

from jamsostek.core import localdb

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
if not os.environ.get("DATABASE_URL"):
    # Never the data of `make run` (EMBEDDED_PGDATA in .env or the shell): this run's own.
    os.environ.setdefault("JAMSOSTEK_TEST_PGDATA", str(localdb.disposable_pgdata()))
    os.environ["EMBEDDED_PGDATA"] = os.environ["JAMSOSTEK_TEST_PGDATA"]
    os.environ["EMBEDDED_PGDATA_DISPOSABLE"] = "1"

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
