"""A real Celery worker, in its own process, on the Redis broker, runs a task.

Runs when CELERY_BROKER_URL names a Redis broker and the tests use PostgreSQL (as CI
does); the worker process reads the test database, so the test commits its data.
"""

import pytest
from django.db import connection

from villages.models import Level, Region

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_the_heartbeat_against_the_test_database(celery_worker):
    # Given regions committed to the test database
    province = Region.objects.create(code="98", name="Provinsi Uji", level=Level.PROVINCE)
    Region.objects.create(
        code="98.01", name="Kabupaten Uji", level=Level.REGENCY, parent=province, province=province
    )
    from jamsostek.core.tasks import heartbeat

    # When the task goes through Redis to the worker process
    result = heartbeat.delay()
    # Then the worker's answer shows it queried that database, not another
    seen = result.get(timeout=60)
    assert seen["database"] == connection.settings_dict["NAME"]
    assert Region.objects.filter(code__in=["98", "98.01"]).count() == 2
    assert result.status == "SUCCESS"
