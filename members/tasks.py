"""Celery entry points of the members app: thin, by id or day, safe to run twice."""

from __future__ import annotations

import datetime

from celery import shared_task

from jamsostek.core.tasks import enqueue

from .services import imports, lifecycle


@shared_task(name="members.import_job_run")
def import_job_run(job_id: int) -> dict | None:
    """Import a queued spreadsheet (an ImportJob)."""
    return imports.import_job_run(job_id=job_id)


@shared_task(name="members.import_jobs_sweep")
def import_jobs_sweep() -> dict:
    """Every ten minutes: queue again the jobs no worker took, expire the abandoned ones,
    delete uploads that finished jobs still hold."""
    return imports.import_jobs_sweep(requeue=lambda job_id: enqueue(import_job_run, job_id))


@shared_task(name="members.roles_end_expired")
def roles_end_expired(today: str | None = None) -> dict:
    """Nightly: end roles past their term, and enrollments no role keeps (term_ended)."""
    day = datetime.date.fromisoformat(today) if today else None
    return lifecycle.roles_end_expired(today=day)
