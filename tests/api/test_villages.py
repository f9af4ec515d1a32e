"""/villages/: villages inside the caller's scope, their seats and targets."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jamsostek.core.choices import Role
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN, MEDONO, codes, error_codes
from villages import api as villages_api
from villages.models import Region, VillageSeat

pytestmark = pytest.mark.django_db


def test_each_role_lists_the_villages_of_its_scope(api, make_user):
    # Kab. Pekalongan has 285 villages, of which 19 in Kedungwuni; the nation 83,762.
    expected = {
        Role.VILLAGE_OPERATOR: 1,
        Role.DISTRICT_VIEWER: 19,
        Role.PMD_AUDITOR: 285,
        Role.BPJS_OFFICER: 285,
        Role.ADMIN: 83762,
    }
    for role, count in expected.items():
        response = api(make_user(role)).get("/api/v1/villages/", {"page_size": 500})
        assert response.status_code == 200
        assert response.json()["count"] == count, role
        if role != Role.ADMIN:
            prefix = {Role.VILLAGE_OPERATOR: KWAYANGAN, Role.DISTRICT_VIEWER: "33.26.13."}.get(
                role, "33.26."
            )
            assert all(code.startswith(prefix) for code in codes(response)), role


def test_the_village_body(api, make_user):
    VillageSeat.objects.create(village=Region.objects.get(code=KWAYANGAN), category="bpd", count=7)
    response = api(make_user(Role.VILLAGE_OPERATOR)).get(f"/api/v1/villages/{KWAYANGAN}/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == KWAYANGAN
    assert body["name"] == "Kwayangan"
    assert body["kind"] == "desa"
    assert body["district"] == {"code": "33.26.13", "name": "Kedungwuni"}
    assert body["regency"] == {"code": "33.26", "name": "Kabupaten Pekalongan"}
    assert body["province"] == {"code": "33", "name": "Jawa Tengah"}
    assert body["position_counts"] == {"bpd": 7}
    assert body["rentan_target"] == 100
    # never refreshed yet: zeros, as_of null, every seat category listed
    progress = body["progress"]
    assert progress["as_of"] is None
    assert progress["rentan"] == {"target": 100, "active": 0, "percent": 0.0}
    assert progress["perisai"] == {"agents": 0, "met": False}
    assert progress["categories"]["bpd"] == {
        "positions": 0,
        "registered": 0,
        "active": 0,
        "percent": None,
    }
    assert "pekerja_rentan" not in progress["categories"]


def test_the_villages_viewset_is_served_only_with_the_progress_it_shows():
    # Given the villages app's own viewset, which cannot know a village's progress (reports
    # keeps it, above villages), when a URL conf serves it without the two functions,
    # then it refuses at once rather than on the first request
    with pytest.raises(ImproperlyConfigured, match="load_progress and progress_of"):
        villages_api.VillageViewSet.as_view({"get": "list"})

    # And given them, as jamsostek/urls.py does, it is a view
    class WithProgress(villages_api.VillageViewSet):
        load_progress = staticmethod(lambda villages: villages)
        progress_of = staticmethod(lambda village: {})

    assert callable(WithProgress.as_view({"get": "list"}))


def test_a_kelurahan_says_so(api, make_user):
    response = api(make_user(Role.ADMIN)).get(f"/api/v1/villages/{MEDONO}/")
    assert response.json()["kind"] == "kelurahan"


def test_filters(api, make_user):
    client = api(make_user(Role.PMD_AUDITOR))
    assert client.get("/api/v1/villages/", {"district": "33.26.13"}).json()["count"] == 19
    assert codes(client.get("/api/v1/villages/", {"search": "kwaya"})) == [KWAYANGAN]
    assert codes(client.get("/api/v1/villages/", {"search": KWAYANGAN})) == [KWAYANGAN]
    # a filter for a regency outside the scope finds nothing rather than leaking
    assert client.get("/api/v1/villages/", {"regency": "33.02"}).json()["count"] == 0
    admin = api(make_user(Role.ADMIN))
    assert (
        admin.get("/api/v1/villages/", {"regency": "33.75", "kind": "kelurahan"}).json()["count"]
        == 27
    )
    assert admin.get("/api/v1/villages/", {"province": "33"}).json()["count"] == 8563


def test_a_village_outside_the_scope_is_404(api, make_user):
    for role in Role:
        if role == Role.ADMIN:
            continue
        response = api(make_user(role)).get(f"/api/v1/villages/{CIRAHAB}/")
        assert response.status_code == 404, role
        assert error_codes(response) == ["not_found"]


def test_pmd_auditor_sets_seats_and_target(api, make_user):
    client = api(make_user(Role.PMD_AUDITOR))
    # When the auditor sets seats and a target
    response = client.patch(
        f"/api/v1/villages/{KWAYANGAN}/",
        {
            "position_counts": {"bpd": 7, "rt": 24, "rw": 5, "linmas": 15},
            "rentan_target": 120,
        },
        format="json",
    )
    # Then the body and the database show them
    assert response.status_code == 200, response.json()
    assert response.json()["position_counts"] == {"bpd": 7, "linmas": 15, "rt": 24, "rw": 5}
    assert response.json()["rentan_target"] == 120
    village = Region.objects.get(code=KWAYANGAN)
    assert village.rentan_target == 120
    assert dict(village.seats.values_list("category", "count")) == {
        "bpd": 7,
        "linmas": 15,
        "rt": 24,
        "rw": 5,
    }
    # When a later PATCH sends one category, and null for another
    response = client.patch(
        f"/api/v1/villages/{KWAYANGAN}/",
        {"position_counts": {"rt": 26, "linmas": None}},
        format="json",
    )
    # Then the others are kept, that one changed and the nulled one removed
    assert response.json()["position_counts"] == {"bpd": 7, "rt": 26, "rw": 5}
    assert response.json()["rentan_target"] == 120
    seat = VillageSeat.objects.get(village=village, category="rt")
    assert seat.updated_by.role == Role.PMD_AUDITOR


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"position_counts": {"bupati": 1}}, "position_counts"),
        ({"position_counts": {"pekerja_rentan": 100}}, "position_counts"),
        ({"position_counts": {"rt": -1}}, "position_counts.rt"),
        ({"position_counts": {"rt": "dua"}}, "position_counts.rt"),
        ({"position_counts": [1, 2]}, "position_counts"),
        ({"rentan_target": -5}, "rentan_target"),
    ],
)
def test_bad_seats_are_400_and_nothing_changes(api, make_user, payload, attr):
    response = api(make_user(Role.PMD_AUDITOR)).patch(
        f"/api/v1/villages/{KWAYANGAN}/", payload, format="json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == attr
    assert not VillageSeat.objects.filter(village__code=KWAYANGAN).exists()
    assert Region.objects.get(code=KWAYANGAN).rentan_target == 100


def test_who_may_set_seats(api, make_user):
    payload = {"position_counts": {"bpd": 9}}
    for role in (Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER, Role.BPJS_OFFICER):
        response = api(make_user(role)).patch(
            f"/api/v1/villages/{KWAYANGAN}/", payload, format="json"
        )
        assert response.status_code == 403, role
    # a pmd_auditor of Kab. Pekalongan cannot even see a Banyumas village
    response = api(make_user(Role.PMD_AUDITOR)).patch(
        f"/api/v1/villages/{CIRAHAB}/", payload, format="json"
    )
    assert response.status_code == 404
    response = api(make_user(Role.ADMIN)).patch(
        f"/api/v1/villages/{CIRAHAB}/", payload, format="json"
    )
    assert response.status_code == 200
    assert not VillageSeat.objects.filter(village__code=KWAYANGAN).exists()


def test_put_and_delete_are_not_allowed(api, make_user):
    client = api(make_user(Role.ADMIN))
    assert client.put(f"/api/v1/villages/{KWAYANGAN}/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/villages/{KWAYANGAN}/").status_code == 405


def test_list_query_count_does_not_grow_with_rows(api, make_user):
    # Given every village of the regency with seats
    seats = [
        VillageSeat(village=v, category=c, count=3)
        for v in Region.objects.filter(level="village", regency__code="33.26")
        for c in ("bpd", "rt", "rw")
    ]
    VillageSeat.objects.bulk_create(seats)
    client = api(make_user(Role.PMD_AUDITOR))

    def queries(page_size):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/villages/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(ctx.captured_queries)

    # When a page of 5 and a page of 285 are read, then the same number of queries runs.
    assert queries(5) == queries(285)


def test_blacanan_and_kwayangan_are_distinct_scopes(api, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, scope=BLACANAN)
    client = api(operator)
    assert codes(client.get("/api/v1/villages/")) == [BLACANAN]
    assert client.get(f"/api/v1/villages/{KWAYANGAN}/").status_code == 404
