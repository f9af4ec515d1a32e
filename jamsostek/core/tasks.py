from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from villages.models import Region

HEARTBEAT_KEY = "core:heartbeat"


@shared_task(name="core.heartbeat")
def heartbeat() -> dict:
    """Run by beat every few minutes: proves a worker can reach the database.

    Stores when it ran (shown by /healthz) and returns what it saw.
    """
    at = timezone.now().isoformat()
    seen = {"at": at, "regions": Region.objects.count()}
    cache.set(HEARTBEAT_KEY, at, timeout=None)
    return seen
