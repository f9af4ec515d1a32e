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
