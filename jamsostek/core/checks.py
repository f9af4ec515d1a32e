"""System checks of a deployment's configuration.

jamsostek.E001: production needs a cache every worker process shares. The login throttle
counts failures in the cache; with each gunicorn worker counting in its own memory, three
workers let an attacker try 3 × 10 passwords before the first 429, not 10. `migrate` runs
the checks, so a stack started without REDIS_URL stops there (docker compose's web service
waits for it).

jamsostek.E002: production needs a database server (DATABASE_URL). The embedded PostgreSQL
of `make run` keeps its data beside the code, in no backup, and is not in the image.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

PROCESS_LOCAL = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


EMBEDDED_ENGINE = "jamsostek.core.localdb"


@register()
def database_server(app_configs, **kwargs):
    if not getattr(settings, "REQUIRE_DATABASE_SERVER", False):
        return []
    if settings.DATABASES["default"]["ENGINE"] == EMBEDDED_ENGINE:
        return [
            Error(
                "No DATABASE_URL: the database would be the embedded PostgreSQL of make run.",
                hint="Set DATABASE_URL (e.g. postgres://jamsostek:…@db:5432/jamsostek), as "
                "docker-compose.yml does.",
                id="jamsostek.E002",
            )
        ]
    return []


@register()
def shared_cache(app_configs, **kwargs):
    if not getattr(settings, "REQUIRE_SHARED_CACHE", False):
        return []
    if settings.CACHES["default"]["BACKEND"] in PROCESS_LOCAL:
        return [
            Error(
                "The default cache is process-local, so the login throttle would count per "
                "worker process.",
                hint="Set REDIS_URL (e.g. redis://redis:6379/1), as docker-compose.yml does.",
                id="jamsostek.E001",
            )
        ]
    return []
