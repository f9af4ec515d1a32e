import logging

from celery import current_app, shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "core:heartbeat"
logger = logging.getLogger(__name__)


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


def enqueue(task, *args, **kwargs) -> bool:
    """Queue ``task`` (usually from ``transaction.on_commit``) without ever failing the
    request that caused it: the write is committed already, and a broker that does not
    answer must not turn it into a 500 (a client retrying without an Idempotency-Key would
    then write it twice).

    Fast: no publish retries and bounded connect timeouts (settings), no result to wait for.
    Durable where it matters: what is not queued is caught up by the sweeps in beat
    (``reports.progress_refresh_stale``, ``members.import_jobs_sweep``) and the nightly jobs.
    Returns whether the task was queued. In eager mode the task runs here, and its errors
    propagate as they should in development and tests.
    """
    if current_app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 - kombu, redis, socket errors alike: logged, not raised
        logger.warning("could not queue %s; a sweep will catch up", task.name, exc_info=True)
        return False
    return True
