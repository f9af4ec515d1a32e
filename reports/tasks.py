from celery import shared_task

from . import services


@shared_task(name="reports.refresh_stale")
def refresh_stale() -> int:
    """After writes: refresh the villages whose figures changed."""
    return services.refresh_stale()


@shared_task(name="reports.refresh_progress")
def refresh_progress() -> int:
    """Nightly: refresh every village with activity."""
    return services.progress_refresh()
