"""Fixtures shared by the whole suite.

The test database gets the whole nation's regions once per session (from the CSVs
shipped in villages/data), so every test works against the real Kemendagri tree.
Tests run inside a transaction that is rolled back; the few transactional tests
(marked ``worker``) run last and make their own data. ``make test`` runs the suite on
pytest-xdist workers, each with a test database of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import freezegun
import pytest
from rest_framework.test import APIClient

from accounts.models import User
from jamsostek.core import localdb
from jamsostek.core.choices import Role
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
def django_db_setup(django_db_setup, django_db_blocker):
    from villages.services import regions_load

    with django_db_blocker.unblock():
        if not Region.objects.exists():
            regions_load()
        _without_autovacuum()
        _keep_committed_rows()


# --- what the migrations and the region load committed, kept beside the tables -----------
#
# A transactional test (marked ``django_db(transaction=True)``, the browser tests, the
# races) ends with a flush that empties every table, the nation's regions and the
# migrations' rates included. The rows the set-up committed are copied once into tables
# of their own (no model names them, so no flush touches them), and ``committed_basics``
# puts them back with one INSERT … SELECT each: 0.5 s, where loading Jawa Tengah's
# regions again took 5 s before each such test.

_KEPT = "kept__"
# Made again by the flush itself (post_migrate), with ids of their own.
_REMADE = {"django_content_type", "auth_permission"}


def _model_tables() -> list[str]:
    from django.apps import apps

    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - _REMADE
    )


def _keep_committed_rows() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _model_tables():
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                cursor.execute(f'DROP TABLE IF EXISTS "{_KEPT}{table}"')
                cursor.execute(f'CREATE TABLE "{_KEPT}{table}" AS TABLE "{table}"')


def _put_back_committed_rows() -> None:
    from django.db import connection, transaction

    # One transaction: the foreign keys (deferred) are checked once every table is back;
    # as a superuser (the test servers' postgres), not at all: the rows are a copy of rows
    # that passed them, and checking the nation's regions' four keys took 1.7 s a test.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SELECT substr(tablename, %s) FROM pg_tables "
            "WHERE schemaname = 'public' AND starts_with(tablename, %s)",
            [len(_KEPT) + 1, _KEPT],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                continue
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{_KEPT}{table}"')
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT MAX(id) FROM "{table}")) '
                f"WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL"
            )


@pytest.fixture
def committed_basics(transactional_db) -> None:
    """For a transactional test: the regions and the migrations' rows (rates, reliefs,
    benefit defaults), committed, put back if an earlier transactional test flushed them."""
    _put_back_committed_rows()


def _without_autovacuum() -> None:
    """No autovacuum on the test database's tables, whatever the server does.

    A transactional test's flush empties the tables; autovacuum's VACUUM after it records
    them as holding no rows (``reltuples`` 0), and the planner then takes a table holding a
    later test's thousands of uncommitted rows for a single row: nested loops over every
    bill line, for each price or bill, took 20 s to two minutes a statement (the demo
    seeding, re-pricing, penalties). Never vacuumed, a table is estimated from its size.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'm') AND n.nspname = 'public'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")


def pytest_configure(config):
    """Servers of earlier runs killed before they could stop theirs are stopped here."""
    if not hasattr(config, "workerinput") and not os.environ.get("DATABASE_URL"):
        localdb.sweep_disposable()


def pytest_unconfigure(config):
    """The run's own embedded server (no DATABASE_URL) stops with the run and its data
    goes: the last process attached to it does both on exit, and the first process of
    the run makes sure of it here (a worker killed on the way cannot keep it alive)."""
    if hasattr(config, "workerinput") or os.environ.get("DATABASE_URL"):
        return
    pgdata = os.environ.get("JAMSOSTEK_TEST_PGDATA")
    if pgdata:
        localdb.stop(pgdata)
        shutil.rmtree(pgdata, ignore_errors=True)


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

    Skips without a Redis broker. Tasks go to a queue of this test's own, so no other worker on
    the same Redis can take them; while it is open, this process sends its tasks there too.
    """

    def __init__(self, settings, **env):
        import uuid

        from django.db import connection

        self.broker = settings.TEST_CELERY_BROKER_URL
        if not self.broker:
            pytest.skip("needs CELERY_BROKER_URL=redis://…")
        connection.ensure_connection()  # the embedded server says where it listens then
        db = connection.settings_dict
        # A socket's directory as the host is percent-encoded (django-environ reads it back).
        host = quote(db["HOST"] or "localhost", safe="")
        database_url = (
            f"postgres://{db['USER']}:{quote(db['PASSWORD'] or '', safe='')}@{host}"
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
