"""Celery entry points of the members app."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from .io import import_members, read_rows
from .models import ImportJob

logger = logging.getLogger(__name__)

# A job left "running" for longer than the task may live was lost with its worker
# (acks_late redelivers the message): it may start again.
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 60)


def progress_key(job_id: int) -> str:
    return f"members:import-job:{job_id}:rows_done"


@shared_task(name="members.import_file")
def import_file(job_id: int) -> dict | None:
    """Import the file of ``ImportJob`` ``job_id``; safe to run twice.

    Returns quietly when the job is gone, finished, or running elsewhere (recently).
    """
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.State.DONE, ImportJob.State.FAILED):
            return None
        recent = job.started_at is not None and job.started_at > now - STALE_AFTER
        if job.status == ImportJob.State.RUNNING and recent:
            return None
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.State.RUNNING, started_at=now, rows_done=0
        )

    def progress(done: int) -> None:
        # The import runs in one transaction, so other connections see this row's update
        # only when it commits: the cache carries the live figure (see ``rows_done``).
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)
        cache.set(progress_key(job.pk), done, timeout=STALE_AFTER.total_seconds())

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            with job.file.open("rb") as handle:
                rows = read_rows(handle, name=job.filename)
            result = import_members(
                actor=job.created_by,
                rows=rows,
                dry_run=job.dry_run,
                partial=job.partial,
                progress=progress,
            )
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        cache.delete(progress_key(job.pk))
        return None
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.State.DONE,
        result=result,
        rows_total=result["rows"],
        rows_done=result["rows"],
        finished_at=timezone.now(),
    )
    cache.delete(progress_key(job.pk))
    # The file holds NIKs: once imported, it is not kept.
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    return {"job": job.pk, "created": result["created"], "updated": result["updated"]}


def rows_done(job: ImportJob) -> int:
    """How many rows of ``job`` are done, live while it runs."""
    if job.status == ImportJob.State.RUNNING:
        return cache.get(progress_key(job.pk), job.rows_done)
    return job.rows_done


@shared_task(name="members.end_expired_terms")
def end_expired_terms(today: str | None = None) -> dict:
    """Nightly: end roles past their term, and enrollments no role keeps (term_ended)."""
    from .services import roles_end_expired

    day = datetime.date.fromisoformat(today) if today else None
    return roles_end_expired(today=day)
