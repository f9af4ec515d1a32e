"""Importing spreadsheet rows: each row through the API's body serializer and the same
services, errors per row as the sheet numbers them; in the request or as a job."""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import serializers

from jamsostek.core.cache import fail_open_cache as cache
from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope

from ..models import ImportJob, Member, MemberEvent
from ..serializers import MemberWriteSerializer
from ..spreadsheet.cleaning import (
    RowErrors,
    body_of,
    clean_row,
    column_for,
    exception_errors,
    serializer_errors,
)
from ..spreadsheet.columns import EXAMPLE, PROGRESS_EVERY
from ..spreadsheet.reading import read_rows
from .registration import member_create, member_update

logger = logging.getLogger(__name__)

# A job left "running" for longer than the task may live was lost with its worker
# (acks_late redelivers the message): it may start again.
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 60)


def _existing_members(niks: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(niks), 900):
        chunk = niks[start : start + 900]
        for member in (
            Member.objects.select_related("village").prefetch_related("roles").filter(nik__in=chunk)
        ):
            found[member.nik] = member
    return found


@functools.cache
def _example_cleaned() -> dict:
    return clean_row(EXAMPLE)[0]


def _is_example(row: dict) -> bool:
    """Whether ``row`` is the template's example, unchanged."""
    return row["nik"] == EXAMPLE["nik"] and row == _example_cleaned()


def members_import(
    *,
    actor,
    rows: list[tuple[int, dict]],
    dry_run: bool,
    partial: bool,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Register (or, for a NIK already in the same village, update) one member per row.

    All or nothing unless ``partial``: one failed row and nothing is kept. ``dry_run``
    checks and counts everything, then keeps nothing. ``progress(rows_done)`` is called
    every ``PROGRESS_EVERY`` rows and at the end. Returns ``{rows, created, updated,
    dry_run, errors: [{row, attr, code, detail}], warnings: [...]}``; ``created`` and
    ``updated`` are what was kept, or in a dry run what would have been kept.
    """
    importer = _Importer(actor)
    cleaned = importer.clean(rows)
    with transaction.atomic():
        for done, (number, row, row_errors) in enumerate(cleaned, start=1):
            importer.import_row(number, row, row_errors)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
        if progress:
            progress(len(cleaned))
        if importer.errors and not partial:
            importer.created = importer.updated = 0
            transaction.set_rollback(True)
        if dry_run:
            transaction.set_rollback(True)
    return {
        "rows": len(cleaned),
        "created": importer.created,
        "updated": importer.updated,
        "dry_run": dry_run,
        "errors": sorted(importer.errors, key=lambda e: e["row"]),
        "warnings": sorted(importer.warnings, key=lambda e: e["row"]),
    }


def row_validate(row: dict, row_errors: RowErrors, *, serializer=None) -> dict | None:
    """A cleaned row through the API's body serializer: the body, or None with the errors
    added to ``row_errors`` by column (a column whose cell could not be read keeps its own)."""
    serializer = serializer or MemberWriteSerializer()
    try:
        return serializer.run_validation(body_of(row))
    except serializers.ValidationError as exc:
        faulty = {e["attr"] for e in row_errors}
        row_errors.extend(e for e in serializer_errors(exc.detail) if e["attr"] not in faulty)
        return None


def member_create_from_row(*, actor, values: dict) -> tuple[object | None, list[dict]]:
    """Register one member from the template's flat columns (the console's form): cleaned
    and checked as a sheet row is, created by ``member_create``. Returns the outcome, or
    None with the errors as ``[{attr: column, code, detail}]``."""
    row, row_errors = clean_row(values)
    data = row_validate(row, row_errors)
    if row_errors:
        return None, list(row_errors)
    try:
        outcome = member_create(actor=actor, **data)
    except (ApplicationError, DjangoValidationError) as exc:
        return None, exception_errors(exc)
    outcome.warnings = [{**w, "attr": column_for(w.get("attr"))} for w in outcome.warnings]
    return outcome, []


class _Importer:
    def __init__(self, actor):
        # One instance validates every row (as DRF's ListSerializer does): its fields are
        # built once instead of deep-copied for each row.
        self.serializer = MemberWriteSerializer()
        self.actor = actor
        self.created = self.updated = 0
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.existing: dict[str, Member] = {}

    def clean(self, rows: list[tuple[int, dict]]) -> list[tuple[int, dict, RowErrors]]:
        """Clean every row, find NIKs repeated in the file, and fetch the NIKs known."""
        cleaned = []
        first_row_of: dict[str, int] = {}
        for number, values in rows:
            row, row_errors = clean_row(values)
            nik = row["nik"]
            if nik and nik in first_row_of:
                row_errors.add(
                    "nik",
                    "nik_repeated",
                    _("This NIK is also in row %(row)s of this file.") % {"row": first_row_of[nik]},
                )
            elif nik:
                first_row_of[nik] = number
            cleaned.append((number, row, row_errors))
        self.existing = _existing_members([nik for nik in first_row_of if nik.isdigit()])
        return cleaned

    def report(self, target: list, number: int, *items: dict) -> None:
        target.extend({"row": number, **item} for item in items)

    def import_row(self, number: int, row: dict, row_errors: RowErrors) -> None:
        if _is_example(row) and row["nik"] not in self.existing:
            self.report(
                self.warnings,
                number,
                {
                    "attr": None,
                    "code": "example_row",
                    "detail": _("The template's example row was skipped."),
                },
            )
            return
        data = row_validate(row, row_errors, serializer=self.serializer)
        if row_errors:
            self.report(self.errors, number, *row_errors)
            return
        member = self.existing.get(data["nik"])
        try:
            with transaction.atomic():
                if (
                    member is not None
                    and member.village.code == data["village"]
                    and region_in_scope(member.village, self.actor)
                ):
                    outcome = self._update(number, member, data)
                else:
                    outcome = member_create(
                        actor=self.actor, action=MemberEvent.Action.IMPORTED, **data
                    )
                    self.created += 1
        except (ApplicationError, DjangoValidationError) as exc:
            self.report(self.errors, number, *exception_errors(exc))
            return
        except IntegrityError:
            detail = _(
                "This row could not be saved: it conflicts with data saved meanwhile or breaks "
                "a rule of the database."
            )
            self.report(self.errors, number, {"attr": None, "code": "conflict", "detail": detail})
            return
        self.report(
            self.warnings,
            number,
            *({**w, "attr": column_for(w.get("attr"))} for w in outcome.warnings),
        )

    def _update(self, number: int, member: Member, data: dict):
        outcome = member_update(
            actor=self.actor,
            member=member,
            reason=_("Updated by a spreadsheet import."),
            **_update_fields(data),
        )
        self.updated += 1
        category = data["roles"][0]["category"]
        if category not in {role.category for role in member.roles.all()}:
            self.report(
                self.warnings,
                number,
                {
                    "attr": "category",
                    "code": "role_not_added",
                    "detail": _(
                        "The member was updated but the role %(category)s was not added: add "
                        "it on the member's page."
                    )
                    % {"category": category},
                },
            )
        return outcome


def _update_fields(data: dict) -> dict:
    """What a row may change on a member of its village: the person and the terms.

    Empty optional cells (phone, occupation) leave the member's value as it is.
    """
    fields = {k: data[k] for k in ("full_name", "birth_date", "sex")}
    for name in ("phone", "occupation"):
        if data.get(name):
            fields[name] = data[name]
    if "enrollment" in data:
        fields["enrollment"] = data["enrollment"]
    return fields


def import_job_run(*, job_id: int) -> dict | None:
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
        # only when it commits: the cache carries the live figure (members.selectors).
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)
        cache.set(job.progress_key, done, timeout=STALE_AFTER.total_seconds())

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            with job.file.open("rb") as handle:
                rows = read_rows(handle, name=job.filename)
            result = members_import(
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
        cache.delete(job.progress_key)
        _upload_delete(job)
        return None
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.State.DONE,
        result=result,
        rows_total=result["rows"],
        rows_done=result["rows"],
        finished_at=timezone.now(),
    )
    cache.delete(job.progress_key)
    _upload_delete(job)
    return {"job": job.pk, "created": result["created"], "updated": result["updated"]}


def _upload_delete(job: ImportJob) -> None:
    """The file holds NIKs: once imported, failed or expired, it is not kept."""
    if job.file:
        job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")


# A queued job older than this was not taken by a worker (the broker was down when it was
# queued): the sweep queues it again. One older than EXPIRE_AFTER is given up.
REQUEUE_AFTER = datetime.timedelta(minutes=5)
EXPIRE_AFTER = datetime.timedelta(days=1)


def import_jobs_sweep(
    *, requeue: Callable[[int], object], now: datetime.datetime | None = None
) -> dict:
    """Every ten minutes (beat): queue again the jobs no worker took, give up those queued
    or running for more than a day (failed, upload deleted), and delete any upload a
    finished job still holds. ``requeue(job_id)`` queues one job."""
    now = now or timezone.now()
    jobs = ImportJob.objects.all()
    expired = jobs.filter(
        status__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING],
        created_at__lt=now - EXPIRE_AFTER,
    )
    given_up = 0
    for job in expired:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            error = _("No worker took this import within a day: upload the file again.")
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.State.FAILED, error=error, finished_at=now
        )
        _upload_delete(job)
        given_up += 1
    stale = jobs.filter(status=ImportJob.State.QUEUED, created_at__lt=now - REQUEUE_AFTER)
    stale_ids = list(stale.values_list("pk", flat=True))
    for job_id in stale_ids:
        requeue(job_id)
    leftovers = jobs.filter(status__in=[ImportJob.State.DONE, ImportJob.State.FAILED]).exclude(
        file=""
    )
    cleaned = 0
    for job in leftovers:
        _upload_delete(job)
        cleaned += 1
    return {"requeued": len(stale_ids), "expired": given_up, "uploads_deleted": cleaned}
