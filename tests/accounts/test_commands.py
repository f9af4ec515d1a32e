import pytest
from django.core.management import call_command

from accounts.models import User
from jamsostek.core.choices import Role

pytestmark = pytest.mark.django_db


def test_createsuperuser_noinput_gives_a_national_admin(monkeypatch, api):
    # Given the superuser variables of the environment
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Sangat-Rahasia-2025")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.org")
    # When createsuperuser runs without a prompt
    call_command("createsuperuser", "--noinput", verbosity=0)
    # Then there is an admin for the whole nation, who can log in to the API
    admin = User.objects.get(username="admin")
    assert (admin.role, admin.scope, admin.is_staff, admin.is_superuser) == (
        Role.ADMIN,
        None,
        True,
        True,
    )
    response = api().post(
        "/api/v1/auth/token/", {"username": "admin", "password": "Sangat-Rahasia-2025"}
    )
    assert response.status_code == 200
    me = api().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.json()["scope"] == {"level": "nation", "code": None, "name": "Indonesia"}
