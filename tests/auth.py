"""Logging in over the API, for the tests of tokens and of who manages whom."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
NEW_PASSWORD = "Sandi-Baru-Desa-2026"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    """Autouse in a module that imports it: each test starts with no failed logins counted."""
    cache.clear()
    yield
    cache.clear()


def log_in(username: str, password: str = PASSWORD) -> dict:
    response = APIClient().post(TOKEN, {"username": username, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()
