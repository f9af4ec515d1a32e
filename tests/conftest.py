"""Fixtures shared by the whole suite.

The test database gets the whole nation's regions once per session (from the CSVs
shipped in villages/data), so every test works against the real Kemendagri tree.
Tests run inside a transaction that is rolled back; the few transactional tests
(marked ``worker``) run last and make their own data.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from jamsostek.accounts.models import Role, User
from villages.models import Region

PASSWORD = "Sandi-Uji-Coba-2025"

# Regions the tests lean on (all real codes).
KWAYANGAN = "33.26.13.2008"  # a desa in Kedungwuni, Kab. Pekalongan
BLACANAN = "33.26.17.2012"  # another desa of Kab. Pekalongan, another district
KEDUNGWUNI = "33.26.13"
KAB_PEKALONGAN = "33.26"
BANYUMAS = "33.02"
CIRAHAB = "33.02.01.2001"  # a desa of Banyumas
MEDONO = "33.75.01.1002"  # a kelurahan of Kota Pekalongan
JAWA_TENGAH = "33"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from villages.services import regions_load

    with django_db_blocker.unblock():
        if not Region.objects.exists():
            regions_load()


@pytest.fixture
def region(db):
    def get(code: str) -> Region:
        return Region.objects.select_related("province", "regency", "district").get(code=code)

    return get


# Which scope each role gets by default in the tests.
DEFAULT_SCOPE = {
    Role.VILLAGE_OPERATOR: KWAYANGAN,
    Role.DISTRICT_VIEWER: KEDUNGWUNI,
    Role.PMD_AUDITOR: KAB_PEKALONGAN,
    Role.BPJS_OFFICER: KAB_PEKALONGAN,
    Role.ADMIN: None,
}


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role: str = Role.VILLAGE_OPERATOR, scope: str | None = "default", **fields) -> User:
        code = DEFAULT_SCOPE[role] if scope == "default" else scope
        user = User(
            username=fields.pop("username", f"{role}_{next(counter)}"),
            role=role,
            scope=Region.objects.get(code=code) if code else None,
            is_staff=role in (Role.ADMIN, Role.PMD_AUDITOR),
            is_superuser=role == Role.ADMIN,
            **fields,
        )
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def api():
    """An API client, optionally authenticated as a user: ``api(user)``."""

    def client(user: User | None = None, language: str | None = None) -> APIClient:
        c = APIClient()
        if language:
            c.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        if user is not None:
            c.force_authenticate(user)
        return c

    return client


@pytest.fixture
def users_by_role(make_user):
    """One user of each role with the default scopes."""
    return {role: make_user(role) for role in Role}


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def error_codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A ``celery worker`` process on the test's Redis broker and test database.

    Skips without a Redis broker or on SQLite (an in-memory test database cannot be
    shared with another process). Tasks go to a queue of this test's own, so no other
    worker on the same Redis can take them.
    """
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from django.db import connection

    from jamsostek.celery import app

    broker = settings.TEST_CELERY_BROKER_URL
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL=redis://…")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://… (the worker reads the test database)")
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jamsostek.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DATABASE_CONN_MAX_AGE": "0",
    }
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "jamsostek",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Celery keeps "are we inside a task?" in one process-wide flag that eager tasks set and
    # restore; eager tasks run by concurrent threads (the payment race tests) can leave it
    # set, and then .get() on a real result refuses to wait. This process is no task.
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)
    saved = {
        k: app.conf[k]
        for k in ("task_always_eager", "task_default_queue", "broker_url", "result_backend")
    }
    app.conf.update(
        task_always_eager=False, task_default_queue=queue, broker_url=broker, result_backend=broker
    )
    try:
        yield process
    finally:
        app.conf.update(saved)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])
