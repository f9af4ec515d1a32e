"""/regions/: the Kemendagri tree, readable by any signed-in user."""

import pytest

from jamsostek.core.choices import Role
from tests.conftest import codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api, make_user):
    return api(make_user(Role.VILLAGE_OPERATOR))


def test_the_whole_nation_is_there(client):
    # Given the shipped regions, when a user counts each level, then the 2025 figures show.
    expected = {"province": 38, "regency": 514, "district": 7285, "village": 83762}
    for level, count in expected.items():
        response = client.get("/api/v1/regions/", {"level": level, "page_size": 1})
        assert response.status_code == 200
        assert response.json()["count"] == count, level


def test_94_is_papua_tengah_not_papua(client):
    response = client.get("/api/v1/regions/", {"level": "province", "page_size": 50})
    provinces = {row["code"]: row["name"] for row in response.json()["results"]}
    assert provinces["94"] == "Papua Tengah"
    assert provinces["91"] == "Papua"


def test_children_of_a_parent(client):
    # Jawa Tengah has 35 regencies, Kab. Pekalongan 19 districts.
    response = client.get("/api/v1/regions/", {"parent": "33", "page_size": 1})
    assert response.json()["count"] == 35
    response = client.get("/api/v1/regions/", {"parent": "33.26", "level": "district"})
    assert response.json()["count"] == 19
    assert all(row["parent"] == "33.26" for row in response.json()["results"])


def test_search_by_name_and_by_code_prefix(client):
    response = client.get("/api/v1/regions/", {"search": "kwayangan"})
    assert codes(response) == ["33.26.13.2008"]
    response = client.get("/api/v1/regions/", {"search": "33.26.13.20", "page_size": 500})
    assert "33.26.13.2008" in codes(response)
    assert all(code.startswith("33.26.13.20") for code in codes(response))


def test_kind_tells_kota_from_kabupaten_and_kelurahan_from_desa(client):
    assert client.get("/api/v1/regions/33.75/").json()["kind"] == "kota"
    assert client.get("/api/v1/regions/33.26/").json()["kind"] == "kabupaten"
    assert client.get("/api/v1/regions/33.75.01.1002/").json()["kind"] == "kelurahan"
    body = client.get("/api/v1/regions/33.26.13.2008/").json()
    assert body == {
        "code": "33.26.13.2008",
        "name": "Kwayangan",
        "level": "village",
        "kind": "desa",
        "parent": "33.26.13",
    }


def test_unknown_code_is_404_with_the_error_body(client):
    response = client.get("/api/v1/regions/99.99/")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_anonymous_is_401(api):
    response = api().get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
