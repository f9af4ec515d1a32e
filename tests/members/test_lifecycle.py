"""The enrollment lifecycle: draft → submitted → active (⇄ lapsed) → ended, and its guards."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from contributions.services.arrears import enrollments_reactivate_paid_up
from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError
from members import rules, selectors
from members.models import Enrollment, Member, MemberEvent, MemberRole, Status
from members.services import lifecycle
from tests.conftest import error_codes
from tests.factories import EFFECTIVE_FROM, MemberFactory

from .helpers import bpu_terms, example_body, kpj_for, make_nik, status_of

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Status]
ALLOWED = {(str(a), str(b)): action for (a, b), action in rules.TRANSITIONS.items()}
REFUSED = [pair for pair in itertools.product(STATUSES, STATUSES) if pair not in ALLOWED]
# The endpoint that asks for each target status, where one exists.
ENDPOINT = {Status.SUBMITTED: "submit", Status.ACTIVE: "activate", Status.ENDED: "end"}


@pytest.fixture
def member_in(admin):
    """A Kwayangan RT head whose enrollment is in the given status."""

    def make(status: str, **kwargs) -> Member:
        return MemberFactory(actor=admin, status=status, **kwargs)

    return make


def endpoint_body(member: Member, to: str) -> dict:
    if to == Status.ACTIVE:
        return {"kpj_number": kpj_for(member, attempt=1), "effective_from": "2024-02-01"}
    if to == Status.ENDED:
        return {"reason": "term_ended", "date": "2024-07-31"}
    return {}


def post(client, member: Member, action: str, body: dict | None = None):
    return client.post(f"/api/v1/members/{member.pk}/{action}/", body or {}, format="json")


def test_the_table_is_the_documented_lifecycle():
    assert ALLOWED == {
        ("draft", "submitted"): "submit",
        ("submitted", "active"): "activate",
        ("active", "lapsed"): "lapse",
        ("lapsed", "active"): "reactivate",
        ("submitted", "ended"): "end",
        ("active", "ended"): "end",
        ("lapsed", "ended"): "end",
    }
    assert len(REFUSED) == 18


# --- every allowed transition -----------------------------------------------------------


# lapsed → active is a reactivation: it follows from paying the arrears (the lapse service),
# not from the activate endpoint, which only takes a submitted enrollment with its KPJ.
THROUGH_ENDPOINTS = [p for p in ALLOWED if p[1] in ENDPOINT and ALLOWED[p] != "reactivate"]


def test_the_activate_endpoint_does_not_reactivate_a_lapsed_enrollment(api, make_user, member_in):
    member = member_in("lapsed")
    response = post(api(make_user(Role.ADMIN)), member, "activate", endpoint_body(member, "active"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    assert status_of(member) == "lapsed"


@pytest.mark.parametrize(("source", "to"), THROUGH_ENDPOINTS)
def test_each_transition_through_its_endpoint(api, make_user, member_in, source, to):
    # Given a member whose enrollment is `source`
    member = member_in(source)
    actor = make_user(Role.ADMIN)
    # When the endpoint for `to` is called
    response = post(api(actor), member, ENDPOINT[to], endpoint_body(member, to))
    # Then the enrollment is `to`, in the body and in the database, with a history entry
    assert response.status_code == 200, response.json()
    assert response.json()["enrollment"]["status"] == to
    assert status_of(member) == to
    event = MemberEvent.objects.filter(member=member).latest("pk")
    assert event.action == MemberEvent.Action.STATUS
    assert event.changes["status"] == [source, to]
    assert event.actor == actor


def test_the_nightly_rules_writer_lapses_an_enrollment(member_in):
    # Given an active enrollment
    member = member_in("active")
    enrollment = selectors.enrollment_open(member)
    kpj = enrollment.kpj_number
    # When the nightly rules lapse it (arrears_rules_apply calls enrollments_lapse)
    lapsed = lifecycle.enrollments_lapse(
        ids=[enrollment.pk],
        on=datetime.date(2025, 5, 16),
        reasons={enrollment.pk: "4 consecutive months unpaid"},
    )
    # Then it is lapsed since that day, keeps its card, and the history says so, by no one
    enrollment.refresh_from_db()
    assert lapsed == 1
    assert enrollment.status == "lapsed"
    assert enrollment.lapsed_on == datetime.date(2025, 5, 16)
    assert enrollment.kpj_number == kpj  # the participant keeps their card
    event = MemberEvent.objects.filter(member=member).latest("pk")
    assert event.changes == {"status": ["active", "lapsed"], "lapsed_on": [None, "2025-05-16"]}
    assert event.reason == "4 consecutive months unpaid"
    assert event.actor is None


def test_the_lapse_has_one_writer(admin, member_in):
    # Given an active enrollment
    member = member_in("active")
    enrollment = selectors.enrollment_open(member)
    # When anything but the nightly rules' writer is asked to lapse it, then it refuses
    with pytest.raises(ValueError, match="enrollments_lapse"):
        lifecycle.enrollment_transition(enrollment=enrollment, to="lapsed", actor=admin)
    # and the enrollment is as it was
    assert status_of(member) == "active"


def test_a_lapsed_enrollment_with_its_arrears_paid_is_active_again(member_in):
    # Given an enrollment lapsed today, with nothing overdue any more
    member = member_in("lapsed")
    enrollment = selectors.enrollment_open(member)
    kpj = enrollment.kpj_number
    # When the rules look for paid-up lapsed enrollments (after a payment, and nightly)
    reactivated = enrollments_reactivate_paid_up(villages=[member.village_id])
    # Then it is active again, with its card, its lapse date cleared and the reason written
    enrollment.refresh_from_db()
    assert reactivated == 1
    assert enrollment.status == "active"
    assert enrollment.kpj_number == kpj
    assert enrollment.lapsed_on is None
    event = MemberEvent.objects.filter(member=member).latest("pk")
    assert event.changes["status"] == ["lapsed", "active"]
    assert event.changes["lapsed_on"][1] is None
    assert event.reason == "arrears paid"


# --- every refused pair -----------------------------------------------------------------


@pytest.mark.parametrize(("source", "to"), REFUSED)
def test_refused_pairs_through_the_service_are_409_and_change_nothing(admin, member_in, source, to):
    # Given a member in `source`
    member = member_in(source)
    enrollment = member.enrollments.get()
    events = MemberEvent.objects.filter(member=member).count()
    # When the service is asked for `to`
    with pytest.raises(ApplicationError) as caught:
        lifecycle.enrollment_transition(
            enrollment=enrollment,
            to=to,
            actor=admin,
            kpj_number="99999999999",
            effective_from=datetime.date(2024, 2, 1),
            ended_on=datetime.date(2024, 7, 31),
            end_reason="other",
        )
    # Then it is refused as a conflict and nothing changed
    assert caught.value.code == "invalid_transition"
    assert caught.value.status_code == 409
    assert status_of(member) == source
    assert MemberEvent.objects.filter(member=member).count() == events


@pytest.mark.parametrize(
    ("source", "to"), [p for p in REFUSED if p[1] in ENDPOINT and p[0] != Status.ENDED]
)
def test_refused_pairs_through_the_endpoints_are_409(api, admin, member_in, source, to):
    member = member_in(source)
    before = Enrollment.objects.get(member=member)
    response = post(api(admin, language="en"), member, ENDPOINT[to], endpoint_body(member, to))
    assert response.status_code == 409, response.json()
    assert error_codes(response) == ["invalid_transition"]
    assert response.json()["errors"][0]["detail"] == (
        f"An enrollment that is {source} cannot become {to}."
    )
    after = Enrollment.objects.get(member=member)
    assert (after.status, after.kpj_number, after.ended_on) == (
        before.status,
        before.kpj_number,
        before.ended_on,
    )


@pytest.mark.parametrize("to", list(ENDPOINT))
def test_an_ended_member_has_nothing_left_to_move(api, admin, member_in, to):
    # Given a member whose only enrollment has ended
    member = member_in(Status.ENDED)
    # When any lifecycle endpoint is called
    response = post(api(admin), member, ENDPOINT[to], endpoint_body(member, to))
    # Then 409: there is no open enrollment to move (the ended one stays ended)
    assert response.status_code == 409
    assert error_codes(response) == ["no_enrollment"]
    assert status_of(member) == Status.ENDED


def test_a_member_without_enrollment_cannot_be_submitted(api, admin):
    member = MemberFactory(actor=admin, enrollment=None)
    response = post(api(admin), member, "submit")
    assert response.status_code == 409
    assert error_codes(response) == ["no_enrollment"]
    assert not Enrollment.objects.filter(member=member).exists()


# --- activate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"effective_from": "2024-02-01"},
        {"kpj_number": "", "effective_from": "2024-02-01"},
        {"kpj_number": "1234567890", "effective_from": "2024-02-01"},
        {"kpj_number": "123456789012", "effective_from": "2024-02-01"},
        {"kpj_number": "1234567890a", "effective_from": "2024-02-01"},
        {"kpj_number": "12345-67890", "effective_from": "2024-02-01"},
    ],
)
def test_activate_needs_an_11_digit_kpj(api, make_user, member_in, body):
    member = member_in(Status.SUBMITTED)
    response = post(api(make_user(Role.BPJS_OFFICER)), member, "activate", body)
    assert response.status_code == 400, response.json()
    assert [e["attr"] for e in response.json()["errors"]] == ["kpj_number"]
    assert status_of(member) == Status.SUBMITTED
    assert Enrollment.objects.get(member=member).kpj_number is None


def test_activate_refuses_non_ascii_digits_as_400(api, make_user, member_in):
    member = member_in(Status.SUBMITTED)
    body = {"kpj_number": "١٢٣٤٥٦٧٨٩٠١", "effective_from": "2024-02-01"}
    response = post(api(make_user(Role.BPJS_OFFICER)), member, "activate", body)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["kpj_number"]


def test_activate_needs_an_effective_date_after_birth(api, make_user, member_in):
    member = member_in(Status.SUBMITTED)  # born 1980-03-14
    client = api(make_user(Role.BPJS_OFFICER))
    response = post(client, member, "activate", {"kpj_number": "12345678901"})
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["effective_from"]
    response = post(
        client, member, "activate", {"kpj_number": "12345678901", "effective_from": "1979-12-31"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "effective_from"
    assert error_codes(response) == ["invalid_date"]
    assert status_of(member) == Status.SUBMITTED


def test_activate_records_kpj_and_start(api, make_user, member_in):
    member = member_in(Status.SUBMITTED)
    response = post(
        api(make_user(Role.BPJS_OFFICER)),
        member,
        "activate",
        {"kpj_number": "12345678901", "effective_from": "2024-02-01"},
    )
    assert response.status_code == 200
    enrollment = response.json()["enrollment"]
    assert (enrollment["status"], enrollment["kpj_number"], enrollment["effective_from"]) == (
        "active",
        "12345678901",
        "2024-02-01",
    )
    row = Enrollment.objects.get(member=member)
    assert (row.kpj_number, row.effective_from) == ("12345678901", datetime.date(2024, 2, 1))


def test_a_kpj_of_another_enrollment_is_409(api, make_user, member_in):
    # Given an active member holding KPJ 12345678901, and another member submitted
    holder = member_in(Status.SUBMITTED, full_name="Bambang")
    post(
        api(make_user(Role.ADMIN)),
        holder,
        "activate",
        {"kpj_number": "12345678901", "effective_from": "2024-02-01"},
    )
    other = member_in(Status.SUBMITTED, full_name="Joko")
    # When the other member is activated with the same KPJ
    response = post(
        api(make_user(Role.BPJS_OFFICER), language="en"),
        other,
        "activate",
        {"kpj_number": "12345678901", "effective_from": "2024-02-01"},
    )
    # Then 409 kpj_taken, and the other member is still submitted
    assert response.status_code == 409
    assert error_codes(response) == ["kpj_taken"]
    assert "12345678901" in response.json()["errors"][0]["detail"]
    assert status_of(other) == Status.SUBMITTED
    assert Enrollment.objects.get(member=other).kpj_number is None


# --- end --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "pensiun", "dead", None])
def test_end_needs_a_reason_from_the_list(api, admin, member_in, reason):
    member = member_in(Status.ACTIVE)
    body = {"date": "2024-07-31"} if reason is None else {"reason": reason, "date": "2024-07-31"}
    response = post(api(admin), member, "end", body)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["reason"]
    assert status_of(member) == Status.ACTIVE


def test_end_date_not_in_the_future(api, admin, member_in):
    member = member_in(Status.ACTIVE)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post(api(admin), member, "end", {"reason": "resigned", "date": str(tomorrow)})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("date", "invalid_date")]
    assert status_of(member) == Status.ACTIVE
    # today itself is fine
    today = timezone.localdate()
    response = post(api(admin), member, "end", {"reason": "resigned", "date": str(today)})
    assert response.status_code == 200
    assert response.json()["enrollment"]["ended_on"] == str(today)


def test_end_date_not_before_coverage_started(api, admin, member_in):
    member = member_in(Status.ACTIVE)  # effective from 2024-01-01
    day_before = EFFECTIVE_FROM - datetime.timedelta(days=1)
    response = post(api(admin), member, "end", {"reason": "moved", "date": str(day_before)})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("date", "invalid_date")]
    assert status_of(member) == Status.ACTIVE
    response = post(api(admin), member, "end", {"reason": "moved", "date": str(EFFECTIVE_FROM)})
    assert response.status_code == 200


def test_missing_end_date_is_400(api, admin, member_in):
    member = member_in(Status.ACTIVE)
    response = post(api(admin), member, "end", {"reason": "moved"})
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["date"]


def test_ending_closes_the_roles(api, admin, member_in):
    # Given an active member with two roles
    member = member_in(
        Status.ACTIVE,
        roles=[
            {"category": "rt", "position": "Ketua RT 01"},
            {"category": "linmas", "position": "Anggota Linmas"},
        ],
    )
    # When the enrollment ends because the member died
    response = post(api(admin), member, "end", {"reason": "deceased", "date": "2024-08-17"})
    # Then the enrollment and both roles end on that day
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["enrollment"]["status"] == "ended"
    assert body["enrollment"]["end_reason"] == "deceased"
    assert body["enrollment"]["ended_on"] == "2024-08-17"
    assert [r["ended_on"] for r in body["roles"]] == ["2024-08-17", "2024-08-17"]
    assert set(MemberRole.objects.filter(member=member).values_list("ended_on", flat=True)) == {
        datetime.date(2024, 8, 17)
    }
    row = Enrollment.objects.get(member=member)
    assert (row.status, row.end_reason, row.ended_on) == (
        "ended",
        "deceased",
        datetime.date(2024, 8, 17),
    )
    # an ended enrollment costs nothing any more
    assert body["enrollment"]["monthly_contribution"] is None


def test_after_an_end_an_enrollment_body_starts_a_new_draft(api, admin, member_in):
    # Given a member whose enrollment ended
    member = member_in(Status.ENDED)
    client = api(admin)
    # When a PATCH sends enrollment terms
    response = client.patch(
        f"/api/v1/members/{member.pk}/",
        {"enrollment": bpu_terms(funding_source="apbdes"), "reason": "terpilih lagi"},
        format="json",
    )
    # Then a new draft is open next to the ended one
    assert response.status_code == 200, response.json()
    assert response.json()["enrollment"]["status"] == "draft"
    assert response.json()["enrollment"]["funding_source"] == "apbdes"
    assert sorted(member.enrollments.values_list("status", flat=True)) == ["draft", "ended"]
    event = MemberEvent.objects.filter(member=member).latest("pk")
    assert event.changes["status"] == [None, "draft"]
    assert event.reason == "terpilih lagi"
    # And it can run the lifecycle again and end, and a third one start: many ended, one open
    assert post(client, member, "submit").status_code == 200
    assert post(client, member, "end", {"reason": "other", "date": "2024-09-01"}).status_code == 200
    client.patch(f"/api/v1/members/{member.pk}/", {"enrollment": bpu_terms()}, format="json")
    assert sorted(member.enrollments.values_list("status", flat=True)) == [
        "draft",
        "ended",
        "ended",
    ]


def test_a_returning_member_is_activated_with_their_own_kpj(api, admin, member_in):
    # Given a member active with a KPJ, ended, then registered again as a new draft
    member = member_in(Status.ACTIVE)
    kpj = Enrollment.objects.get(member=member).kpj_number
    client = api(admin)
    post(client, member, "end", {"reason": "term_ended", "date": "2024-07-31"})
    client.patch(f"/api/v1/members/{member.pk}/", {"enrollment": bpu_terms()}, format="json")
    post(client, member, "submit")
    # When BPJS activates the new enrollment with the KPJ printed on the member's card
    response = post(client, member, "activate", {"kpj_number": kpj, "effective_from": "2024-09-01"})
    # Then it is the same participant: accepted
    assert response.status_code == 200, response.json()


# --- the database constraints behind the rules ------------------------------------------


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(**fields)


def test_one_open_enrollment_per_member(api, admin, member_in):
    member = member_in(Status.SUBMITTED)
    # The API way: an enrollment body edits the open enrollment, it does not add one
    response = api(admin).patch(
        f"/api/v1/members/{member.pk}/",
        {"enrollment": {"declared_income": 1_500_000}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert member.enrollments.count() == 1
    assert member.enrollments.get().declared_income == 1_500_000
    # The database refuses a second open enrollment whatever its status
    for status in ("draft", "submitted"):
        _refused(member=member, status=status, **_bpu_row())
    # ...but takes any number of ended ones
    for _ in range(2):
        Enrollment.objects.create(
            member=member,
            status="ended",
            ended_on=datetime.date(2023, 1, 1),
            end_reason="other",
            **_bpu_row(),
        )
    assert member.enrollments.count() == 3


def _bpu_row(**overrides) -> dict:
    row = {"segment": "bpu", "declared_income": 1_000_000, "funding_source": "add"}
    row.update(overrides)
    return row


def test_jkk_and_jkm_are_mandatory(api, admin):
    member = MemberFactory(actor=admin, enrollment=None)
    _refused(member=member, jkk=False, **_bpu_row())
    _refused(member=member, jkm=False, **_bpu_row())
    response = api(admin).post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(programs=["jkm"])),
        format="json",
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("enrollment.programs", "mandatory_programs")
    ]


def test_jp_only_for_pu(api, admin):
    member = MemberFactory(actor=admin, enrollment=None)
    _refused(member=member, jp=True, **_bpu_row())
    response = api(admin).post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(programs=["jkk", "jkm", "jp"])),
        format="json",
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("enrollment.programs", "jp_only_pu")
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"segment": "bpu", "funding_source": "add"},
        {"segment": "bpu", "funding_source": "add", "declared_income": 1, "wage": 1},
        {"segment": "bpu", "funding_source": "add", "declared_income": 1, "risk_class": "low"},
        {"segment": "pu", "funding_source": "add", "wage": 2_000_000},
        {"segment": "pu", "funding_source": "add", "risk_class": "low"},
        {"segment": "pu", "funding_source": "add", "declared_income": 1, "risk_class": "low"},
    ],
)
def test_basis_matches_segment_in_the_database(admin, fields):
    member = MemberFactory(actor=admin, enrollment=None)
    _refused(member=member, **fields)


@pytest.mark.parametrize(
    ("terms", "attr", "code"),
    [
        (bpu_terms(declared_income=None), "enrollment.declared_income", "required"),
        (bpu_terms(wage=2_000_000), "enrollment.wage", "not_for_bpu"),
        (bpu_terms(risk_class="low"), "enrollment.risk_class", "not_for_bpu"),
        (
            {"segment": "pu", "programs": ["jkk", "jkm"], "funding_source": "add"},
            "enrollment.wage",
            "required",
        ),
        (
            {"segment": "pu", "programs": ["jkk", "jkm"], "funding_source": "add", "wage": 1},
            "enrollment.risk_class",
            "required",
        ),
        (
            {
                "segment": "pu",
                "programs": ["jkk", "jkm"],
                "funding_source": "add",
                "wage": 2_000_000,
                "risk_class": "very_low",
                "declared_income": 1_000_000,
            },
            "enrollment.declared_income",
            "not_for_pu",
        ),
    ],
)
def test_basis_matches_segment_through_the_api(api, admin, terms, attr, code):
    response = api(admin).post("/api/v1/members/", example_body(enrollment=terms), format="json")
    assert response.status_code == 400
    assert (attr, code) in [(e["attr"], e["code"]) for e in response.json()["errors"]]
    assert not Member.objects.exists()


@pytest.mark.parametrize("kpj", ["1234567890", "123456789012", "1234567890a", ""])
def test_kpj_is_11_digits_in_the_database(admin, member_in, kpj):
    member = member_in(Status.SUBMITTED)
    enrollment = member.enrollments.get()
    enrollment.kpj_number = kpj
    # too long is caught by varchar(11) (DataError), the rest by the check constraint
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        enrollment.save()


@pytest.mark.parametrize("nik", ["332613450785000", "33261345078500011", "33261345078500O1", ""])
def test_member_nik_is_16_digits_in_the_database(nik):
    from villages.models import Region

    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Member.objects.create(
            village=Region.objects.get(code="33.26.13.2008"),
            nik=nik,
            full_name="Siti Aminah",
            birth_date=datetime.date(1985, 7, 5),
            sex="female",
        )


def test_member_nik_is_16_digits_through_the_api(api, admin):
    response = api(admin).post(
        "/api/v1/members/", example_body(nik="332613450785000"), format="json"
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("nik", "nik_format")]


# --- history ----------------------------------------------------------------------------


def test_each_status_change_is_in_the_history(api, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, username="sekdes_kwayangan")
    officer = make_user(Role.BPJS_OFFICER, username="bpjs_kajen")
    with freeze_time("2025-01-06 02:00:00") as clock:  # 09:00 in Jakarta
        response = api(operator).post("/api/v1/members/", example_body(), format="json")
        member_id = response.json()["id"]
        clock.tick(datetime.timedelta(hours=1))
        api(operator).post(f"/api/v1/members/{member_id}/submit/")
        clock.tick(datetime.timedelta(days=2))
        api(officer).post(
            f"/api/v1/members/{member_id}/activate/",
            {"kpj_number": "24011234567", "effective_from": "2025-01-01"},
            format="json",
        )
        clock.tick(datetime.timedelta(days=30))
        api(operator).post(
            f"/api/v1/members/{member_id}/end/",
            {"reason": "resigned", "date": "2025-02-07", "note": "mengundurkan diri dari BPD"},
            format="json",
        )
        response = api(make_user(Role.DISTRICT_VIEWER)).get(f"/api/v1/members/{member_id}/history/")
    assert response.status_code == 200
    rows = response.json()["results"]
    # newest first: who, when, old → new, why
    assert [(r["actor"], r["action"], r["changes"].get("status"), r["reason"]) for r in rows] == [
        ("sekdes_kwayangan", "status", ["active", "ended"], "mengundurkan diri dari BPD"),
        ("bpjs_kajen", "status", ["submitted", "active"], ""),
        ("sekdes_kwayangan", "status", ["draft", "submitted"], ""),
        ("sekdes_kwayangan", "created", [None, "draft"], ""),
    ]
    assert [r["at"] for r in rows] == [
        "2025-02-07T10:00:00+07:00",
        "2025-01-08T10:00:00+07:00",
        "2025-01-06T10:00:00+07:00",
        "2025-01-06T09:00:00+07:00",
    ]
    assert rows[1]["changes"]["kpj_number"] == [None, "24011234567"]
    assert rows[1]["changes"]["effective_from"] == [None, "2025-01-01"]
    assert rows[0]["changes"]["end_reason"] == [None, "resigned"]
    assert rows[0]["changes"]["ended_on"] == [None, "2025-02-07"]


def test_an_end_without_note_gives_the_reason_label(api, admin, member_in):
    member = member_in(Status.ACTIVE)
    post(api(admin, language="en"), member, "end", {"reason": "deceased", "date": "2024-08-01"})
    event = MemberEvent.objects.filter(member=member).latest("pk")
    assert event.changes["status"] == ["active", "ended"]
    assert event.reason  # the reason's label, not empty


# --- who may do what --------------------------------------------------------------------

ACTION_ROLES = {
    "submit": {Role.VILLAGE_OPERATOR, Role.ADMIN},
    "activate": {Role.BPJS_OFFICER, Role.ADMIN, Role.VILLAGE_OPERATOR},
    "end": {Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER, Role.ADMIN},
}
SOURCE = {"submit": Status.DRAFT, "activate": Status.SUBMITTED, "end": Status.ACTIVE}
TARGET = {"submit": Status.SUBMITTED, "activate": Status.ACTIVE, "end": Status.ENDED}


@pytest.mark.parametrize("action", list(ACTION_ROLES))
@pytest.mark.parametrize("role", list(Role))
def test_who_may_move_an_enrollment(api, make_user, member_in, action, role):
    # Given a Kwayangan member (inside every role's default scope) ready for `action`
    member = member_in(SOURCE[action])
    # When a user of `role` calls it
    response = post(api(make_user(role)), member, action, endpoint_body(member, TARGET[action]))
    # Then the roles in the table may, the others get 403 and nothing changes
    if role in ACTION_ROLES[action]:
        assert response.status_code == 200, response.json()
        assert status_of(member) == TARGET[action]
    else:
        assert response.status_code == 403
        assert status_of(member) == SOURCE[action]


# --- delete -----------------------------------------------------------------------------


def test_a_draft_may_be_deleted(api, operator):
    response = api(operator).post("/api/v1/members/", example_body(), format="json")
    member_id = response.json()["id"]
    response = api(operator).delete(f"/api/v1/members/{member_id}/")
    assert response.status_code == 204
    assert not Member.objects.filter(pk=member_id).exists()
    assert not Enrollment.objects.filter(member_id=member_id).exists()
    assert not MemberEvent.objects.filter(member_id=member_id).exists()


def test_a_member_without_enrollment_may_be_deleted(api, admin):
    member = MemberFactory(actor=admin, enrollment=None)
    assert api(admin).delete(f"/api/v1/members/{member.pk}/").status_code == 204
    assert not Member.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ACTIVE, Status.LAPSED, Status.ENDED])
def test_no_delete_once_submitted(api, make_user, member_in, status):
    member = member_in(status)
    response = api(make_user(Role.VILLAGE_OPERATOR)).delete(f"/api/v1/members/{member.pk}/")
    assert response.status_code == 409
    assert error_codes(response) == ["not_deletable"]
    assert Member.objects.filter(pk=member.pk).exists()
    assert status_of(member) == status


@pytest.mark.parametrize("role", [Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER])
def test_only_editors_delete(api, make_user, member_in, role):
    member = member_in(Status.DRAFT)
    assert api(make_user(role)).delete(f"/api/v1/members/{member.pk}/").status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_nik_helper_matches_the_example():
    assert make_nik("33.26.13", datetime.date(1985, 7, 5), "female", 1) == "3326134507850001"
