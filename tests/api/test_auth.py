"""/auth/token/, /auth/token/refresh/ and /auth/me/: JWT login, its throttle, and who am I.

These tests log in for real (username and password for a JWT, then ``Authorization:
Bearer``) rather than forcing authentication, because the login is what they test.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from jamsostek.core.choices import Role
from tests.conftest import PASSWORD, error_codes

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/auth/me/"

EN_NO_ACCOUNT = "No active account found with the given credentials"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    # The failed-login counts live in Django's cache (locmem in tests): start each test clean.
    cache.clear()
    yield
    cache.clear()


def bearer(access: str, language: str | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def log_in(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, **extra)


# --- login ----------------------------------------------------------------------------


def test_right_password_gives_a_jwt_pair_that_works_as_bearer(api, make_user):
    # Given a village operator with a password
    make_user(
        Role.VILLAGE_OPERATOR,
        username="op_kwayangan",
        full_name="Slamet Riyadi",
        email="sekdes@kwayangan.desa.id",
        phone="081234567890",
    )

    # When they log in with the right password
    response = log_in(api(), "op_kwayangan")

    # Then they get an access and a refresh token, and nothing else
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["access"] and body["refresh"] and body["access"] != body["refresh"]

    # And the access token works as a Bearer token on /auth/me/
    me = bearer(body["access"]).get(ME)
    assert me.status_code == 200
    assert me.json() == {
        "username": "op_kwayangan",
        "full_name": "Slamet Riyadi",
        "role": "village_operator",
        "scope": {"level": "village", "code": "33.26.13.2008", "name": "Kwayangan"},
        "email": "sekdes@kwayangan.desa.id",
        "phone": "081234567890",
    }

    # And the login is recorded on the user's row
    assert User.objects.get(username="op_kwayangan").last_login is not None


def test_refresh_gives_a_new_access_token_that_works(api, make_user):
    # Given a user who logged in
    make_user(Role.DISTRICT_VIEWER, username="camat_kedungwuni")
    pair = log_in(api(), "camat_kedungwuni").json()

    # When they trade the refresh token for a new access token
    response = api().post(REFRESH, {"refresh": pair["refresh"]})

    # Then they get a new access token that works
    assert response.status_code == 200
    access = response.json()["access"]
    assert access != pair["access"]
    me = bearer(access).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "camat_kedungwuni"


def test_a_refresh_token_is_not_an_access_token(api, make_user):
    # Given a user's token pair
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    pair = log_in(api(), "siti").json()

    # When the refresh token is sent as a Bearer token, then it is refused
    response = bearer(pair["refresh"]).get(ME)
    assert response.status_code == 401


def test_wrong_password_is_401_in_indonesian_by_default_and_english_on_request(api, make_user):
    # Given a user
    make_user(Role.VILLAGE_OPERATOR, username="siti")

    # When they type the wrong password, without and with Accept-Language: en
    default = log_in(api(), "siti", "salah-sandi")
    english = log_in(api(language="en"), "siti", "salah-sandi")

    # Then both are 401 with the standard error body
    for response in (default, english):
        assert response.status_code == 401
        body = response.json()
        assert body["type"] == "client_error"
        assert len(body["errors"]) == 1
        error = body["errors"][0]
        assert set(error) == {"code", "detail", "attr"}
        assert error["code"] == "no_active_account"
        assert error["attr"] is None

    # And the message is Indonesian by default, English on request
    id_detail = default.json()["errors"][0]["detail"]
    en_detail = english.json()["errors"][0]["detail"]
    assert en_detail == EN_NO_ACCOUNT
    assert id_detail != en_detail
    assert default.headers["Content-Language"] == "id"
    assert english.headers["Content-Language"] == "en"


def test_unknown_username_looks_exactly_like_a_wrong_password(api, make_user):
    # Given a real user, when one login has a wrong password and another an unknown name
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    wrong_password = log_in(api(), "siti", "salah-sandi")
    unknown_user = log_in(api(), "tidak_ada", "salah-sandi")

    # Then nothing tells the two apart (no username enumeration)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()


def test_missing_password_is_a_400_validation_error_on_password(api, make_user):
    make_user(Role.VILLAGE_OPERATOR, username="siti")

    response = api().post(TOKEN, {"username": "siti"})

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [("required", "password")]


def test_inactive_user_cannot_get_a_token(api, make_user):
    # Given a deactivated user
    make_user(Role.VILLAGE_OPERATOR, username="mantan_operator", is_active=False)

    # When they log in with the right password
    response = log_in(api(language="en"), "mantan_operator")

    # Then it is the same 401 as a wrong password, and no login is recorded
    assert response.status_code == 401
    assert response.json()["errors"][0] == {
        "code": "no_active_account",
        "detail": EN_NO_ACCOUNT,
        "attr": None,
    }
    assert User.objects.get(username="mantan_operator").last_login is None


def test_deactivating_a_user_stops_their_tokens(api, make_user):
    # Given a user holding a token pair
    user = make_user(Role.VILLAGE_OPERATOR, username="siti")
    pair = log_in(api(), "siti").json()
    assert bearer(pair["access"]).get(ME).status_code == 200

    # When they are deactivated
    User.objects.filter(pk=user.pk).update(is_active=False)

    # Then neither the access token nor the refresh token works any more
    assert bearer(pair["access"]).get(ME).status_code == 401
    assert api().post(REFRESH, {"refresh": pair["refresh"]}).status_code == 401


def test_a_login_body_that_is_not_an_object_is_400_not_500():
    # A JSON list is not a login: it is refused as a bad request, not a server error.
    client = APIClient(raise_request_exception=False)

    response = client.post(TOKEN, ["siti", PASSWORD], format="json")

    assert response.status_code == 400
    assert response.json()["type"] in ("validation_error", "client_error")


# --- the failed-login throttle (5 failures/hour per client address and username in tests) --


def test_the_sixth_failed_login_is_429_with_retry_after(api, make_user):
    # Given a user and a client that got their password wrong five times
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        assert log_in(client, "siti", "salah-sandi").status_code == 401

    # When it tries a sixth time
    response = log_in(client, "siti", "salah-sandi")

    # Then it is throttled, with the error body and a Retry-After header
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "client_error"
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [("throttled", None)]
    assert 0 < int(response.headers["Retry-After"]) <= 3600

    # And the message is Indonesian by default, English on request
    english = log_in(api(language="en"), "siti", "salah-sandi")
    assert english.status_code == 429
    assert english.json()["errors"][0]["detail"].startswith("Request was throttled.")
    assert body["errors"][0]["detail"] != english.json()["errors"][0]["detail"]


def test_once_throttled_even_the_right_password_is_429(api, make_user):
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        log_in(client, "siti", "salah-sandi")

    response = log_in(client, "siti", PASSWORD)

    assert response.status_code == 429
    assert "access" not in response.json()
    assert error_codes(response) == ["throttled"]


def test_a_throttled_username_does_not_throttle_another_username(api, make_user):
    # Given two users, one of whom has been throttled from this client
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    make_user(Role.VILLAGE_OPERATOR, username="budi")
    client = api()
    for _ in range(6):
        log_in(client, "siti", "salah-sandi")
    assert log_in(client, "siti", PASSWORD).status_code == 429

    # When the other user logs in from the same client, right and wrong
    # Then they are not throttled
    assert log_in(client, "budi", "salah-sandi").status_code == 401
    assert log_in(client, "budi", PASSWORD).status_code == 200


def test_a_throttled_username_is_not_throttled_from_another_client_address(api, make_user):
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        log_in(client, "siti", "salah-sandi", REMOTE_ADDR="10.0.0.1")
    assert log_in(client, "siti", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429

    assert log_in(client, "siti", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_username_is_counted_whatever_its_case(api, make_user):
    # Given five failures for "siti"
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        log_in(client, "siti", "salah-sandi")

    # When the attacker tries "SITI " instead, then the same count applies
    assert log_in(client, " SITI ", "salah-sandi").status_code == 429


def test_a_forged_x_forwarded_for_header_does_not_reset_the_count(api, make_user):
    # Given a client (one address) that used up its five failures for "siti"
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        log_in(client, "siti", "salah-sandi")

    # When it claims another address in X-Forwarded-For
    response = log_in(client, "siti", "salah-sandi", HTTP_X_FORWARDED_FOR="203.0.113.7")

    # Then it is still throttled
    assert response.status_code == 429


def test_behind_a_proxy_the_address_the_proxy_saw_is_counted(api, make_user, settings):
    # Given a deployment behind one proxy, which appends the client's address to the header
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(5):
        log_in(client, "siti", "salah-sandi", HTTP_X_FORWARDED_FOR="198.51.100.1")

    # When the same client tries again, even claiming another address in front of it
    again = log_in(client, "siti", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.1")

    # Then it is throttled, while another client behind the same proxy is not
    assert again.status_code == 429
    other = log_in(client, "siti", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 200


def test_successful_logins_never_count(api, make_user):
    # Given a user who logs in right ten times in a row
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(10):
        assert log_in(client, "siti").status_code == 200

    # When they then get it wrong four times, succeed, and get it wrong once more
    for _ in range(4):
        assert log_in(client, "siti", "salah-sandi").status_code == 401
    assert log_in(client, "siti").status_code == 200
    assert log_in(client, "siti", "salah-sandi").status_code == 401

    # Then only those five failures counted: the next attempt is the first throttled one
    assert log_in(client, "siti").status_code == 429


def test_bad_requests_do_not_count_as_failed_logins(api, make_user):
    # A 400 (no password) is not a wrong password: six of them leave the login open.
    make_user(Role.VILLAGE_OPERATOR, username="siti")
    client = api()
    for _ in range(6):
        assert client.post(TOKEN, {"username": "siti"}).status_code == 400

    assert log_in(client, "siti").status_code == 200


# --- /auth/me/ ------------------------------------------------------------------------

EXPECTED_SCOPES = {
    Role.VILLAGE_OPERATOR: {"level": "village", "code": "33.26.13.2008", "name": "Kwayangan"},
    Role.DISTRICT_VIEWER: {"level": "district", "code": "33.26.13", "name": "Kedungwuni"},
    Role.PMD_AUDITOR: {"level": "regency", "code": "33.26", "name": "Kabupaten Pekalongan"},
    Role.BPJS_OFFICER: {"level": "regency", "code": "33.26", "name": "Kabupaten Pekalongan"},
    Role.ADMIN: {"level": "nation", "code": None, "name": "Indonesia"},
}


@pytest.mark.parametrize("role", list(Role))
def test_me_tells_each_role_its_scope(api, make_user, role):
    # Given a user of this role with the default test scope, logged in with a JWT
    make_user(role, username="saya", full_name="Dewi Lestari", email="dewi@example.org")
    access = log_in(api(), "saya").json()["access"]

    # When they ask who they are
    response = bearer(access).get(ME)

    # Then they see their role and scope
    assert response.status_code == 200
    assert response.json() == {
        "username": "saya",
        "full_name": "Dewi Lestari",
        "role": role.value,
        "scope": EXPECTED_SCOPES[role],
        "email": "dewi@example.org",
        "phone": "",
    }


def test_me_without_credentials_is_401(api):
    response = api().get(ME)

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == ["not_authenticated"]


# --- tokens refused ------------------------------------------------------------------


@pytest.mark.parametrize("token", ["garbage", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_a_bad_token_is_one_error_with_no_attr(api, token):
    # The contract: errors name a field in attr, or null; a bad token is not a field.
    response = bearer(token).get(ME)

    assert response.status_code == 401
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["code"] == "token_not_valid"
    assert errors[0]["attr"] is None


def refresh_token_of(make_user, case: str) -> str:
    if case == "malformed":
        return "not-a-token"
    user = make_user(Role.VILLAGE_OPERATOR, username=f"pemilik_{case}")
    token = RefreshToken.for_user(user)
    if case == "expired":
        token.set_exp(lifetime=-timedelta(minutes=1))
    if case == "inactive user":
        User.objects.filter(pk=user.pk).update(is_active=False)
    return str(token)


REFRESH_CASES = {
    # case: the error code
    "malformed": "token_not_valid",
    "expired": "token_not_valid",
    "inactive user": "no_active_account",
}


@pytest.mark.parametrize("case", list(REFRESH_CASES))
def test_a_refused_refresh_is_one_error_naming_no_field(api, make_user, case):
    # Given a refresh token that cannot be used, when it is sent
    response = api().post(REFRESH, {"refresh": refresh_token_of(make_user, case)})

    # Then it is 401 with one error naming no field, and no token
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "client_error"
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [(REFRESH_CASES[case], None)]
    assert "access" not in body


@pytest.mark.parametrize("case", list(REFRESH_CASES))
def test_a_refused_refresh_is_in_indonesian_by_default(api, make_user, case):
    token = refresh_token_of(make_user, case)

    default = api().post(REFRESH, {"refresh": token})
    english = api(language="en").post(REFRESH, {"refresh": token})

    assert default.status_code == english.status_code == 401
    assert default.json()["errors"][0]["detail"] != english.json()["errors"][0]["detail"]


def access_token_of(make_user, case: str) -> str:
    if case == "malformed":
        return "garbage"
    user = make_user(Role.VILLAGE_OPERATOR, username=f"pemegang_{case}")
    token = AccessToken.for_user(user)
    if case == "expired":
        token.set_exp(lifetime=-timedelta(minutes=1))
    if case == "inactive user":
        User.objects.filter(pk=user.pk).update(is_active=False)
    return str(token)


@pytest.mark.parametrize("case", ["malformed", "expired", "inactive user"])
def test_a_refused_bearer_token_is_one_error_in_the_callers_language(api, make_user, case):
    token = access_token_of(make_user, case)

    default = bearer(token).get(ME)
    english = bearer(token, language="en").get(ME)

    for response in (default, english):
        assert response.status_code == 401
        assert response.json()["type"] == "client_error"
        assert [e["attr"] for e in response.json()["errors"]] == [None]
    assert default.json()["errors"][0]["detail"] != english.json()["errors"][0]["detail"]
