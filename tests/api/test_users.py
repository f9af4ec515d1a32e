"""/users/: admins manage everyone; a pmd_auditor manages the non-admin users of its regency."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from jamsostek.core.choices import Role
from tests.conftest import (
    BANYUMAS,
    CIRAHAB,
    KAB_PEKALONGAN,
    KEDUNGWUNI,
    KWAYANGAN,
    MEDONO,
    PASSWORD,
    codes,
    error_codes,
)

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"
TOKEN = "/api/v1/auth/token/"
NEW_PASSWORD = "Rahasia-Desa-2025"
LUMBIR = "33.02.01"  # a district of Banyumas


@pytest.fixture(autouse=True)
def clear_login_throttle():
    cache.clear()
    yield
    cache.clear()


def jwt_client(username: str, password: str = PASSWORD) -> APIClient:
    """Log in for real and return a client that sends the access token as Bearer."""
    client = APIClient()
    response = client.post(TOKEN, {"username": username, "password": password})
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def new_user(**fields) -> dict:
    body = {
        "username": "op_kwayangan",
        "password": NEW_PASSWORD,
        "full_name": "Slamet Riyadi",
        "role": "village_operator",
        "scope_code": KWAYANGAN,
        "email": "sekdes@kwayangan.desa.id",
        "phone": "081234567890",
    }
    body.update(fields)
    return body


def user_url(user: User) -> str:
    return f"{USERS}{user.pk}/"


def errors(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def usernames(response) -> set[str]:
    return {row["username"] for row in response.json()["results"]}


# --- the acceptance scenario ----------------------------------------------------------


def test_admin_creates_an_operator_who_then_sees_only_their_village(admin):
    # Given the national admin, logged in with a JWT
    as_admin = jwt_client(admin.username)

    # When they create a village operator for Kwayangan
    response = as_admin.post(USERS, new_user())

    # Then the operator exists with that role and scope
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "op_kwayangan"
    assert body["role"] == "village_operator"
    assert body["scope_code"] == KWAYANGAN
    assert body["scope"] == {"level": "village", "code": KWAYANGAN, "name": "Kwayangan"}
    assert body["is_active"] is True
    row = User.objects.get(username="op_kwayangan")
    assert (row.role, row.scope.code) == ("village_operator", KWAYANGAN)
    assert not row.is_staff and not row.is_superuser

    # When the operator logs in with the password the admin set
    as_operator = jwt_client("op_kwayangan", NEW_PASSWORD)

    # Then /villages/ lists exactly their village
    villages = as_operator.get("/api/v1/villages/")
    assert villages.status_code == 200
    assert villages.json()["count"] == 1
    assert codes(villages) == [KWAYANGAN]

    # And a Banyumas village does not exist for them
    outside = as_operator.get(f"/api/v1/villages/{CIRAHAB}/")
    assert outside.status_code == 404
    assert error_codes(outside) == ["not_found"]

    # And their own village does
    assert as_operator.get(f"/api/v1/villages/{KWAYANGAN}/").status_code == 200


# --- creating -------------------------------------------------------------------------


def test_pmd_auditor_creates_a_district_viewer_in_its_regency(api, auditor):
    response = api(auditor).post(
        USERS, new_user(username="camat_kedungwuni", role="district_viewer", scope_code=KEDUNGWUNI)
    )

    assert response.status_code == 201
    assert response.json()["scope"] == {
        "level": "district",
        "code": KEDUNGWUNI,
        "name": "Kedungwuni",
    }
    row = User.objects.select_related("scope").get(username="camat_kedungwuni")
    assert row.role == Role.DISTRICT_VIEWER
    assert row.scope.code == KEDUNGWUNI
    assert row.scope.level == "district"
    assert row.check_password(NEW_PASSWORD)
    assert not row.is_staff and not row.is_superuser


def test_pmd_auditor_cannot_create_a_user_outside_its_regency(api, auditor):
    # Given a Kab. Pekalongan auditor, when they create an operator for a Banyumas village
    response = api(auditor).post(
        USERS, new_user(role="district_viewer", scope_code=LUMBIR, username="camat_lumbir")
    )

    # Then it is refused on scope_code and nobody is created
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors(response) == [("invalid_scope", "scope_code")]
    assert not User.objects.filter(username="camat_lumbir").exists()


def test_pmd_auditor_cannot_create_an_admin(api, auditor):
    response = api(auditor).post(
        USERS, new_user(username="admin_palsu", role="admin", scope_code=None)
    )

    assert response.status_code == 403
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == ["role_not_allowed"]
    assert not User.objects.filter(username="admin_palsu").exists()


@pytest.mark.parametrize(
    ("role", "scope_code"),
    [
        ("village_operator", KEDUNGWUNI),
        ("village_operator", KAB_PEKALONGAN),
        ("district_viewer", KWAYANGAN),
        ("pmd_auditor", KEDUNGWUNI),
        ("bpjs_officer", "33"),
    ],
)
def test_the_scope_must_be_the_level_the_role_needs(api, admin, role, scope_code):
    response = api(admin).post(USERS, new_user(role=role, scope_code=scope_code))

    assert response.status_code == 400
    assert errors(response) == [("invalid_scope", "scope_code")]
    assert not User.objects.filter(username="op_kwayangan").exists()


@pytest.mark.parametrize("scope_code", [None, ""])
def test_a_non_admin_role_needs_a_scope(api, admin, scope_code):
    response = api(admin).post(USERS, new_user(scope_code=scope_code))

    assert response.status_code == 400
    assert errors(response) == [("required", "scope_code")]


def test_an_admin_takes_no_scope(api, admin):
    response = api(admin).post(
        USERS, new_user(username="admin_jateng", role="admin", scope_code="33")
    )

    assert response.status_code == 400
    assert errors(response) == [("scope_not_allowed", "scope_code")]
    assert not User.objects.filter(username="admin_jateng").exists()


def test_admin_creates_another_admin_without_a_scope(api, admin):
    response = api(admin).post(
        USERS, new_user(username="admin_kedua", role="admin", scope_code=None)
    )

    assert response.status_code == 201
    assert response.json()["scope"] == {"level": "nation", "code": None, "name": "Indonesia"}
    row = User.objects.get(username="admin_kedua")
    assert row.scope is None
    assert row.is_staff and row.is_superuser


@pytest.mark.parametrize("scope_code", ["99.99.99.9999", "33.26.13.9999", "abc"])
def test_an_unknown_scope_code_is_400(api, admin, scope_code):
    response = api(admin).post(USERS, new_user(scope_code=scope_code))

    assert response.status_code == 400
    assert errors(response) == [("invalid_scope", "scope_code")]
    assert not User.objects.filter(username="op_kwayangan").exists()


def test_a_weak_password_is_refused_and_nobody_is_created(api, auditor):
    response = api(auditor).post(USERS, new_user(password="12345"))

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors(response) == [("password_invalid", "password")]
    assert not User.objects.filter(username="op_kwayangan").exists()


def test_a_password_like_the_username_is_refused(api, auditor):
    response = api(auditor).post(
        USERS, new_user(username="kwayangan2025", password="kwayangan2025")
    )

    assert response.status_code == 400
    assert [attr for _code, attr in errors(response)] == ["password"]


def test_a_duplicate_username_is_400(api, auditor, make_user):
    make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).post(USERS, new_user())

    assert response.status_code == 400
    assert [attr for _code, attr in errors(response)] == ["username"]
    assert User.objects.filter(username="op_kwayangan").count() == 1


def test_missing_fields_are_400_on_each_field(api, admin):
    response = api(admin).post(USERS, {})

    assert response.status_code == 400
    attrs = {attr for _code, attr in errors(response)}
    assert {"username", "password", "role"} <= attrs


def test_the_password_and_its_hash_never_come_back(api, admin):
    # Given a user created through the API
    created = api(admin).post(USERS, new_user())
    assert created.status_code == 201
    row = User.objects.get(username="op_kwayangan")
    hashes = [row.password]

    # When it is read back in every way, and its password changed
    client = api(admin)
    responses = [created, client.get(user_url(row)), client.get(USERS, {"page_size": 500})]
    responses.append(client.patch(user_url(row), {"password": "Sandi-Baru-Desa-2026"}))
    row.refresh_from_db()
    hashes.append(row.password)

    # Then neither a password nor its hash appears anywhere
    assert hashes[0] != hashes[1]
    assert "password" not in created.json()
    for response in responses:
        assert response.status_code in (200, 201)
        text = response.content.decode()
        assert NEW_PASSWORD not in text
        assert "Sandi-Baru-Desa-2026" not in text
        assert '"password"' not in text
        for password_hash in hashes:
            assert password_hash not in text
            assert password_hash.split("$")[-1] not in text


# --- reading --------------------------------------------------------------------------


@pytest.fixture
def population(make_user):
    """Users in and around Kab. Pekalongan, by username."""
    return {
        "op_kwayangan": make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="op_kwayangan"),
        "op_blacanan": make_user(Role.VILLAGE_OPERATOR, "33.26.17.2012", username="op_blacanan"),
        "camat_kedungwuni": make_user(
            Role.DISTRICT_VIEWER, KEDUNGWUNI, username="camat_kedungwuni"
        ),
        "bpjs_pekalongan": make_user(Role.BPJS_OFFICER, KAB_PEKALONGAN, username="bpjs_pekalongan"),
        "pmd_pekalongan": make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN, username="pmd_pekalongan"),
        # Elsewhere: Banyumas, the other Pekalongan (the city), and the nation.
        "op_cirahab": make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="op_cirahab"),
        "camat_lumbir": make_user(Role.DISTRICT_VIEWER, LUMBIR, username="camat_lumbir"),
        "pmd_banyumas": make_user(Role.PMD_AUDITOR, BANYUMAS, username="pmd_banyumas"),
        "op_medono": make_user(Role.VILLAGE_OPERATOR, MEDONO, username="op_medono"),
        "bpjs_kota": make_user(Role.BPJS_OFFICER, "33.75", username="bpjs_kota"),
        "admin_nasional": make_user(Role.ADMIN, username="admin_nasional"),
    }


INSIDE_KAB_PEKALONGAN = {
    "op_kwayangan",
    "op_blacanan",
    "camat_kedungwuni",
    "bpjs_pekalongan",
    "pmd_pekalongan",
}


def test_pmd_auditor_lists_only_the_users_of_its_regency(api, population):
    response = api(population["pmd_pekalongan"]).get(USERS, {"page_size": 500})

    assert response.status_code == 200
    assert usernames(response) == INSIDE_KAB_PEKALONGAN
    assert response.json()["count"] == len(INSIDE_KAB_PEKALONGAN)
    for row in response.json()["results"]:
        code = row["scope_code"]
        assert code == KAB_PEKALONGAN or code.startswith(KAB_PEKALONGAN + "."), row


def test_admin_lists_everyone(api, population):
    response = api(population["admin_nasional"]).get(USERS, {"page_size": 500})

    assert response.status_code == 200
    assert usernames(response) == set(population)


@pytest.mark.parametrize("name", ["op_cirahab", "pmd_banyumas", "op_medono", "admin_nasional"])
def test_pmd_auditor_gets_404_for_a_user_outside_its_regency(api, population, name):
    response = api(population["pmd_pekalongan"]).get(user_url(population[name]))

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def test_pmd_auditor_reads_a_user_of_its_regency(api, population):
    response = api(population["pmd_pekalongan"]).get(user_url(population["op_blacanan"]))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "op_blacanan"
    assert body["scope_code"] == "33.26.17.2012"
    assert body["scope"] == {"level": "village", "code": "33.26.17.2012", "name": "Blacanan"}


@pytest.mark.parametrize("role", [Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER, Role.BPJS_OFFICER])
def test_other_roles_may_not_use_users(api, make_user, role):
    # Given a user of a role that does not manage users, and a user inside their scope
    caller = make_user(role)
    colleague = make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="rekan")
    client = api(caller)

    # Then listing, reading, creating and editing are all 403
    for response in (
        client.get(USERS),
        client.post(USERS, new_user()),
        client.get(user_url(colleague)),
        client.patch(user_url(colleague), {"phone": "0899"}),
        client.patch(user_url(caller), {"phone": "0899"}),
    ):
        assert response.status_code == 403
        assert response.json()["type"] == "client_error"
        assert error_codes(response) == ["permission_denied"]
    assert not User.objects.filter(username="op_kwayangan").exists()
    assert User.objects.get(pk=colleague.pk).phone == ""


def test_anonymous_may_not_use_users(api, make_user):
    colleague = make_user(Role.VILLAGE_OPERATOR)

    for response in (
        api().get(USERS),
        api().post(USERS, new_user()),
        api().get(user_url(colleague)),
    ):
        assert response.status_code == 401
        assert error_codes(response) == ["not_authenticated"]


def test_filter_by_role(api, population):
    response = api(population["admin_nasional"]).get(
        USERS, {"role": "village_operator", "page_size": 500}
    )

    assert response.status_code == 200
    assert usernames(response) == {"op_kwayangan", "op_blacanan", "op_cirahab", "op_medono"}


def test_filter_by_role_stays_inside_the_scope(api, population):
    response = api(population["pmd_pekalongan"]).get(USERS, {"role": "village_operator"})

    assert usernames(response) == {"op_kwayangan", "op_blacanan"}


def test_an_unknown_role_filter_is_400(api, population):
    response = api(population["admin_nasional"]).get(USERS, {"role": "lurah"})

    assert response.status_code == 400
    assert [attr for _code, attr in errors(response)] == ["role"]


def test_search_by_username_name_or_email(api, make_user, auditor):
    make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan", full_name="Slamet Riyadi")
    make_user(Role.VILLAGE_OPERATOR, username="op_lain", email="riyadi@desa.id")
    make_user(Role.VILLAGE_OPERATOR, username="op_ketiga", full_name="Siti Aminah")
    make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="op_riyadi_banyumas")
    client = api(auditor)

    assert usernames(client.get(USERS, {"search": "RIYADI"})) == {"op_kwayangan", "op_lain"}
    assert usernames(client.get(USERS, {"search": "aminah"})) == {"op_ketiga"}
    assert usernames(client.get(USERS, {"search": "ketiga"})) == {"op_ketiga"}
    assert usernames(client.get(USERS, {"search": "tidak-ada"})) == set()


def test_filter_by_scope(api, population):
    client = api(population["admin_nasional"])

    assert usernames(client.get(USERS, {"scope": KEDUNGWUNI})) == {
        "op_kwayangan",
        "camat_kedungwuni",
    }
    assert usernames(client.get(USERS, {"scope": BANYUMAS})) == {
        "op_cirahab",
        "camat_lumbir",
        "pmd_banyumas",
    }


# --- editing --------------------------------------------------------------------------


def test_pmd_auditor_edits_phone_and_full_name(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan", full_name="Slamet")

    response = api(auditor).patch(
        user_url(user), {"phone": "081299998888", "full_name": "Slamet Riyadi"}
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "081299998888"
    assert response.json()["full_name"] == "Slamet Riyadi"
    user.refresh_from_db()
    assert (user.phone, user.full_name) == ("081299998888", "Slamet Riyadi")
    assert (user.role, user.scope.code) == ("village_operator", KWAYANGAN)


def test_the_username_cannot_be_changed(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).patch(user_url(user), {"username": "op_baru"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "op_kwayangan"


def test_pmd_auditor_cannot_promote_anyone_to_admin(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).patch(
        user_url(user), {"role": "admin", "scope_code": None, "full_name": "Calon Admin"}
    )

    assert response.status_code == 403
    assert error_codes(response) == ["role_not_allowed"]
    user.refresh_from_db()
    assert user.role == "village_operator"
    assert user.scope.code == KWAYANGAN
    assert user.full_name == ""
    assert not user.is_superuser and not user.is_staff


def test_pmd_auditor_cannot_promote_itself_to_admin(api, auditor):
    response = api(auditor).patch(user_url(auditor), {"role": "admin"})

    assert response.status_code == 403
    auditor.refresh_from_db()
    assert auditor.role == "pmd_auditor"
    assert not auditor.is_superuser


def test_pmd_auditor_moves_a_user_within_its_regency(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).patch(user_url(user), {"scope_code": "33.26.17.2012"})

    assert response.status_code == 200
    assert response.json()["scope_code"] == "33.26.17.2012"
    user.refresh_from_db()
    assert user.scope.code == "33.26.17.2012"


@pytest.mark.parametrize("scope_code", [CIRAHAB, MEDONO])
def test_pmd_auditor_cannot_move_a_user_outside_its_regency(api, auditor, make_user, scope_code):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).patch(user_url(user), {"scope_code": scope_code})

    assert response.status_code == 400
    assert errors(response) == [("invalid_scope", "scope_code")]
    user.refresh_from_db()
    assert user.scope.code == KWAYANGAN


def test_pmd_auditor_cannot_move_itself_to_another_regency(api, auditor):
    response = api(auditor).patch(user_url(auditor), {"scope_code": BANYUMAS})

    assert response.status_code == 400
    assert errors(response) == [("invalid_scope", "scope_code")]
    auditor.refresh_from_db()
    assert auditor.scope.code == KAB_PEKALONGAN


def test_pmd_auditor_cannot_edit_a_user_outside_its_regency(api, auditor, make_user):
    outsider = make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="op_cirahab")

    response = api(auditor).patch(user_url(outsider), {"phone": "0899"})

    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.phone == ""


def test_a_new_role_keeps_the_scope_only_while_it_fits(api, auditor, make_user):
    # A district viewer needs a district: the operator's village no longer fits.
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")
    client = api(auditor)

    refused = client.patch(user_url(user), {"role": "district_viewer"})
    assert refused.status_code == 400
    assert errors(refused) == [("required", "scope_code")]
    user.refresh_from_db()
    assert (user.role, user.scope.code) == ("village_operator", KWAYANGAN)

    mismatched = client.patch(user_url(user), {"role": "district_viewer", "scope_code": KWAYANGAN})
    assert mismatched.status_code == 400
    assert errors(mismatched) == [("invalid_scope", "scope_code")]

    accepted = client.patch(user_url(user), {"role": "district_viewer", "scope_code": KEDUNGWUNI})
    assert accepted.status_code == 200
    user.refresh_from_db()
    assert (user.role, user.scope.code) == ("district_viewer", KEDUNGWUNI)


def test_a_pmd_auditor_made_bpjs_officer_keeps_its_regency(api, admin, make_user):
    # Both roles cover a regency, so the scope still fits and need not be given again.
    user = make_user(Role.PMD_AUDITOR, username="pmd_lama")

    response = api(admin).patch(user_url(user), {"role": "bpjs_officer"})

    assert response.status_code == 200
    assert response.json()["scope_code"] == KAB_PEKALONGAN
    user.refresh_from_db()
    assert (user.role, user.scope.code) == ("bpjs_officer", KAB_PEKALONGAN)
    assert not user.is_staff


def test_admin_promotes_an_operator_to_pmd_auditor_with_staff_access(api, admin, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(admin).patch(user_url(user), {"role": "pmd_auditor", "scope_code": BANYUMAS})

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.role, user.scope.code) == ("pmd_auditor", BANYUMAS)
    assert user.is_staff and not user.is_superuser


def test_admin_demoting_an_admin_without_a_scope_is_told_the_scope_is_required(
    api, admin, make_user
):
    other = make_user(Role.ADMIN, username="admin_kedua")

    response = api(admin).patch(user_url(other), {"role": "village_operator"})

    assert response.status_code == 400
    assert errors(response) == [("required", "scope_code")]
    assert "object at" not in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("role", [Role.PMD_AUDITOR, Role.ADMIN])
def test_nobody_can_deactivate_themselves(api, make_user, role):
    me = make_user(role, username="saya")

    response = api(me).patch(user_url(me), {"is_active": False})

    assert response.status_code == 400
    assert errors(response) == [("self_deactivation", "is_active")]
    me.refresh_from_db()
    assert me.is_active


def test_a_deactivated_user_can_no_longer_log_in(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")
    jwt_client("op_kwayangan")

    response = api(auditor).patch(user_url(user), {"is_active": False})

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    user.refresh_from_db()
    assert not user.is_active
    login = APIClient().post(TOKEN, {"username": "op_kwayangan", "password": PASSWORD})
    assert login.status_code == 401


def test_a_new_password_works_and_the_old_one_does_not(api, auditor, make_user):
    # Given an operator who can log in with the old password
    make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")
    user = User.objects.get(username="op_kwayangan")

    # When their auditor sets a new one
    response = api(auditor).patch(user_url(user), {"password": "Sandi-Baru-Desa-2026"})
    assert response.status_code == 200

    # Then they log in with the new password, and the old one is refused
    me = jwt_client("op_kwayangan", "Sandi-Baru-Desa-2026").get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "op_kwayangan"
    old = APIClient().post(TOKEN, {"username": "op_kwayangan", "password": PASSWORD})
    assert old.status_code == 401


def test_a_weak_new_password_is_refused_and_the_old_one_still_works(api, auditor, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = api(auditor).patch(user_url(user), {"password": "12345"})

    assert response.status_code == 400
    assert errors(response) == [("password_invalid", "password")]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_are_405(api, admin, make_user, method):
    user = make_user(Role.VILLAGE_OPERATOR, username="op_kwayangan")

    response = getattr(api(admin), method)(user_url(user), new_user())

    assert response.status_code == 405
    assert error_codes(response) == ["method_not_allowed"]
    assert User.objects.filter(pk=user.pk).exists()
    user.refresh_from_db()
    assert user.full_name == ""


# --- language -------------------------------------------------------------------------


def test_refusals_are_in_indonesian_by_default_and_english_on_request(api, auditor, operator):
    body = new_user(username="admin_palsu", role="admin", scope_code=None)

    for response_id, response_en in [
        (api(auditor).post(USERS, body), api(auditor, "en").post(USERS, body)),
        (api(operator).get(USERS), api(operator, "en").get(USERS)),
        (
            api(auditor).post(USERS, new_user(scope_code=CIRAHAB)),
            api(auditor, "en").post(USERS, new_user(scope_code=CIRAHAB)),
        ),
    ]:
        assert response_id.status_code == response_en.status_code
        assert response_id.json()["errors"][0]["code"] == response_en.json()["errors"][0]["code"]
        assert (
            response_id.json()["errors"][0]["detail"] != response_en.json()["errors"][0]["detail"]
        )
    english = api(auditor, "en").post(USERS, body).json()["errors"][0]["detail"]
    assert english == "Only an administrator may create or promote administrators."
