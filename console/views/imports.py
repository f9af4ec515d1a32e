"""A spreadsheet of members: download the template, upload, check (nothing kept: every row's
errors as the sheet numbers them), then confirm. The console keeps the checked file until
then (it holds NIKs: it is deleted on confirming, or when the same user checks another)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jamsostek.core.errors import ApplicationError
from members.api.spreadsheet import ImportUploadSerializer
from members.permissions import MEMBERS
from members.selectors import import_job_rows_done, import_jobs_for
from members.services.import_jobs import members_import_file

from ..access import permit

SESSION_KEY = "console_import"
# htmx stops polling an element that answers 286 (its content is still swapped in).
STOP_POLLING = 286


def _forget(request) -> None:
    """Delete the file this user checked last, if any."""
    kept = request.session.pop(SESSION_KEY, None)
    if kept and default_storage.exists(kept["name"]):
        default_storage.delete(kept["name"])


def _page(request, **context):
    return render(request, "console/import.html", context, status=context.pop("status", 200))


@permit(MEMBERS, "member.import_")
def import_start(request):
    """The upload form; a POST checks the file and shows what importing it would do."""
    if request.method != "POST":
        return _page(request)
    body = ImportUploadSerializer(data=request.FILES)
    if not body.is_valid():
        errors = [str(e) for errors in body.errors.values() for e in errors]
        return _page(request, upload_errors=errors, status=400)
    upload = body.validated_data["file"]
    partial = request.POST.get("partial") == "on"
    _forget(request)
    name = default_storage.save(
        f"imports/checked/{request.user.pk}/{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}",
        ContentFile(upload.read()),
    )
    request.session[SESSION_KEY] = {"name": name, "filename": upload.name, "partial": partial}
    try:
        run = members_import_file(
            actor=request.user,
            upload=upload,
            dry_run=True,
            partial=partial,
            language=get_language() or "",
        )
    except ApplicationError as exc:
        _forget(request)
        return _page(request, upload_errors=[exc.message], status=400)
    if run.job is not None:  # a big file: its job's page offers the confirm button when done
        request.session[SESSION_KEY] = {**request.session[SESSION_KEY], "job": run.job.pk}
    return _page(request, checked=True, run=run, filename=upload.name, partial=partial)


@require_POST
@permit(MEMBERS, "member.import_")
def import_confirm(request):
    """Import the file checked last (all or nothing unless it was checked as partial)."""
    kept = request.session.get(SESSION_KEY)
    if not kept or not default_storage.exists(kept["name"]):
        messages.error(request, _("Check a file first: upload it again."))
        return redirect("console:import")
    with default_storage.open(kept["name"], "rb") as handle:
        upload = ContentFile(handle.read(), name=kept["filename"])
    try:
        run = members_import_file(
            actor=request.user,
            upload=upload,
            dry_run=False,
            partial=kept["partial"],
            language=get_language() or "",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("console:import")
    finally:
        _forget(request)
    return _page(request, done=True, run=run, filename=kept["filename"])


@permit(MEMBERS, "member.import_")  # the job of an import the caller checked
def import_job(request, pk: int):
    """A big file's job, as a fragment the page polls (htmx) until it is done."""
    job = import_jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    finished = job.status in (job.State.DONE, job.State.FAILED)
    kept = request.session.get(SESSION_KEY) or {}
    confirmable = (
        job.dry_run
        and job.status == job.State.DONE
        and kept.get("job") == job.pk  # the file this user checked last
        and (job.partial or not (job.result or {}).get("errors"))
    )
    return render(
        request,
        "console/_import_job.html",
        {"job": job, "rows_done": import_job_rows_done(job), "confirmable": confirmable},
        status=STOP_POLLING if finished else 200,
    )
