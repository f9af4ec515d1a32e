"""A broker (or cache) that does not answer never turns a saved write into a 500, and the
work it should have carried is caught up once it answers.

Found by probing with Redis stopped: creating, submitting and activating a member, recording
a payment and imports all saved their rows and then failed after ~19 s while queueing the
progress refresh; every login failed on the throttle's cache; a queued import stayed
``queued`` for ever with its upload (NIKs) left on disk.
"""

from __future__ import annotations

import datetime
import logging
import os

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from contributions.models import BillLine
from contributions.tasks import bills_sweep_activations
from jamsostek.core.choices import Role
from members.models import ImportJob
from members.services.imports import import_jobs_sweep
from members.tasks import import_job_run
from reports.models import StaleProgress
from reports.tasks import progress_refresh_stale
from tests.conftest import KWAYANGAN, PASSWORD
from tests.guards import must_not_hang
from tests.members.helpers import make_nik

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:9/0"  # the discard port: the connection is refused at once


def _forget_connections(app) -> None:
    # Celery keeps a connection pool, a producer pool and a result backend per process,
    # made from the configuration they first saw.
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def broker_down():
    from jamsostek.celery import app

    keys = ("task_always_eager", "broker_url", "broker_write_url", "broker_read_url")
    keys += ("result_backend",)
    saved = {key: app.conf[key] for key in keys}
    # (Celery derives the write and read URLs from broker_url once: each is set here.)
    app.conf.update(
        task_always_eager=False,
        broker_url=NOWHERE,
        broker_write_url=NOWHERE,
        broker_read_url=NOWHERE,
        result_backend=NOWHERE,
    )
    _forget_connections(app)
    yield
    app.conf.update(saved)
    _forget_connections(app)


def member_body(number: int) -> dict:
    birth = datetime.date(1985, 7, 5)
    return {
        "village": KWAYANGAN,
        "nik": make_nik(KWAYANGAN[:8], birth, "female", number),
        "full_name": "Siti Aminah",
        "birth_date": birth.isoformat(),
        "sex": "female",
        "roles": [{"category": "bpd", "position": "Anggota BPD"}],
        "enrollment": {
            "segment": "bpu",
            "programs": ["jkk", "jkm"],
            "declared_income": 1_000_000,
            "funding_source": "add",
        },
    }


SHEET = "village,nik,full_name,birth_date,sex,category\n" + "".join(
    f"{KWAYANGAN},{make_nik(KWAYANGAN[:8], datetime.date(1990, 1, 1), 'male', n)},"
    f"Budi {n},1990-01-01,male,linmas\n"
    for n in (7, 8)
)


@pytest.fixture
def writes(api, make_user, broker_down, django_capture_on_commit_callbacks, settings, caplog):
    """The writes of a day with the broker down: the secretary registers a member and
    submits it, BPJS activates it from this month, and a sheet too big for the request is
    uploaded; each commits (and tries to queue its follow-up work). Their responses."""
    operator = api(make_user(Role.VILLAGE_OPERATOR))
    officer = api(make_user(Role.BPJS_OFFICER))
    settings.IMPORT_SYNC_LIMIT = 1  # a two-row file becomes a job

    def commit(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    logs = caplog.at_level(logging.WARNING, logger="jamsostek.core.tasks")
    with logs, must_not_hang(20, "the writes, with the broker down,"):
        created = commit(lambda: operator.post("/api/v1/members/", member_body(1), format="json"))
        path = f"/api/v1/members/{created.json()['id']}"
        submitted = commit(lambda: operator.post(f"{path}/submit/"))
        activation = {"kpj_number": "12345678901", "effective_from": month().isoformat()}
        activated = commit(lambda: officer.post(f"{path}/activate/", activation, format="json"))
        upload = {"file": SimpleUploadedFile("anggota.csv", SHEET.encode())}
        imported = commit(
            lambda: operator.post("/api/v1/members/import/", upload, format="multipart")
        )
    return {
        "created": created,
        "submitted": submitted,
        "activated": activated,
        "imported": imported,
    }


def month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def test_writes_answer_at_once_with_the_broker_down(writes, caplog):
    # Given a broker that refuses every connection, when the day's writes are made (above)
    # Then every write answered as usual
    statuses = [writes[name].status_code for name in ("created", "submitted", "activated")]
    assert statuses == [201, 200, 200]
    assert writes["imported"].status_code == 202
    # And what could not be queued is logged, not raised
    assert any("could not queue" in r.getMessage() for r in caplog.get_records("setup"))
    job = ImportJob.objects.get(pk=writes["imported"].json()["id"])
    assert job.status == ImportJob.State.QUEUED and job.file
    member = writes["created"].json()["id"]
    assert not BillLine.objects.filter(enrollment__member_id=member).exists()
    assert StaleProgress.objects.filter(village__code=KWAYANGAN).exists()


def test_once_the_broker_answers_the_sweeps_do_what_was_not_queued(writes):
    from jamsostek.celery import app

    # Given the writes made while the broker was down
    member = writes["created"].json()["id"]
    job_id = writes["imported"].json()["id"]

    # When the broker answers again (here: tasks run in the process) and beat's sweeps run
    app.conf.update(task_always_eager=True)
    bills_sweep_activations.apply()
    import_jobs_sweep(
        requeue=lambda pk: import_job_run.apply(args=[pk]),
        now=timezone.now() + datetime.timedelta(minutes=10),
    )
    progress_refresh_stale.apply()

    # Then the activation's month is billed, the import ran and its upload is gone
    assert BillLine.objects.filter(enrollment__member_id=member, period=month()).exists()
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.State.DONE and not job.file
    # And the village's progress is fresh
    assert not StaleProgress.objects.filter(village__code=KWAYANGAN).exists()


def test_an_import_no_worker_took_for_a_day_is_given_up_and_its_upload_deleted(
    api, make_user, broker_down, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_SYNC_LIMIT = 1
    operator = api(make_user(Role.VILLAGE_OPERATOR))
    sheet = "village,nik,full_name,birth_date,sex,category\n" + "x,1,a,1990-01-01,male,rt\n" * 2
    with django_capture_on_commit_callbacks(execute=True):
        job_id = operator.post(
            "/api/v1/members/import/",
            {"file": SimpleUploadedFile("anggota.csv", sheet.encode())},
            format="multipart",
        ).json()["id"]
    path = ImportJob.objects.get(pk=job_id).file.path

    swept = import_jobs_sweep(
        requeue=lambda pk: None, now=timezone.now() + datetime.timedelta(days=1, minutes=1)
    )

    assert swept == {"requeued": 0, "expired": 1, "uploads_deleted": 0}
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.State.FAILED and not job.file
    assert job.error == "Impor ini tidak dijalankan dalam sehari: unggah file itu lagi."
    assert not os.path.exists(path)


def test_logins_go_on_when_the_shared_cache_does_not_answer(api, make_user, settings, caplog):
    # Given a cache on a Redis that refuses connections
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    user = make_user(Role.VILLAGE_OPERATOR)
    client = api()
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_failures"].split("/")[0])
    # When the user logs in right, and someone fails more times than the throttle allows
    right = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    wrong = [
        client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": "x"}, format="json"
        ).status_code
        for _ in range(allowed + 1)
    ]
    # Then the login works, and the failures are still throttled, in this process's memory
    assert right.status_code == 200
    assert wrong == [401] * allowed + [429]
    assert "did not answer" in caplog.text


def test_production_refuses_a_cache_each_process_keeps_for_itself():
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOWHERE}
    with override_settings(REQUIRE_SHARED_CACHE=True, CACHES={"default": local, "local": local}):
        assert [e.id for e in run_checks()] == ["jamsostek.E001"]
    with override_settings(REQUIRE_SHARED_CACHE=True, CACHES={"default": redis, "local": local}):
        assert "jamsostek.E001" not in [e.id for e in run_checks()]
