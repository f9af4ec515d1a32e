"""The Django admin works for staff and shows them only what their scope holds."""

import pytest

from jamsostek.core.choices import Role
from tests.conftest import CIRAHAB, KWAYANGAN
from villages.models import Region, VillageSeat

pytestmark = pytest.mark.django_db


def test_pmd_auditor_sees_only_its_regency_in_the_admin(client, auditor):
    client.force_login(auditor)
    # The region list holds Kab. Pekalongan itself, its 19 districts and 285 villages
    response = client.get("/admin/villages/region/", {"q": "33."})
    assert response.status_code == 200
    assert response.context["cl"].queryset.count() == 1 + 19 + 285
    # A region of another regency does not open
    other = Region.objects.get(code=CIRAHAB)
    response = client.get(f"/admin/villages/region/{other.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    # Its own village opens, and its target can be changed there
    village = Region.objects.get(code=KWAYANGAN)
    response = client.get(f"/admin/villages/region/{village.pk}/change/")
    assert response.status_code == 200


def test_pmd_auditor_sets_seats_in_the_admin(client, auditor):
    client.force_login(auditor)
    village = Region.objects.get(code=KWAYANGAN)
    response = client.post(
        f"/admin/villages/region/{village.pk}/change/",
        {
            "rentan_target": 150,
            "seats-TOTAL_FORMS": 1,
            "seats-INITIAL_FORMS": 0,
            "seats-MIN_NUM_FORMS": 0,
            "seats-MAX_NUM_FORMS": 1000,
            "seats-0-category": "bpd",
            "seats-0-count": 9,
            "seats-0-village": village.pk,
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    village.refresh_from_db()
    assert village.rentan_target == 150
    seat = VillageSeat.objects.get(village=village, category="bpd")
    assert (seat.count, seat.updated_by) == (9, auditor)


def test_users_admin_is_scoped_and_operators_are_kept_out(client, make_user, auditor):
    inside = make_user(Role.VILLAGE_OPERATOR)
    outside = make_user(Role.VILLAGE_OPERATOR, scope=CIRAHAB)
    client.force_login(auditor)
    listed = set(client.get("/admin/accounts/user/").context["cl"].queryset)
    assert inside in listed and auditor in listed and outside not in listed
    client.force_login(inside)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the login page


def test_admin_sees_everything(client, admin):
    client.force_login(admin)
    response = client.get("/admin/villages/region/", {"level__exact": "province"})
    assert response.context["cl"].queryset.count() == 38
