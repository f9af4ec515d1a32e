from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "core:heartbeat"


@shared_task(name="core.heartbeat")
def heartbeat() -> dict:
    """Run by beat every few minutes: proves a worker can reach the database.

    Stores when it ran (shown by /healthz) and returns which database answered.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    at = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, at, timeout=None)
    return {"at": at, "database": connection.settings_dict["NAME"]}
