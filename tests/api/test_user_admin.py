"""Who manages whom through /users/: separation of duties, and the audit log it leaves.

An admin manages everyone. A pmd_auditor manages (creates, edits, resets the password of,
deactivates) only the village operators and district viewers of its regency, and gives no
other role; it still reads every user of its regency. Outside the regency users do not
exist (404). Every role change, and every password reset or (de)activation of another
user, is written to the audit log (accounts/rules.py and services.py).
"""

from __future__ import annotations

import pytest

from accounts.models import AuditAction, User, UserAuditEntry
from jamsostek.core.choices import Role
from tests.conftest import BANYUMAS, BLACANAN, CIRAHAB, KAB_PEKALONGAN, KEDUNGWUNI, KWAYANGAN

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"
NEW_PASSWORD = "Sandi-Baru-Desa-2026"

EN_NOT_MANAGEABLE = {
    Role.BPJS_OFFICER: "You may not change this user (BPJS officer): you manage only users "
    "with these roles: Village operator, District viewer.",
    Role.PMD_AUDITOR: "You may not change this user (PMD auditor): you manage only users "
    "with these roles: Village operator, District viewer.",
}
EN_ROLE_NOT_ALLOWED = "You may give only these roles: Village operator, District viewer."


def url(user: User) -> str:
    return f"{USERS}{user.pk}/"


def errors(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def audit(**filters) -> list[tuple]:
    return list(
        UserAuditEntry.objects.filter(**filters)
        .order_by("pk")
        .values_list(
            "actor__username",
            "target__username",
            "action",
            "old_role",
            "new_role",
            "old_scope",
            "new_scope",
        )
    )


@pytest.fixture
def pmd(make_user) -> User:
    return make_user(Role.PMD_AUDITOR, username="pmd_pekalongan")


@pytest.fixture
def colleagues(make_user) -> dict[str, User]:
    """The users of Kab. Pekalongan a pmd_auditor may not manage."""
    return {
        Role.BPJS_OFFICER: make_user(Role.BPJS_OFFICER, username="bpjs_pekalongan"),
        Role.PMD_AUDITOR: make_user(Role.PMD_AUDITOR, username="pmd_kedua"),
    }


@pytest.fixture
def operator_of_kwayangan(make_user) -> User:
    return make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="op_kwayangan")


# --- users a pmd_auditor may not manage: 403 user_not_manageable ---------------------------

EDITS = {
    "details": {"phone": "081299998888"},
    "password": {"password": NEW_PASSWORD},
    "deactivation": {"is_active": False},
    "demotion": {"role": "village_operator", "scope_code": KWAYANGAN},
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("role", [Role.BPJS_OFFICER, Role.PMD_AUDITOR])
def test_pmd_auditor_cannot_change_a_bpjs_officer_or_another_pmd_auditor(
    api, pmd, colleagues, role, edit
):
    # Given a BPJS officer or another auditor of the same regency
    target = colleagues[role]

    # When the regency's pmd_auditor edits them, resets their password or deactivates them
    response = api(pmd, "en").patch(url(target), EDITS[edit])

    # Then it is 403 with one error naming the rule, and nothing changed or was logged
    assert response.status_code == 403
    assert response.json()["type"] == "client_error"
    assert errors(response) == [("user_not_manageable", None)]
    assert response.json()["errors"][0]["detail"] == EN_NOT_MANAGEABLE[role]
    target.refresh_from_db()
    assert (target.phone, target.is_active, target.role) == ("", True, role)
    assert target.check_password("Sandi-Uji-Coba-2025")
    assert not UserAuditEntry.objects.exists()


def test_the_refusal_is_in_indonesian_by_default(api, pmd, colleagues):
    officer = colleagues[Role.BPJS_OFFICER]

    default = api(pmd).patch(url(officer), {"password": NEW_PASSWORD})
    english = api(pmd, "en").patch(url(officer), {"password": NEW_PASSWORD})

    assert default.status_code == english.status_code == 403
    assert errors(default) == errors(english) == [("user_not_manageable", None)]
    assert default.json()["errors"][0]["detail"] == (
        "Anda tidak boleh mengubah pengguna ini (Petugas BPJS): Anda hanya mengelola pengguna "
        "dengan peran berikut: Operator desa, Pemantau kecamatan."
    )
    assert default.headers["Content-Language"] == "id"


def test_pmd_auditor_cannot_take_over_a_bpjs_officer_by_resetting_its_password(
    api, pmd, colleagues
):
    # The attack of the issue: reset the officer's password, then log in as them.
    officer = colleagues[Role.BPJS_OFFICER]

    reset = api(pmd).patch(url(officer), {"password": NEW_PASSWORD})
    login = api().post(
        "/api/v1/auth/token/", {"username": officer.username, "password": NEW_PASSWORD}
    )

    assert reset.status_code == 403
    assert login.status_code == 401


def test_pmd_auditor_still_reads_every_user_of_its_regency(api, pmd, colleagues):
    # Reads are not narrowed: the regency's office sees who works in its regency.
    client = api(pmd)
    for target in colleagues.values():
        assert client.get(url(target)).status_code == 200
    listed = {row["username"] for row in client.get(USERS).json()["results"]}
    assert {"bpjs_pekalongan", "pmd_kedua", "pmd_pekalongan"} <= listed


def test_users_outside_the_regency_do_not_exist_for_writes_either(api, pmd, make_user):
    # A BPJS officer of Banyumas and an operator of Cirahab: 404, never 403.
    for target in (
        make_user(Role.BPJS_OFFICER, BANYUMAS, username="bpjs_banyumas"),
        make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="op_cirahab"),
        make_user(Role.ADMIN, username="admin_kedua"),
    ):
        response = api(pmd).patch(url(target), {"password": NEW_PASSWORD})
        assert response.status_code == 404
        assert errors(response) == [("not_found", None)]
    assert not UserAuditEntry.objects.exists()


# --- roles a pmd_auditor may not give: 403 role_not_allowed -----------------------------


@pytest.mark.parametrize(
    ("role", "scope_code"),
    [(Role.PMD_AUDITOR, KAB_PEKALONGAN), (Role.BPJS_OFFICER, KAB_PEKALONGAN)],
)
def test_pmd_auditor_cannot_promote_an_operator_beyond_operator_or_viewer(
    api, pmd, operator_of_kwayangan, role, scope_code
):
    response = api(pmd, "en").patch(
        url(operator_of_kwayangan), {"role": role, "scope_code": scope_code}
    )

    assert response.status_code == 403
    assert errors(response) == [("role_not_allowed", "role")]
    assert response.json()["errors"][0]["detail"] == EN_ROLE_NOT_ALLOWED
    operator_of_kwayangan.refresh_from_db()
    assert (operator_of_kwayangan.role, operator_of_kwayangan.scope.code) == (
        Role.VILLAGE_OPERATOR,
        KWAYANGAN,
    )
    assert not operator_of_kwayangan.is_staff
    assert not UserAuditEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.PMD_AUDITOR, Role.BPJS_OFFICER])
def test_pmd_auditor_cannot_create_a_pmd_auditor_or_a_bpjs_officer(api, pmd, role):
    response = api(pmd).post(
        USERS,
        {
            "username": "kolega_baru",
            "password": NEW_PASSWORD,
            "role": role,
            "scope_code": KAB_PEKALONGAN,
        },
    )

    assert response.status_code == 403
    assert errors(response) == [("role_not_allowed", "role")]
    assert response.json()["errors"][0]["detail"] == (
        "Anda hanya boleh memberikan peran berikut: Operator desa, Pemantau kecamatan."
    )
    assert not User.objects.filter(username="kolega_baru").exists()
    assert not UserAuditEntry.objects.exists()


def test_pmd_auditor_cannot_turn_itself_into_a_bpjs_officer(api, pmd):
    response = api(pmd).patch(url(pmd), {"role": "bpjs_officer"})

    assert response.status_code == 403
    assert errors(response) == [("role_not_allowed", "role")]
    pmd.refresh_from_db()
    assert pmd.role == Role.PMD_AUDITOR


# --- what a pmd_auditor does manage ------------------------------------------------------


def test_pmd_auditor_manages_a_village_operator_of_its_regency_and_each_step_is_logged(
    api, pmd, operator_of_kwayangan
):
    client = api(pmd)
    target = operator_of_kwayangan

    # When the auditor edits the operator's details
    assert client.patch(url(target), {"full_name": "Slamet Riyadi"}).status_code == 200
    # Then nothing is logged (details are not duties)
    assert audit() == []

    # When it moves them to another village, resets their password, makes them the district's
    # viewer, deactivates and reactivates them
    steps = [
        {"scope_code": BLACANAN},
        {"password": NEW_PASSWORD},
        {"role": "district_viewer", "scope_code": KEDUNGWUNI},
        {"is_active": False},
        {"is_active": True},
    ]
    for body in steps:
        response = client.patch(url(target), body)
        assert response.status_code == 200, response.json()

    # Then each step is in the audit log, by whom, on whom, from what to what
    assert audit() == [
        ("pmd_pekalongan", "op_kwayangan", "role_changed", *("village_operator",) * 2,
         KWAYANGAN, BLACANAN),
        ("pmd_pekalongan", "op_kwayangan", "password_reset", *("village_operator",) * 2,
         BLACANAN, BLACANAN),
        ("pmd_pekalongan", "op_kwayangan", "role_changed", "village_operator",
         "district_viewer", BLACANAN, KEDUNGWUNI),
        ("pmd_pekalongan", "op_kwayangan", "deactivated", *("district_viewer",) * 2,
         KEDUNGWUNI, KEDUNGWUNI),
        ("pmd_pekalongan", "op_kwayangan", "reactivated", *("district_viewer",) * 2,
         KEDUNGWUNI, KEDUNGWUNI),
    ]  # fmt: skip
    target.refresh_from_db()
    assert (target.role, target.scope.code, target.is_active) == (
        Role.DISTRICT_VIEWER,
        KEDUNGWUNI,
        True,
    )
    assert target.check_password(NEW_PASSWORD)
    first = UserAuditEntry.objects.order_by("pk").first()
    assert first.at is not None and first.actor == pmd and first.target == target


def test_pmd_auditor_creates_a_district_viewer_and_the_creation_is_logged(api, pmd):
    response = api(pmd).post(
        USERS,
        {
            "username": "camat_kedungwuni",
            "password": NEW_PASSWORD,
            "role": "district_viewer",
            "scope_code": KEDUNGWUNI,
        },
    )

    assert response.status_code == 201
    assert audit() == [
        ("pmd_pekalongan", "camat_kedungwuni", "created", "", "district_viewer", "", KEDUNGWUNI)
    ]


def test_your_own_password_and_details_are_not_duties_and_are_not_logged(api, pmd):
    response = api(pmd).patch(url(pmd), {"password": NEW_PASSWORD, "phone": "0811"})

    assert response.status_code == 200
    assert audit() == []


def test_refused_writes_log_nothing(api, pmd, operator_of_kwayangan):
    client = api(pmd)
    assert client.patch(url(operator_of_kwayangan), {"password": "12345"}).status_code == 400
    assert client.patch(url(operator_of_kwayangan), {"scope_code": CIRAHAB}).status_code == 400
    assert not UserAuditEntry.objects.exists()


# --- the admin manages everyone --------------------------------------------------------


def test_admin_manages_auditors_and_officers_and_is_logged(api, admin, colleagues):
    client = api(admin)
    auditor = colleagues[Role.PMD_AUDITOR]
    officer = colleagues[Role.BPJS_OFFICER]

    assert client.patch(url(auditor), {"password": NEW_PASSWORD}).status_code == 200
    assert client.patch(url(officer), {"role": "pmd_auditor"}).status_code == 200
    assert client.patch(url(auditor), {"is_active": False}).status_code == 200

    me = admin.username
    assert audit() == [
        (me, "pmd_kedua", AuditAction.PASSWORD_RESET, "pmd_auditor", "pmd_auditor",
         KAB_PEKALONGAN, KAB_PEKALONGAN),
        (me, "bpjs_pekalongan", AuditAction.ROLE_CHANGED, "bpjs_officer", "pmd_auditor",
         KAB_PEKALONGAN, KAB_PEKALONGAN),
        (me, "pmd_kedua", AuditAction.DEACTIVATED, "pmd_auditor", "pmd_auditor",
         KAB_PEKALONGAN, KAB_PEKALONGAN),
    ]  # fmt: skip
    officer.refresh_from_db()
    assert officer.role == Role.PMD_AUDITOR and officer.is_staff


# --- the log is append-only -----------------------------------------------------------


def test_the_audit_log_cannot_be_changed_or_deleted(api, pmd, operator_of_kwayangan):
    api(pmd).patch(url(operator_of_kwayangan), {"password": NEW_PASSWORD})
    entry = UserAuditEntry.objects.get()

    entry.action = AuditAction.CREATED
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        UserAuditEntry.objects.filter(pk=entry.pk).update(action="created")
    with pytest.raises(TypeError):
        UserAuditEntry.objects.all().delete()
    assert UserAuditEntry.objects.get().action == AuditAction.PASSWORD_RESET
