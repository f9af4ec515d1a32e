"""Fixtures shared by the whole suite.

The test database gets the whole nation's regions once per session (from the CSVs
shipped in villages/data), so every test works against the real Kemendagri tree; on
SQLite a copy of that database is kept between runs (see _sqlite_with_regions).
Tests run inside a transaction that is rolled back; the few transactional tests
(marked ``worker``) run last and make their own data. ``make test`` runs the suite on
pytest-xdist workers, each with a test database of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import freezegun
import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from villages.models import Region

# freezegun swaps the time functions in every loaded module that is not on its ignore list,
# pytest's own clock (_pytest.timing) included, which made --durations and the session's
# elapsed time report frozen, meaningless figures. Leave pytest's clock alone.
freezegun.configure(extend_ignore_list=["_pytest.timing"])

PASSWORD = "Sandi-Uji-Coba-2025"
ROOT = Path(__file__).resolve().parent.parent

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
def django_db_setup(django_db_setup, django_db_blocker, request):
    from django.db import connection

    from villages.services import regions_load

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            _sqlite_with_regions(connection, regions_load, rebuild=request.config.option.create_db)
        elif not Region.objects.exists():
            regions_load()


# --- SQLite: the migrated database with the regions, built once and copied ----------------
#
# Loading 91,599 regions takes each test process (each pytest-xdist worker) some 5 s of CPU.
# On SQLite the finished test database is kept in a file in the temporary directory, named
# after a digest of everything that could change its contents (the project's code,
# migrations and region data, the locked dependencies, Python and SQLite), and later
# processes copy it into their own test database with SQLite's backup API (a fraction of a
# second). Any change to the code makes a new one; `pytest --create-db` rebuilds it.

_CACHE_PREFIX = "jamsostek-test-db-"
_CACHES_KEPT = 3
_NOT_HASHED_DIRS = {"tests", "__pycache__", "staticfiles", "media", "node_modules"}


def _database_digest() -> str:
    import hashlib
    import sqlite3

    digest = hashlib.sha256(f"{sys.version}|{sqlite3.sqlite_version}".encode())
    digest.update(Path(__file__).read_bytes())
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_HASHED_DIRS)
        for name in sorted(files):
            if name.endswith((".pyc", ".log", ".sqlite3")) or ".sqlite3-" in name:
                continue
            path = Path(folder, name)
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def _sqlite_with_regions(connection, regions_load, rebuild: bool) -> None:
    import fcntl
    import sqlite3
    import tempfile

    from django.contrib.contenttypes.models import ContentType

    folder = Path(tempfile.gettempdir())
    cached = folder / f"{_CACHE_PREFIX}{_database_digest()}.sqlite3"
    connection.ensure_connection()
    with open(folder / f"{_CACHE_PREFIX}lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds, the others wait and copy
        if cached.exists() and not rebuild:
            source = sqlite3.connect(cached)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            ContentType.objects.clear_cache()
            cached.touch()
            return
        if not Region.objects.exists():
            regions_load()
        building = cached.with_suffix(f".{os.getpid()}.tmp")
        target = sqlite3.connect(building)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(building, cached)
        # Keep the few most recently used (other branches, other checkouts).
        others = sorted(
            (p for p in folder.glob(f"{_CACHE_PREFIX}*.sqlite3") if p != cached),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for stale in others[_CACHES_KEPT - 1 :]:
            stale.unlink(missing_ok=True)


@contextmanager
def shared_rows(django_db_blocker, build):
    """Rows that the tests of one module read, written once by ``build()`` and rolled back
    after the module's last test.

    For a module-scoped fixture: ``with shared_rows(django_db_blocker, build) as value:
    yield value``. The rows go into a transaction left open for the module; each test then
    runs in a savepoint of it (its own changes rolled back as usual). Only for tests that
    are not transactional.
    """
    from django.db import transaction

    block = transaction.atomic()
    with django_db_blocker.unblock():
        block.__enter__()
        try:
            value = build()
        except BaseException:
            block.__exit__(*sys.exc_info())
            raise
    try:
        yield value
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(autouse=True, scope="session")
def _answers_hold_to_the_schema():
    """Every response a test client receives from /api/v1/ is checked against the published
    OpenAPI schema (tests/contract.py): a disagreement fails the test that received it."""
    from django.test.client import Client, FakePayload

    from tests import contract

    unchecked = Client.request
    # `make examples`: keep the answers (and JSON requests) as the schema's examples.
    recording = os.environ.get("RECORD_EXAMPLES")
    recorder = contract.Recorder() if recording else None

    def request(self, **environ):
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        body = None
        if recorder and environ.get("CONTENT_TYPE", "").startswith("application/json"):
            body = environ["wsgi.input"].read()
            environ["wsgi.input"] = FakePayload(body)
        response = unchecked(self, **environ)
        contract.check(method, path, response)
        if recorder:
            recorder.record(method, path, body, response)
        return response

    Client.request = request
    yield
    Client.request = unchecked
    if recorder:
        recorder.write(recording)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence and spreadsheets land in the test's own folder, not in ./media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


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


# --- one user of each role, in its default scope ----------------------------------------------
# A test that needs another scope or another user of the role calls ``make_user`` itself, or
# names a fixture of its own after what it is (``operator_of_medono``).


@pytest.fixture
def admin(make_user) -> User:
    """The national admin (no scope)."""
    return make_user(Role.ADMIN)


@pytest.fixture
def operator(make_user) -> User:
    """Kwayangan's village operator, in the app only (no e-mail address, no phone)."""
    return make_user(Role.VILLAGE_OPERATOR)


@pytest.fixture
def district_viewer(make_user) -> User:
    """The district viewer of Kedungwuni (Kwayangan's district)."""
    return make_user(Role.DISTRICT_VIEWER)


@pytest.fixture
def auditor(make_user) -> User:
    """The PMD auditor of Kab. Pekalongan (the regency office)."""
    return make_user(Role.PMD_AUDITOR)


@pytest.fixture
def officer(make_user) -> User:
    """The BPJS officer of Kab. Pekalongan."""
    return make_user(Role.BPJS_OFFICER)


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


class CeleryProcesses:
    """``celery worker`` / ``celery beat`` processes on the test's Redis broker and database.

    Skips without a Redis broker or on SQLite (an in-memory test database cannot be shared
    with another process). Tasks go to a queue of this test's own, so no other worker on
    the same Redis can take them; while it is open, this process sends its tasks there too.
    """

    def __init__(self, settings, **env):
        import uuid

        from django.db import connection

        self.broker = settings.TEST_CELERY_BROKER_URL
        if not self.broker:
            pytest.skip("needs CELERY_BROKER_URL=redis://…")
        if connection.vendor != "postgresql":
            pytest.skip("needs DATABASE_URL=postgres://… (the worker reads the test database)")
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        )
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jamsostek.settings.base",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": self.broker,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "DATABASE_CONN_MAX_AGE": "0",
            **env,
        }
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.saved: dict = {}

    def __enter__(self):
        from celery.result import _set_task_join_will_block

        from jamsostek.celery import app

        # Celery keeps "are we inside a task?" in one process-wide flag that eager tasks set
        # and restore; eager tasks run by concurrent threads (the payment race tests) can
        # leave it set, and then .get() on a real result refuses to wait. This is no task.
        _set_task_join_will_block(False)
        keys = ("task_always_eager", "task_default_queue", "broker_url", "result_backend")
        self.saved = {k: app.conf[k] for k in keys}
        app.conf.update(
            task_always_eager=False,
            task_default_queue=self.queue,
            broker_url=self.broker,
            result_backend=self.broker,
        )
        return self

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self._spawn(
            name,
            [
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "-n",
                f"{name}-{self.queue}@%h",
            ],
        )

    def beat(self, schedule_file: str) -> subprocess.Popen:
        return self._spawn(
            "beat", ["beat", "--loglevel=INFO", "--max-interval=1", f"--schedule={schedule_file}"]
        )

    def _spawn(self, name: str, arguments: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jamsostek", *arguments],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> str:
        """Stop one process (warm shutdown: a task under way finishes) and return its log."""
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return output or ""

    def __exit__(self, *exc):
        from jamsostek.celery import app

        app.conf.update(self.saved)
        for name, process in self.processes:
            if process.returncode is None:
                print(f"--- {name} ---\n" + self.stop(process)[-3000:])


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A ``celery worker`` process on the test's Redis broker and test database."""
    with CeleryProcesses(settings) as celery:
        yield celery.worker()
