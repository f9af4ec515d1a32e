"""Importing an uploaded spreadsheet: in the request while it is small, else queued as a
job that a worker imports (members.services.imports)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from jamsostek.core.tasks import enqueue

from ..models import ImportJob
from ..spreadsheet.columns import ImportFileError
from ..spreadsheet.reading import read_rows
from ..tasks import import_job_run
from .imports import members_import


@dataclass
class ImportRun:
    """What an upload became: the result of an import done in the request, or the job."""

    result: dict | None = None
    job: ImportJob | None = None


def members_import_file(
    *, actor, upload, dry_run: bool, partial: bool, language: str = ""
) -> ImportRun:
    """Import ``upload`` (a sheet or CSV): up to IMPORT_SYNC_LIMIT rows now, more as a job."""
    rows = read_rows(upload)
    if not rows:
        raise ImportFileError(_("The file has no rows below its header."), code="empty_file")
    if len(rows) > getattr(settings, "IMPORT_SYNC_LIMIT", 2000):
        job = import_job_create(
            actor=actor,
            upload=upload,
            rows_total=len(rows),
            language=language,
            dry_run=dry_run,
            partial=partial,
        )
        job.refresh_from_db()  # with eager tasks it has already run
        return ImportRun(job=job)
    return ImportRun(
        result=members_import(actor=actor, rows=rows, dry_run=dry_run, partial=partial)
    )


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
    # Never fails the committed upload: a job the broker did not take is queued again by
    # the sweep (import_jobs_sweep, every ten minutes).
    transaction.on_commit(lambda: enqueue(import_job_run, job.pk))
    return job
