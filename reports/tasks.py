"""Celery entry points of the reports: thin, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="reports.progress_refresh_stale")
def progress_refresh_stale() -> int:
    """After writes: refresh the villages whose figures changed."""
    return services.progress_refresh_stale()


@shared_task(name="reports.progress_refresh")
def progress_refresh() -> int:
    """Nightly: refresh every village with activity."""
    return services.progress_refresh()
