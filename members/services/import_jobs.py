"""Queueing a large spreadsheet as a job that a worker imports (members.services.imports)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from ..models import ImportJob
from ..tasks import import_job_run


def import_job_create(
    *, actor, upload, dry_run: bool, partial: bool, rows_total: int, language: str = ""
) -> ImportJob:
    """Store the upload as a job and have a worker import it once this transaction commits."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    job = ImportJob(
        created_by=actor,
        dry_run=dry_run,
        partial=partial,
        filename=Path(getattr(upload, "name", "") or "import").name[:255],
        language=language or "",
        rows_total=rows_total,
    )
    job.file.save(job.filename, upload, save=False)
    job.save()
    transaction.on_commit(lambda: import_job_run.delay(job.pk))
    return job
