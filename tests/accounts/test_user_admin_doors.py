"""Who manages whom, through the other doors: the console's users page and the Django admin
refuse what /users/ refuses, in the same words, and leave the same trail (audit log,
revoked tokens). The rule is accounts/rules.py; the API side is
tests/api/test_user_admin.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User, UserAuditEntry
from jamsostek.core.choices import Role
from tests.auth import (  # noqa: F401 - clear_login_throttle is an autouse fixture
    NEW_PASSWORD,
    REFRESH,
    TOKEN,
    clear_login_throttle,
    log_in,
)
from tests.conftest import CIRAHAB, KAB_PEKALONGAN, KWAYANGAN, PASSWORD
from tests.console.html import parse

pytestmark = pytest.mark.django_db


def audit() -> list[tuple]:
    return list(
        UserAuditEntry.objects.order_by("pk").values_list(
            "actor__username", "target__username", "action", "old_role", "new_role"
        )
    )


@pytest.fixture
def officer(make_user) -> User:
    return make_user(Role.BPJS_OFFICER, username="bpjs_pekalongan")


@pytest.fixture
def siti(make_user) -> User:
    return make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="siti")


# --- the console's users page -----------------------------------------------------------


def new_user_form(**fields) -> dict:
    return {
        "username": "kolega_baru",
        "password": NEW_PASSWORD,
        "full_name": "Kolega Baru",
        "role": "village_operator",
        "scope_code": KWAYANGAN,
        **fields,
    }


def test_the_console_offers_a_pmd_auditor_only_the_roles_it_may_give(client, auditor, admin):
    def offered(user) -> list[str]:
        client.force_login(user)
        page = parse(client.get(reverse("console:users")))
        return [option.get("value") for option in page.one("select[name=role]").all("option")]

    assert offered(auditor) == ["village_operator", "district_viewer"]
    assert offered(admin) == list(Role.values)


@pytest.mark.parametrize("role", [Role.PMD_AUDITOR, Role.BPJS_OFFICER])
def test_the_console_refuses_a_pmd_auditor_another_auditor_or_an_officer(
    client, api, auditor, role
):
    # Given the regency's auditor on the console, in English
    client.force_login(auditor)
    body = new_user_form(role=role, scope_code=KAB_PEKALONGAN)

    # When it creates a user of a role it may not give (a crafted form)
    page = client.post(reverse("console:users"), body, HTTP_ACCEPT_LANGUAGE="en")

    # Then the form comes back with the API's words beside the role, and nobody is created
    assert page.status_code == 400
    api_answer = api(auditor, "en").post("/api/v1/users/", body)
    assert api_answer.status_code == 403
    words = api_answer.json()["errors"][0]["detail"]
    assert words == "You may give only these roles: Village operator, District viewer."
    assert parse(page).one("small[data-error-for=role]").text == words
    assert not User.objects.filter(username="kolega_baru").exists()
    assert not UserAuditEntry.objects.exists()


def test_the_console_creates_an_operator_and_the_creation_is_logged(client, auditor):
    client.force_login(auditor)

    response = client.post(reverse("console:users"), new_user_form())

    assert response.status_code == 302
    assert audit() == [(auditor.username, "kolega_baru", "created", "", "village_operator")]


# --- the Django admin -----------------------------------------------------------------


def change_form(user: User, **changes) -> dict:
    """The Django admin's change form of ``user`` as a browser would post it."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "scope": user.scope_id or "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    flags = {"is_active": user.is_active, "is_staff": user.is_staff}
    flags["is_superuser"] = user.is_superuser
    flags.update({k: changes.pop(k) for k in list(changes) if k in flags})
    data.update({name: "on" for name, on in flags.items() if on})
    data.update(changes)
    return data


def password_form(password: str = NEW_PASSWORD) -> dict:
    return {"password1": password, "password2": password, "usable_password": "true"}


def admin_url(user: User, page: str = "change") -> str:
    if page == "password":  # Django's UserAdmin names it so, whatever the app
        return reverse("admin:auth_user_password_change", args=[user.pk])
    return reverse(f"admin:accounts_user_{page}", args=[user.pk])


def test_a_pmd_auditor_cannot_change_a_bpjs_officer_in_the_django_admin(client, auditor, officer):
    # Given the regency's auditor in the Django admin, where it sees its regency's users
    client.force_login(auditor)
    assert client.get(admin_url(officer)).status_code == 200  # read-only view

    # When it posts a new password or a deactivation for the BPJS officer
    password = client.post(admin_url(officer, "password"), password_form())
    change = client.post(admin_url(officer), change_form(officer, is_active=False))

    # Then both are refused and nothing changed
    assert password.status_code == 403
    assert change.status_code == 403
    officer.refresh_from_db()
    assert officer.is_active and officer.check_password(PASSWORD)
    assert not UserAuditEntry.objects.exists()


def test_an_admin_resets_a_password_in_the_django_admin_and_the_old_tokens_die(client, admin, siti):
    # Given an operator holding a token pair
    pair = log_in("siti")

    # When the admin sets a new password on the admin's password page
    client.force_login(admin)
    response = client.post(admin_url(siti, "password"), password_form())

    # Then it is saved, logged, and the operator's old refresh token is refused
    assert response.status_code == 302
    siti.refresh_from_db()
    assert siti.check_password(NEW_PASSWORD)
    assert audit() == [
        (admin.username, "siti", "password_reset", "village_operator", "village_operator")
    ]
    assert APIClient().post(REFRESH, {"refresh": pair["refresh"]}).status_code == 401
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {pair['access']}").get("/api/v1/auth/me/")
    assert me.status_code == 401


def test_an_admin_deactivates_and_changes_roles_in_the_django_admin_with_the_same_trail(
    client, admin, siti
):
    pair = log_in("siti")
    client.force_login(admin)

    # When the admin deactivates the operator on its change form
    deactivated = client.post(admin_url(siti), change_form(siti, is_active=False))
    assert deactivated.status_code == 302, deactivated.context["errors"]

    # Then the operator's refresh token is blacklisted and the deactivation logged
    refused = APIClient().post(REFRESH, {"refresh": pair["refresh"]})
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "token_not_valid"

    # When it makes them the regency's BPJS officer
    siti.refresh_from_db()
    regency = siti.scope.regency_id
    promoted = client.post(admin_url(siti), change_form(siti, role="bpjs_officer", scope=regency))
    assert promoted.status_code == 302, promoted.context["errors"]

    # Then both steps are in the log
    assert audit() == [
        (admin.username, "siti", "deactivated", "village_operator", "village_operator"),
        (admin.username, "siti", "role_changed", "village_operator", "bpjs_officer"),
    ]


def test_the_audit_log_is_read_only_in_the_django_admin(client, admin, auditor, siti, api):
    api(auditor).patch(f"/api/v1/users/{siti.pk}/", {"password": NEW_PASSWORD})
    entry = UserAuditEntry.objects.get()
    client.force_login(admin)

    listed = client.get(reverse("admin:accounts_userauditentry_changelist"))
    assert listed.status_code == 200
    assert entry in listed.context["cl"].queryset

    detail = client.get(reverse("admin:accounts_userauditentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert client.get(reverse("admin:accounts_userauditentry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:accounts_userauditentry_change", args=[entry.pk]), {"action": "created"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:accounts_userauditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert UserAuditEntry.objects.get().action == "password_reset"


def test_a_pmd_auditor_sees_the_audit_log_of_its_regency_only(
    client, api, admin, auditor, make_user
):
    inside = make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="op_dalam")
    outside = make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="op_luar")
    for target in (inside, outside):
        response = api(admin).patch(f"/api/v1/users/{target.pk}/", {"password": NEW_PASSWORD})
        assert response.status_code == 200

    client.force_login(auditor)
    listed = client.get(reverse("admin:accounts_userauditentry_changelist"))

    assert listed.status_code == 200
    assert {e.target.username for e in listed.context["cl"].queryset} == {"op_dalam"}
