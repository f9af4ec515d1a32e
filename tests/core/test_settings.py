"""Settings come from the environment; production passes Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# What docker-compose.yml gives the web service (the checks connect to neither).
COMPOSE_DATABASE = "postgres://jamsostek:jamsostek@db:5432/jamsostek"
COMPOSE_CACHE = "redis://127.0.0.1:6379/14"


def test_production_settings_pass_check_deploy():
    # With the database and the shared cache docker-compose.yml gives them
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="jamsostek.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=COMPOSE_DATABASE,
        REDIS_URL=COMPOSE_CACHE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_cache_each_worker_keeps_for_itself():
    # Without REDIS_URL each gunicorn worker would count failed logins on its own
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="jamsostek.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=COMPOSE_DATABASE,
        REDIS_URL="",
    )
    assert result.returncode != 0
    assert "jamsostek.E001" in result.stderr


def test_production_settings_refuse_the_embedded_database():
    # Without DATABASE_URL the data would live beside the code, in the embedded server
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="jamsostek.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        REDIS_URL=COMPOSE_CACHE,
    )
    assert result.returncode != 0
    assert "jamsostek.E002" in result.stderr
    assert "jamsostek.E001" not in result.stderr


def test_a_database_url_must_name_postgresql():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="jamsostek.settings.base",
        DJANGO_DEBUG="1",
        DATABASE_URL="mysql://root@127.0.0.1:3306/jamsostek",
    )
    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL server" in result.stderr


def test_a_secret_key_is_required_when_debug_is_off():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="jamsostek.settings.base", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="jamsostek.settings.base", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_time_zone_and_languages():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]
