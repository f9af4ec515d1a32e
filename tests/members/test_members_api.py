"""/members/: register, read, edit, filter; each role sees its own scope only."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from jamsostek.core.choices import Role
from members.models import Enrollment, Member, MemberRole, Status
from members.services import registration
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN, MEDONO, error_codes
from tests.contributions.helpers import full
from tests.factories import MemberFactory

from .helpers import bpu_terms, example_body, make_nik, pu_terms, status_of

pytestmark = pytest.mark.django_db

PROTO = "33.26.13.2007"  # another desa of Kedungwuni
DANA_DESA_EN = (
    "Premiums may not be paid from Dana Desa; if the village pays, it pays from ADD or other "
    "APBDes income."
)


def attrs_codes(response) -> set[tuple[str, str]]:
    return {(e["attr"], e["code"]) for e in response.json()["errors"]}


def names(response) -> list[str]:
    return [row["full_name"] for row in response.json()["results"]]


# --- create -----------------------------------------------------------------------------


@freeze_time("2025-07-10 03:00:00")  # priced at July 2025's rules, no relief
def test_register_the_api_example(api, operator):
    # When the Kwayangan operator registers API.md's example
    response = api(operator).post("/api/v1/members/", example_body(), format="json")
    # Then 201 with the whole member, costing the common BPU package of Rp 16,800 a month
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["village"] == KWAYANGAN
    assert body["village_name"] == "Kwayangan"
    assert body["nik"] == "3326134507850001"
    assert body["nik_masked"] == "3326********0001"
    assert body["full_name"] == "Siti Aminah"
    assert body["birth_date"] == "1985-07-05"
    assert body["sex"] == "female"
    assert body["is_perisai"] is False
    assert body["warnings"] == []
    assert body["roles"] == [
        {
            "category": "bpd",
            "position": "Ketua BPD",
            "term_start": "2023-01-01",
            "term_end": "2028-12-31",
            "ended_on": None,
        }
    ]
    enrollment = body["enrollment"]
    assert enrollment["status"] == "draft"
    assert enrollment["segment"] == "bpu"
    assert enrollment["programs"] == ["jkk", "jkm"]
    assert enrollment["kpj_number"] is None
    assert enrollment["monthly_contribution"] == 16800
    assert type(enrollment["monthly_contribution"]) is int
    assert enrollment["contribution_detail"] == {
        "jkk": full(0, 10000),
        "jkm": full(0, 6800),
    }
    for key in ("id", "created_at", "updated_at"):
        assert body[key]
    # And the database holds the member, its role, a draft enrollment and a history entry
    member = Member.objects.get(pk=body["id"])
    assert (member.village.code, member.nik, member.created_by) == (
        KWAYANGAN,
        "3326134507850001",
        operator,
    )
    assert list(member.roles.values_list("category", "position")) == [("bpd", "Ketua BPD")]
    row = member.enrollments.get()
    assert (row.status, row.declared_income, row.funding_source, row.jkk, row.jkm, row.jht) == (
        "draft",
        1_000_000,
        "add",
        True,
        True,
        False,
    )
    event = member.events.get()
    assert (event.action, event.actor, event.changes) == (
        "created",
        operator,
        {"status": [None, "draft"]},
    )


@freeze_time("2025-07-10 03:00:00")  # priced at July 2025's rules, no relief
def test_register_a_pu_perangkat_desa(api, operator):
    # Given a village secretary paid a siltap of Rp 2,400,000, in the lowest risk class,
    # with all four programs
    body = example_body(
        nik=make_nik("33.26.13", datetime.date(1975, 10, 20), "male", 7),
        full_name="Slamet Widodo",
        birth_date="1975-10-20",
        sex="male",
        roles=[{"category": "perangkat_desa", "position": "Sekretaris Desa"}],
        enrollment=pu_terms(),
    )
    # When registered
    response = api(operator).post("/api/v1/members/", body, format="json")
    # Then the figures are DOMAIN.md's rates on 2,400,000, each share rounded:
    #   JKK 0.24% employer = 5,760;  JKM 0.30% employer = 7,200;
    #   JHT 3.7% employer = 88,800, 2% worker = 48,000;
    #   JP 2% employer = 48,000, 1% worker = 24,000 (the wage is below every JP cap)
    assert response.status_code == 201, response.json()
    enrollment = response.json()["enrollment"]
    assert enrollment["contribution_detail"] == {
        "jkk": full(5760, 0),
        "jkm": full(7200, 0),
        "jht": full(88800, 48000),
        "jp": full(48000, 24000),
    }
    assert enrollment["monthly_contribution"] == 5760 + 7200 + 88800 + 48000 + 48000 + 24000
    assert enrollment["monthly_contribution"] == 221_760
    assert (enrollment["wage"], enrollment["risk_class"], enrollment["declared_income"]) == (
        2_400_000,
        "very_low",
        None,
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"roles": []}, ("roles", "required")),
        ({"roles": None}, ("roles", "null")),
        (
            {"roles": [{"category": "pekerja_rentan"}], "occupation": None},
            ("occupation", "required"),
        ),
        (
            {"enrollment": bpu_terms(programs=["jkk", "jkm", "jp"])},
            ("enrollment.programs", "jp_only_pu"),
        ),
        (
            {"enrollment": bpu_terms(programs=["jkm"])},
            ("enrollment.programs", "mandatory_programs"),
        ),
        (
            {"enrollment": bpu_terms(programs=["jkk"])},
            ("enrollment.programs", "mandatory_programs"),
        ),
        (
            {"enrollment": bpu_terms(declared_income=None)},
            ("enrollment.declared_income", "required"),
        ),
        ({"enrollment": pu_terms(wage=None)}, ("enrollment.wage", "required")),
        ({"enrollment": pu_terms(risk_class=None)}, ("enrollment.risk_class", "required")),
        (
            {"enrollment": bpu_terms(funding_source="dana_desa")},
            ("enrollment.funding_source", "dana_desa_not_allowed"),
        ),
        (
            {"enrollment": bpu_terms(funding_source="Dana Desa")},
            ("enrollment.funding_source", "dana_desa_not_allowed"),
        ),
        (
            {"enrollment": bpu_terms(funding_source="apbn")},
            ("enrollment.funding_source", "invalid_choice"),
        ),
        ({"roles": [{"category": "bupati"}]}, ("roles.0.category", "invalid_choice")),
        (
            {"roles": [{"category": "rt", "term_start": "2024-01-01", "term_end": "2023-01-01"}]},
            ("roles.0.term_end", "term_order"),
        ),
        ({"village": BLACANAN}, ("village", "invalid_village")),
        ({"village": CIRAHAB}, ("village", "invalid_village")),
        ({"village": "33.26.13.9999"}, ("village", "invalid_village")),
        ({"village": "33.26.13"}, ("village", "invalid_village")),
        ({"sex": "perempuan"}, ("sex", "invalid_choice")),
        ({"full_name": ""}, ("full_name", "blank")),
    ],
)
def test_register_refuses_what_the_rules_forbid(api, operator, changes, expected):
    response = api(operator).post("/api/v1/members/", example_body(**changes), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert expected in attrs_codes(response)
    assert not Member.objects.exists()
    assert not Enrollment.objects.exists()


def test_register_refuses_a_future_birth_date(api, operator):
    # Given a birth date next year, with a NIK that agrees with it
    future = timezone.localdate() + datetime.timedelta(days=400)
    body = example_body(nik=make_nik("33.26.13", future, "female", 1), birth_date=str(future))
    response = api(operator).post("/api/v1/members/", body, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {("birth_date", "invalid_birth_date")}
    assert not Member.objects.exists()


def test_missing_roles_key_is_400(api, operator):
    body = example_body()
    del body["roles"]
    response = api(operator).post("/api/v1/members/", body, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {("roles", "required")}


def test_all_mistakes_are_reported_at_once(api, operator):
    body = example_body(
        sex="male",
        roles=[{"category": "pekerja_rentan"}],
        enrollment=bpu_terms(programs=["jkm", "jp"], declared_income=None),
    )
    response = api(operator).post("/api/v1/members/", body, format="json")
    assert response.status_code == 400
    assert {
        ("sex", "nik_sex_mismatch"),
        ("occupation", "required"),
        ("enrollment.programs", "mandatory_programs"),
        ("enrollment.programs", "jp_only_pu"),
        ("enrollment.declared_income", "required"),
    } <= attrs_codes(response)


def test_dana_desa_is_refused_with_the_reason_in_english(api, operator):
    response = api(operator, language="en").post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(funding_source="dana_desa")),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "dana_desa_not_allowed",
            "detail": DANA_DESA_EN,
            "attr": "enrollment.funding_source",
        }
    ]


def test_dana_desa_is_refused_in_indonesian_by_default(api, operator):
    response = api(operator).post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(funding_source="dana_desa")),
        format="json",
    )
    assert response.status_code == 400
    detail = response.json()["errors"][0]["detail"]
    assert detail != DANA_DESA_EN
    assert "dana desa" in detail.lower()
    assert "ADD" in detail


@pytest.mark.parametrize("source", ["add", "apbdes"])
def test_a_kelurahan_has_no_add_or_apbdes(api, make_user, source):
    # Given the operator of Medono, a kelurahan of Kota Pekalongan, registering an RT head
    client = api(make_user(Role.VILLAGE_OPERATOR, scope=MEDONO))
    body = example_body(
        village=MEDONO,
        roles=[{"category": "rt", "position": "Ketua RT 03"}],
        enrollment=bpu_terms(funding_source=source),
    )
    # When the premium would come from the village budget: refused
    response = client.post("/api/v1/members/", body, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {("enrollment.funding_source", "not_in_kelurahan")}
    assert not Member.objects.exists()
    # And with the city's APBD it is fine
    body["enrollment"]["funding_source"] = "apbd"
    response = client.post("/api/v1/members/", body, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("category", ["bpd", "kepala_desa", "perangkat_desa"])
def test_a_kelurahan_has_no_bpd_nor_village_government(api, admin, category):
    body = example_body(
        village=MEDONO,
        roles=[{"category": "rt"}, {"category": category}],
        enrollment=bpu_terms(funding_source="apbd"),
    )
    response = api(admin).post("/api/v1/members/", body, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {("roles.1.category", "not_in_kelurahan")}
    assert not Member.objects.exists()


def test_an_admin_registers_anywhere(api, admin):
    response = api(admin).post(
        "/api/v1/members/",
        example_body(village=CIRAHAB, enrollment=bpu_terms(funding_source="apbdes")),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Member.objects.get().village.code == CIRAHAB


@pytest.mark.parametrize("role", [Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER])
def test_only_operators_and_admins_register(api, make_user, role):
    response = api(make_user(role)).post("/api/v1/members/", example_body(), format="json")
    assert response.status_code == 403
    assert not Member.objects.exists()


def test_anonymous_is_401(api):
    assert api().get("/api/v1/members/").status_code == 401
    assert api().post("/api/v1/members/", example_body(), format="json").status_code == 401


# --- read -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees_nik"),
    [
        (Role.VILLAGE_OPERATOR, True),
        (Role.PMD_AUDITOR, True),
        (Role.BPJS_OFFICER, True),
        (Role.ADMIN, True),
        (Role.DISTRICT_VIEWER, False),
    ],
)
def test_detail_shows_the_whole_nik_to_some_roles(api, make_user, admin, role, sees_nik):
    member = MemberFactory(actor=admin, nik="3326131403800001")
    response = api(make_user(role)).get(f"/api/v1/members/{member.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["nik"] == ("3326131403800001" if sees_nik else None)
    assert body["nik_masked"] == "3326********0001"


@pytest.mark.parametrize("role", list(Role))
def test_lists_never_carry_the_nik(api, make_user, admin, role):
    MemberFactory(actor=admin, nik="3326131403800001")
    response = api(make_user(role)).get("/api/v1/members/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert "nik" not in row
    assert row["nik_masked"] == "3326********0001"
    assert "3326131403800001" not in response.content.decode()


@freeze_time("2025-07-10 03:00:00")  # priced at July 2025's rules, no relief
def test_the_list_row_body(api, admin, operator):
    member = MemberFactory(actor=admin, full_name="Tarno", status=Status.ACTIVE)
    [row] = api(operator).get("/api/v1/members/").json()["results"]
    assert row["id"] == member.pk
    assert row["village"] == KWAYANGAN
    assert row["enrollment"]["status"] == "active"
    assert row["enrollment"]["monthly_contribution"] == 16800
    assert row["updated_at"]


# --- edit -------------------------------------------------------------------------------


def test_patch_the_name(api, admin, operator):
    member = MemberFactory(actor=admin, full_name="Slamet")
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/", {"full_name": "Slamet Riyadi"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["full_name"] == "Slamet Riyadi"
    member.refresh_from_db()
    assert member.full_name == "Slamet Riyadi"
    event = member.events.latest("pk")
    assert (event.action, event.actor, event.changes) == (
        "updated",
        operator,
        {"full_name": ["Slamet", "Slamet Riyadi"]},
    )


@freeze_time("2025-07-10 03:00:00")  # priced at July 2025's rules, no relief
def test_patch_declared_income_is_in_the_history(api, admin, operator):
    # Given an active BPU member declaring Rp 1,000,000
    member = MemberFactory(actor=admin, status=Status.ACTIVE)
    # When the operator raises the declared income, saying why
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/",
        {"enrollment": {"declared_income": 2_500_000}, "reason": "penghasilan naik"},
        format="json",
    )
    # Then the contribution follows (1% of 2,500,000 + 6,800), the enrollment is the same
    assert response.status_code == 200, response.json()
    enrollment = response.json()["enrollment"]
    assert enrollment["declared_income"] == 2_500_000
    assert enrollment["status"] == "active"
    assert enrollment["monthly_contribution"] == 25_000 + 6_800
    assert member.enrollments.get().declared_income == 2_500_000
    # And the history has the old and new values, the reason and who
    history = api(operator).get(f"/api/v1/members/{member.pk}/history/").json()["results"]
    assert history[0]["changes"] == {"declared_income": [1_000_000, 2_500_000]}
    assert history[0]["reason"] == "penghasilan naik"
    assert history[0]["actor"] == operator.username
    assert history[0]["action"] == "updated"


def test_patch_with_nothing_new_writes_no_history(api, admin, operator):
    member = MemberFactory(actor=admin, full_name="Slamet")
    events = member.events.count()
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/",
        {"full_name": "Slamet", "enrollment": {"declared_income": 1_000_000}},
        format="json",
    )
    assert response.status_code == 200
    assert member.events.count() == events


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.LAPSED])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "3326131403800002"),
        ("birth_date", "1980-03-15"),
        ("sex", "female"),
    ],
)
def test_identity_is_frozen_once_active(api, admin, operator, status, field, value):
    member = MemberFactory(actor=admin, nik="3326131403800001", status=status)
    response = api(operator).patch(f"/api/v1/members/{member.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {(field, "identity_frozen")}
    member.refresh_from_db()
    assert (member.nik, member.birth_date, member.sex) == (
        "3326131403800001",
        datetime.date(1980, 3, 14),
        "male",
    )


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_the_nik_may_be_corrected_before_activation(api, admin, operator, status):
    member = MemberFactory(actor=admin, nik="3326131403800001", status=status)
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/", {"nik": "3326131403800002"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["nik"] == "3326131403800002"
    member.refresh_from_db()
    assert member.nik == "3326131403800002"
    # the history keeps NIKs masked
    assert member.events.latest("pk").changes == {"nik": ["3326********0001", "3326********0002"]}


def test_a_corrected_nik_is_checked(api, admin, operator):
    member = MemberFactory(actor=admin, nik="3326131403800001")
    MemberFactory(actor=admin, nik="3326131403800002", full_name="Other")
    client = api(operator)
    response = client.patch(
        f"/api/v1/members/{member.pk}/", {"nik": "3326135403800001"}, format="json"
    )
    assert attrs_codes(response) == {("sex", "nik_sex_mismatch")}
    response = client.patch(
        f"/api/v1/members/{member.pk}/", {"nik": "3326131403800002"}, format="json"
    )
    assert response.status_code == 409
    assert error_codes(response) == ["nik_registered"]
    member.refresh_from_db()
    assert member.nik == "3326131403800001"


def test_switching_segment_replaces_the_basis(api, admin, operator):
    # Given a BPU member, who becomes a wage-earning perangkat desa
    member = MemberFactory(actor=admin)
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/",
        {
            "enrollment": {
                "segment": "pu",
                "programs": ["jkk", "jkm", "jht", "jp"],
                "wage": 2_400_000,
                "risk_class": "very_low",
            },
            "reason": "diangkat perangkat desa",
        },
        format="json",
    )
    # Then the declared income is gone, the wage and risk class in, and the figures are PU's
    assert response.status_code == 200, response.json()
    enrollment = response.json()["enrollment"]
    assert (enrollment["segment"], enrollment["declared_income"], enrollment["wage"]) == (
        "pu",
        None,
        2_400_000,
    )
    assert enrollment["monthly_contribution"] == 221_760
    row = member.enrollments.get()
    assert (row.segment, row.declared_income, row.wage, row.risk_class, row.jp) == (
        "pu",
        None,
        2_400_000,
        "very_low",
        True,
    )
    changes = member.events.latest("pk").changes
    assert changes["segment"] == ["bpu", "pu"]
    assert changes["declared_income"] == [1_000_000, None]
    assert changes["wage"] == [None, 2_400_000]
    assert changes["programs"] == [["jkk", "jkm"], ["jkk", "jkm", "jht", "jp"]]


def test_an_edit_cannot_break_the_enrollment_rules(api, admin, operator):
    member = MemberFactory(actor=admin)
    client = api(operator)
    url = f"/api/v1/members/{member.pk}/"
    cases = [
        ({"programs": ["jkm"]}, ("enrollment.programs", "mandatory_programs")),
        ({"programs": ["jkk", "jkm", "jp"]}, ("enrollment.programs", "jp_only_pu")),
        ({"wage": 2_000_000}, ("enrollment.wage", "not_for_bpu")),
        ({"funding_source": "dana_desa"}, ("enrollment.funding_source", "dana_desa_not_allowed")),
        ({"segment": "pu"}, ("enrollment.wage", "required")),
    ]
    for terms, expected in cases:
        response = client.patch(url, {"enrollment": terms}, format="json")
        assert response.status_code == 400, terms
        assert expected in attrs_codes(response), terms
    row = member.enrollments.get()
    assert (row.segment, row.declared_income, row.jp, row.funding_source) == (
        "bpu",
        1_000_000,
        False,
        "add",
    )


def test_a_new_draft_after_an_end_needs_whole_terms(api, admin, operator):
    member = MemberFactory(actor=admin, status=Status.ENDED)
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/",
        {"enrollment": {"declared_income": 1_500_000}},
        format="json",
    )
    assert response.status_code == 400
    assert {("enrollment.segment", "required"), ("enrollment.funding_source", "required")} <= (
        attrs_codes(response)
    )
    assert list(member.enrollments.values_list("status", flat=True)) == ["ended"]


def test_status_changes_reach_apps_syncing_by_updated_since(api, admin, operator):
    with freeze_time("2025-01-01 03:00:00") as clock:
        member = MemberFactory(actor=admin)
        clock.move_to("2025-02-01 03:00:00")
        api(operator).post(f"/api/v1/members/{member.pk}/submit/")
        response = api(operator).get(
            "/api/v1/members/", {"updated_since": "2025-01-15T00:00:00+07:00"}
        )
    assert [r["id"] for r in response.json()["results"]] == [member.pk]
    assert response.json()["results"][0]["updated_at"] == "2025-02-01T10:00:00+07:00"


def test_roles_are_replaced(api, admin, operator):
    member = MemberFactory(
        actor=admin, roles=[{"category": "rt", "position": "Ketua RT 01"}, {"category": "linmas"}]
    )
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/",
        {
            "roles": [
                {
                    "category": "rw",
                    "position": "Ketua RW 02",
                    "term_start": "2024-01-01",
                    "term_end": "2026-12-31",
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [r["category"] for r in response.json()["roles"]] == ["rw"]
    assert list(
        MemberRole.objects.filter(member=member).values_list(
            "category", "position", "term_start", "term_end"
        )
    ) == [("rw", "Ketua RW 02", datetime.date(2024, 1, 1), datetime.date(2026, 12, 31))]
    changes = member.events.latest("pk").changes["roles"]
    assert [r["category"] for r in changes[0]] == ["rt", "linmas"]
    assert [r["category"] for r in changes[1]] == ["rw"]


def test_roles_cannot_be_emptied(api, admin, operator):
    member = MemberFactory(actor=admin)
    response = api(operator).patch(f"/api/v1/members/{member.pk}/", {"roles": []}, format="json")
    assert response.status_code == 400
    assert attrs_codes(response) == {("roles", "required")}
    assert MemberRole.objects.filter(member=member).count() == 1


def test_a_role_without_category_is_400_not_500(api, admin, operator):
    member = MemberFactory(actor=admin)
    response = api(operator).patch(
        f"/api/v1/members/{member.pk}/", {"roles": [{"position": "Ketua"}]}, format="json"
    )
    assert response.status_code == 400
    assert ("roles.0.category", "required") in attrs_codes(response)
    assert MemberRole.objects.filter(member=member).count() == 1


@pytest.mark.parametrize("role", [Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER])
def test_only_editors_patch(api, make_user, admin, role):
    member = MemberFactory(actor=admin, full_name="Slamet")
    response = api(make_user(role)).patch(
        f"/api/v1/members/{member.pk}/", {"full_name": "X"}, format="json"
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.full_name == "Slamet"


def test_put_is_405(api, admin):
    member = MemberFactory(actor=admin)
    response = api(admin).put(f"/api/v1/members/{member.pk}/", example_body(), format="json")
    assert response.status_code == 405
    assert api(admin).put("/api/v1/members/", example_body(), format="json").status_code == 405


# --- filters and scope ------------------------------------------------------------------

KPJ_BUDI = "55512345678"


@pytest.fixture
def population(admin):
    """Six members spread over villages, categories, statuses and funding sources.

    Registered on 1 January 2025; Citra's phone was edited on 1 March 2025.
    """
    with freeze_time("2025-01-01 03:00:00") as clock:
        people = {
            "Ani": MemberFactory(actor=admin, full_name="Ani", sex="female", category="bpd"),
            "Budi": MemberFactory(
                actor=admin,
                full_name="Budi",
                category="perangkat_desa",
                enrollment=pu_terms(programs=["jkk", "jkm", "jht"]),
                status=Status.ACTIVE,
                kpj_number=KPJ_BUDI,
                effective_from=datetime.date(2024, 1, 1),
            ),
            "Citra": MemberFactory(
                actor=admin,
                full_name="Citra",
                sex="female",
                village=PROTO,
                category="pekerja_rentan",
                enrollment=bpu_terms(funding_source="apbd"),
                is_perisai=True,
                status=Status.SUBMITTED,
            ),
            "Dedi": MemberFactory(
                actor=admin,
                full_name="Dedi",
                village=BLACANAN,
                enrollment=bpu_terms(funding_source="apbdes"),
                status=Status.ENDED,
            ),
            "Eko": MemberFactory(
                actor=admin,
                full_name="Eko",
                village=CIRAHAB,
                category="linmas",
                enrollment=bpu_terms(funding_source="csr"),
                status=Status.LAPSED,
            ),
            "Fitri": MemberFactory(
                actor=admin, full_name="Fitri", sex="female", category="lkd", enrollment=None
            ),
        }
        clock.move_to("2025-03-01 03:00:00")
        registration.member_update(actor=admin, member=people["Citra"], phone="08129999999")
    return people


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Ani", "Budi", "Citra", "Dedi", "Eko", "Fitri"]),
        ({"village": KWAYANGAN}, ["Ani", "Budi", "Fitri"]),
        ({"district": "33.26.13"}, ["Ani", "Budi", "Citra", "Fitri"]),
        ({"regency": "33.26"}, ["Ani", "Budi", "Citra", "Dedi", "Fitri"]),
        ({"regency": "33.02"}, ["Eko"]),
        ({"category": "bpd"}, ["Ani"]),
        ({"category": "pekerja_rentan"}, ["Citra"]),
        ({"category": "rt"}, ["Dedi"]),
        ({"status": "draft"}, ["Ani"]),
        ({"status": "submitted"}, ["Citra"]),
        ({"status": "active"}, ["Budi"]),
        ({"status": "lapsed"}, ["Eko"]),
        ({"status": "ended"}, ["Dedi"]),
        ({"segment": "pu"}, ["Budi"]),
        ({"segment": "bpu"}, ["Ani", "Citra", "Eko"]),
        ({"funding_source": "apbd"}, ["Citra"]),
        ({"funding_source": "csr"}, ["Eko"]),
        ({"funding_source": "add"}, ["Ani", "Budi"]),
        ({"funding_source": "apbdes"}, []),  # Dedi's enrollment is no longer open
        ({"is_perisai": "true"}, ["Citra"]),
        ({"is_perisai": "false"}, ["Ani", "Budi", "Dedi", "Eko", "Fitri"]),
        ({"search": "itr"}, ["Citra", "Fitri"]),
        ({"search": "BUDI"}, ["Budi"]),
        ({"search": "3302"}, ["Eko"]),
        ({"search": "332617"}, ["Dedi"]),
        ({"search": "5551"}, ["Budi"]),
        ({"search": KPJ_BUDI}, ["Budi"]),
        ({"search": "9999"}, []),
        ({"updated_since": "2025-02-01T00:00:00+07:00"}, ["Citra"]),
        ({"updated_since": "2025-02-28T20:00:00Z"}, ["Citra"]),
        ({"updated_since": "2025-03-01T10:00:00+07:00"}, ["Citra"]),  # the very instant
        ({"updated_since": "2025-03-01T10:00:01+07:00"}, []),
        (
            {"updated_since": "2024-12-31T00:00:00+07:00"},
            ["Ani", "Budi", "Citra", "Dedi", "Eko", "Fitri"],
        ),
        ({"district": "33.26.13", "category": "bpd", "status": "draft"}, ["Ani"]),
        ({"regency": "33.26", "segment": "bpu"}, ["Ani", "Citra"]),
        ({"village": KWAYANGAN, "search": "budi"}, ["Budi"]),
        ({"regency": "33.26", "status": "ended"}, ["Dedi"]),
        ({"district": "33.26.13", "funding_source": "apbd", "is_perisai": "true"}, ["Citra"]),
        ({"village": KWAYANGAN, "category": "pekerja_rentan"}, []),
    ],
)
def test_filters(api, admin, population, params, expected):
    response = api(admin).get("/api/v1/members/", params)
    assert response.status_code == 200, response.json()
    assert sorted(names(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [{"status": "aktif"}, {"segment": "x"}, {"updated_since": "kemarin"}, {"category": "bupati"}],
)
def test_a_bad_filter_is_400(api, admin, params):
    response = api(admin).get("/api/v1/members/", params)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_a_member_ended_and_registered_again_is_not_ended(api, admin, population):
    api(admin).patch(
        f"/api/v1/members/{population['Dedi'].pk}/", {"enrollment": bpu_terms()}, format="json"
    )
    client = api(admin)
    assert names(client.get("/api/v1/members/", {"status": "ended"})) == []
    assert names(client.get("/api/v1/members/", {"status": "draft"})) == ["Ani", "Dedi"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.VILLAGE_OPERATOR, ["Ani", "Budi", "Fitri"]),
        (Role.DISTRICT_VIEWER, ["Ani", "Budi", "Citra", "Fitri"]),
        (Role.PMD_AUDITOR, ["Ani", "Budi", "Citra", "Dedi", "Fitri"]),
        (Role.BPJS_OFFICER, ["Ani", "Budi", "Citra", "Dedi", "Fitri"]),
        (Role.ADMIN, ["Ani", "Budi", "Citra", "Dedi", "Eko", "Fitri"]),
    ],
)
def test_each_role_lists_its_scope(api, make_user, population, role, expected):
    client = api(make_user(role))
    assert sorted(names(client.get("/api/v1/members/"))) == expected
    # a filter reaching outside the scope finds nothing rather than leaking
    if role != Role.ADMIN:
        assert client.get("/api/v1/members/", {"regency": "33.02"}).json()["count"] == 0
        assert client.get("/api/v1/members/", {"search": "Eko"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("role", "outsider"),
    [
        (Role.VILLAGE_OPERATOR, "Citra"),  # another desa of the same district
        (Role.VILLAGE_OPERATOR, "Dedi"),
        (Role.DISTRICT_VIEWER, "Dedi"),
        (Role.PMD_AUDITOR, "Eko"),
        (Role.BPJS_OFFICER, "Eko"),
    ],
)
def test_a_member_outside_the_scope_is_404_everywhere(api, make_user, population, role, outsider):
    member = population[outsider]
    client = api(make_user(role))
    url = f"/api/v1/members/{member.pk}/"
    before = (Member.objects.get(pk=member.pk).full_name, status_of(member))
    calls = [
        client.get(url),
        client.get(f"{url}history/"),
        client.patch(url, {"full_name": "X"}, format="json"),
        client.post(f"{url}submit/"),
        client.post(
            f"{url}activate/",
            {"kpj_number": "77712345678", "effective_from": "2024-02-01"},
            format="json",
        ),
        client.post(f"{url}end/", {"reason": "other", "date": "2024-12-01"}, format="json"),
        client.delete(url),
    ]
    allowed = {
        Role.VILLAGE_OPERATOR: {0, 1, 2, 3, 4, 5, 6},
        Role.DISTRICT_VIEWER: {0, 1},
        Role.PMD_AUDITOR: {0, 1},
        Role.BPJS_OFFICER: {0, 1, 4, 5},
    }[role]
    for index, response in enumerate(calls):
        # the calls the role may make are 404; the others are refused by role first
        assert response.status_code == (404 if index in allowed else 403), (index, response)
        if response.status_code == 404:
            assert error_codes(response) == ["not_found"]
    assert (Member.objects.get(pk=member.pk).full_name, status_of(member)) == before


def test_unknown_member_is_404(api, admin):
    assert api(admin).get("/api/v1/members/999999/").status_code == 404
    assert api(admin).get("/api/v1/members/abc/").status_code == 404


# --- pagination and query count ---------------------------------------------------------


def _register_many(admin, count: int, start: int = 0) -> None:
    statuses = [Status.DRAFT, Status.SUBMITTED, Status.ACTIVE, Status.LAPSED, Status.ENDED]
    for i in range(start, start + count):
        birth = datetime.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        member = MemberFactory(
            actor=admin,
            full_name=f"Warga {i:03d}",
            birth_date=birth,
            nik=make_nik("33.26.13", birth, "male", 9000 + i),
            roles=[{"category": "rt", "position": f"RT {i}"}, {"category": "linmas"}],
            enrollment=pu_terms() if i % 3 == 0 else bpu_terms(),
            status=statuses[i % len(statuses)],
        )
        if i % 10 == 4:  # ended, then registered again
            registration.member_update(actor=admin, member=member, enrollment=bpu_terms())


def test_pagination(api, admin, operator):
    _register_many(admin, 60)
    client = api(operator)
    body = client.get("/api/v1/members/").json()
    assert body["count"] == 60
    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert "page=2" in body["next"]
    body = client.get("/api/v1/members/", {"page": 2}).json()
    assert [r["full_name"] for r in body["results"]] == [f"Warga {i:03d}" for i in range(50, 60)]
    assert body["next"] is None
    body = client.get("/api/v1/members/", {"page_size": 7, "page": 3}).json()
    assert [r["full_name"] for r in body["results"]] == [f"Warga {i:03d}" for i in range(14, 21)]
    assert len(client.get("/api/v1/members/", {"page_size": 5000}).json()["results"]) == 60
    assert client.get("/api/v1/members/", {"page": 9}).status_code == 404


def test_list_query_count_does_not_grow_with_rows(api, admin, operator):
    # Given 60 members with two roles each and enrollments in every status
    _register_many(admin, 60)
    client = api(operator)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/members/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(ctx.captured_queries)

    # When a page of 5 and a page of 60 are read, then the same number of queries runs
    assert queries(5) == queries(60)


def test_list_query_count_is_the_same_for_5_and_60_members(api, admin, operator):
    # Given 5 members, then 60: reading the whole list costs the same number of queries
    client = api(operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/members/", {"page_size": 100})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    _register_many(admin, 5)
    few = queries()
    _register_many(admin, 55, start=5)
    assert queries() == few


def test_a_district_viewer_cannot_search_by_nik_prefix(api, make_user, admin):
    # Given a member whose NIK a district viewer sees only masked
    member = MemberFactory(actor=admin)
    viewer = api(make_user(Role.DISTRICT_VIEWER))
    # When the viewer searches by the first digits of that NIK, the hidden ones included
    response = viewer.get("/api/v1/members/", {"search": member.nik[:10]})
    # Then nothing matches: a prefix search would reveal the masked digits one by one
    assert response.json()["count"] == 0
    # While the BPJS officer, who may see NIKs, finds the member
    bpjs = api(make_user(Role.BPJS_OFFICER))
    assert bpjs.get("/api/v1/members/", {"search": member.nik[:10]}).json()["count"] == 1


def test_identity_stays_frozen_after_a_covered_enrollment_ended(api, admin, operator):
    # Given a member who was covered, whose enrollment ended, and who has a new draft
    member = MemberFactory(actor=admin, status=Status.ENDED)
    client = api(operator)
    response = client.patch(
        f"/api/v1/members/{member.pk}/", {"enrollment": bpu_terms()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["enrollment"]["status"] == "draft"
    # When the operator changes the sex, then it is refused: BPJS knows the person by it
    response = client.patch(f"/api/v1/members/{member.pk}/", {"sex": "female"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "identity_frozen"
