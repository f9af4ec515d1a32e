"""Tokens die with the password and the account: rotation, blacklist and revocation.

A refresh answers a new refresh token and blacklists the one used, so each refresh token
is good once. A new password refuses every token issued before it (they carry a digest of
the password hash, and the user's refresh tokens are blacklisted); a deactivated user's
tokens are refused. These tests log in for real and send the tokens as a client would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tasks import tokens_flush_expired
from jamsostek.core.choices import Role
from tests.auth import (  # noqa: F401 - clear_login_throttle is an autouse fixture
    NEW_PASSWORD,
    REFRESH,
    TOKEN,
    clear_login_throttle,
    log_in,
)
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


def me(access: str, language: str | None = None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client.get(ME)


def refresh(token: str, language: str | None = None):
    client = APIClient()
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client.post(REFRESH, {"refresh": token})


def one_error(response) -> tuple[str, str | None]:
    body = response.json()
    assert body["type"] == "client_error"
    assert len(body["errors"]) == 1
    return body["errors"][0]["code"], body["errors"][0]["attr"]


@pytest.fixture
def siti(make_user) -> User:
    """Kwayangan's village operator, whom the regency's auditor manages."""
    return make_user(Role.VILLAGE_OPERATOR, username="siti")


# --- rotation -------------------------------------------------------------------------


def test_a_refresh_answers_a_new_refresh_token_and_the_old_one_is_used_up(siti):
    # Given a user who logged in
    pair = log_in("siti")

    # When they refresh
    first = refresh(pair["refresh"])

    # Then they get a new access token and a new refresh token, both of which work
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    rotated = first.json()["refresh"]
    assert rotated != pair["refresh"]
    assert me(first.json()["access"]).status_code == 200

    # And the refresh token they used is blacklisted: sending it again is 401
    again = refresh(pair["refresh"])
    assert again.status_code == 401
    assert one_error(again) == ("token_not_valid", None)
    assert "access" not in again.json()

    # While the new one works once in its turn
    second = refresh(rotated)
    assert second.status_code == 200
    assert refresh(rotated).status_code == 401


def test_a_used_refresh_token_is_refused_in_indonesian_and_in_english(siti):
    pair = log_in("siti")
    assert refresh(pair["refresh"]).status_code == 200

    default = refresh(pair["refresh"])
    english = refresh(pair["refresh"], "en")

    assert default.status_code == english.status_code == 401
    assert english.json()["errors"][0]["detail"] == "Token is blacklisted"
    assert default.json()["errors"][0]["detail"] == "Token sudah dicabut"


# --- a new password -------------------------------------------------------------------


def test_after_a_password_reset_the_old_tokens_are_refused(api, auditor, siti):
    # Given an operator holding a token pair that works
    pair = log_in("siti")
    assert me(pair["access"]).status_code == 200

    # When the regency's auditor sets a new password for them
    response = api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"password": NEW_PASSWORD})
    assert response.status_code == 200

    # Then the old access token is refused
    old_access = me(pair["access"])
    assert old_access.status_code == 401
    assert one_error(old_access) == ("password_changed", None)

    # And the old refresh token mints nothing
    old_refresh = refresh(pair["refresh"])
    assert old_refresh.status_code == 401
    assert one_error(old_refresh)[1] is None
    assert "access" not in old_refresh.json()

    # And its row is blacklisted
    assert BlacklistedToken.objects.filter(token__user=siti).count() == 1

    # While a login with the new password works
    fresh = log_in("siti", NEW_PASSWORD)
    assert me(fresh["access"]).status_code == 200
    assert refresh(fresh["refresh"]).status_code == 200


def test_a_password_changed_outside_the_api_also_refuses_the_old_refresh_token(siti):
    # Given a user holding a token pair
    pair = log_in("siti")

    # When their password is changed without the users API (manage.py changepassword, a shell)
    siti.set_password(NEW_PASSWORD)
    siti.save()

    # Then both old tokens are refused as belonging to an old password
    old_access = me(pair["access"], "en")
    old_refresh = refresh(pair["refresh"], "en")
    for response in (old_access, old_refresh):
        assert response.status_code == 401
        assert response.json()["errors"][0] == {
            "code": "password_changed",
            "detail": "The user's password has been changed.",
            "attr": None,
        }
    # And in Indonesian by default
    assert refresh(pair["refresh"]).json()["errors"][0]["detail"] == (
        "Kata sandi pengguna telah diubah."
    )


def test_a_new_password_of_one_user_leaves_other_users_tokens_alone(api, auditor, make_user, siti):
    budi = make_user(Role.VILLAGE_OPERATOR, username="budi")
    siti_pair, budi_pair = log_in("siti"), log_in("budi")

    response = api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"password": NEW_PASSWORD})
    assert response.status_code == 200

    assert me(siti_pair["access"]).status_code == 401
    assert not BlacklistedToken.objects.filter(token__user=budi).exists()
    assert me(budi_pair["access"]).status_code == 200
    assert refresh(budi_pair["refresh"]).status_code == 200


def test_changing_your_own_password_ends_your_other_sessions(api, auditor):
    # Given an auditor logged in on two devices
    phone, laptop = log_in(auditor.username), log_in(auditor.username)

    # When they change their own password from the laptop
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop['access']}")
    response = client.patch(f"/api/v1/users/{auditor.pk}/", {"password": NEW_PASSWORD})
    assert response.status_code == 200

    # Then the tokens of both devices are refused, and the new password logs in
    for pair in (phone, laptop):
        assert me(pair["access"]).status_code == 401
        assert refresh(pair["refresh"]).status_code == 401
    assert me(log_in(auditor.username, NEW_PASSWORD)["access"]).status_code == 200


def test_an_edit_that_leaves_the_password_alone_leaves_the_tokens_alone(api, auditor, siti):
    pair = log_in("siti")

    response = api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"phone": "081299998888"})

    assert response.status_code == 200
    assert me(pair["access"]).status_code == 200
    assert refresh(pair["refresh"]).status_code == 200


# --- deactivation ---------------------------------------------------------------------


def test_a_deactivated_users_tokens_are_refused(api, auditor, siti):
    # Given an operator holding a token pair (and a second, from another device)
    pair, other_device = log_in("siti"), log_in("siti")

    # When their auditor deactivates them
    response = api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"is_active": False})
    assert response.status_code == 200

    # Then the access token is refused as the token of an inactive user
    old_access = me(pair["access"])
    assert old_access.status_code == 401
    assert one_error(old_access) == ("user_inactive", None)

    # And neither refresh token mints an access token: both are blacklisted
    for token in (pair["refresh"], other_device["refresh"]):
        response = refresh(token)
        assert response.status_code == 401
        assert one_error(response) == ("token_not_valid", None)
        assert "access" not in response.json()
    assert set(
        BlacklistedToken.objects.filter(token__user=siti).values_list("token__jti", flat=True)
    ) == {RefreshToken(t, verify=False)["jti"] for t in (pair["refresh"], other_device["refresh"])}

    # And reactivating them does not bring the old tokens back
    reactivated = api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"is_active": True})
    assert reactivated.status_code == 200
    assert refresh(pair["refresh"]).status_code == 401
    assert me(log_in("siti")["access"]).status_code == 200


def test_a_user_deactivated_outside_the_api_cannot_refresh(siti):
    # The library's own check (CHECK_USER_IS_ACTIVE), for a deactivation by any path.
    pair = log_in("siti")
    User.objects.filter(pk=siti.pk).update(is_active=False)

    response = refresh(pair["refresh"])

    assert response.status_code == 401
    assert error_codes(response) == ["no_active_account"]
    assert me(pair["access"]).status_code == 401


def test_a_refresh_token_of_a_deleted_user_is_401_not_500(siti):
    pair = log_in("siti")
    OutstandingToken.objects.filter(user=siti).delete()
    siti.delete()

    response = APIClient(raise_request_exception=False).post(REFRESH, {"refresh": pair["refresh"]})

    assert response.status_code == 401
    assert one_error(response) == ("user_not_found", None)


def test_a_token_minted_before_revocation_was_switched_on_is_refused(siti):
    # A token without the password digest (issued before this release) is refused once:
    # its holder logs in again.
    token = RefreshToken.for_user(siti)
    del token["hash_password"]

    response = refresh(str(token))

    assert response.status_code == 401
    assert one_error(response) == ("password_changed", None)


# --- housekeeping ---------------------------------------------------------------------


def test_the_nightly_flush_forgets_expired_tokens_only(siti):
    # Given a refresh token that has expired (with its blacklist row) and one that has not
    pair = log_in("siti")
    expired = RefreshToken.for_user(siti)
    expired.blacklist()
    OutstandingToken.objects.filter(jti=expired["jti"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    # When the nightly task runs
    result = tokens_flush_expired()

    # Then the expired one and its blacklist row are gone, and the live one still works
    assert result == {"deleted": 2}
    assert not OutstandingToken.objects.filter(jti=expired["jti"]).exists()
    assert refresh(pair["refresh"]).status_code == 200
