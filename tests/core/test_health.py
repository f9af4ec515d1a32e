import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    # the test settings run tasks eagerly: there is no broker to reach
    assert body["broker"] == "eager"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from jamsostek.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    unreachable = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    previous = app.conf.broker_url
    app.conf.broker_url = unreachable
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_heartbeat_task_records_when_it_ran(client):
    from jamsostek.core.tasks import heartbeat

    result = heartbeat.delay().get()
    assert result["database"] == connection.settings_dict["NAME"]
    assert client.get("/healthz").json()["last_heartbeat"] == result["at"]
