"""Budgets against what was billed and paid, and the benefit claims BPJS pays."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from contributions.models import BenefitClaim, BenefitDefault, Bill, Budget
from contributions.services.payments import payment_reverse, payment_review
from jamsostek.core.choices import Role
from members.models import MemberEvent, Status
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN, MEDONO, error_codes
from tests.factories import CoveredMemberFactory, PaymentFactory

from .helpers import (
    bill_of,
    bpu_terms,
    day,
    enrollment_of,
    generate,
)

pytestmark = pytest.mark.django_db

BUDGETS = "/api/v1/budgets/"
CLAIMS = "/api/v1/claims/"


def attrs(response) -> list[str | None]:
    return [e["attr"] for e in response.json()["errors"]]


def budget_body(**overrides) -> dict:
    body = {"village": KWAYANGAN, "year": 2025, "funding_source": "add", "amount": 200_000}
    body.update(overrides)
    return body


# --- budgets: who may set them, and what they may be -------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PMD_AUDITOR, 201),
        (Role.ADMIN, 201),
        (Role.VILLAGE_OPERATOR, 403),
        (Role.DISTRICT_VIEWER, 403),
        (Role.BPJS_OFFICER, 403),
    ],
)
def test_who_may_set_a_budget(api, make_user, role, status):
    response = api(make_user(role)).post(BUDGETS, budget_body(), format="json")
    assert response.status_code == status
    assert Budget.objects.count() == (1 if status == 201 else 0)


def test_setting_a_budget(api, auditor):
    # When the auditor sets Kwayangan's 2025 ADD budget before anything is billed
    response = api(auditor).post(BUDGETS, budget_body(), format="json")

    # Then it is stored and read back with nothing billed or paid
    assert response.status_code == 201, response.json()
    budget = Budget.objects.get()
    assert response.json() == {
        "id": budget.pk,
        "village": KWAYANGAN,
        "village_name": "Kwayangan",
        "year": 2025,
        "funding_source": "add",
        "amount": 200_000,
        "billed": 0,
        "paid": 0,
        "remaining": 200_000,
        "projected": 0,
        "runs_out": None,
    }
    assert budget.updated_by == auditor


def test_a_second_budget_for_the_same_village_year_and_source_is_409(api, auditor):
    client = api(auditor)
    assert client.post(BUDGETS, budget_body(), format="json").status_code == 201
    response = client.post(BUDGETS, budget_body(amount=300_000), format="json")
    assert response.status_code == 409
    assert error_codes(response) == ["budget_exists"]
    assert list(Budget.objects.values_list("amount", flat=True)) == [200_000]
    # Another source or another year is another budget
    assert (
        client.post(BUDGETS, budget_body(funding_source="apbdes"), format="json").status_code == 201
    )
    assert client.post(BUDGETS, budget_body(year=2026), format="json").status_code == 201


def test_a_kelurahan_has_no_add_or_apbdes_budget(api, admin):
    client = api(admin)
    for source in ("add", "apbdes"):
        response = client.post(
            BUDGETS, budget_body(village=MEDONO, funding_source=source), format="json"
        )
        assert response.status_code == 400, source
        assert attrs(response) == ["funding_source"]
        assert error_codes(response) == ["not_in_kelurahan"]
    response = client.post(
        BUDGETS, budget_body(village=MEDONO, funding_source="apbd"), format="json"
    )
    assert response.status_code == 201
    assert Budget.objects.get().village.code == MEDONO


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"village": CIRAHAB}, "village"),  # Banyumas: outside Kab. Pekalongan
        ({"village": "33.26.13.9999"}, "village"),
        ({"village": "33.26.13"}, "village"),  # a district
        ({"year": 2014}, "year"),
        ({"amount": -1}, "amount"),
        ({"funding_source": "dana_desa"}, "funding_source"),
    ],
)
def test_bad_budgets_are_400(api, auditor, overrides, attr):
    response = api(auditor).post(BUDGETS, budget_body(**overrides), format="json")
    assert response.status_code == 400
    assert attrs(response) == [attr]
    assert not Budget.objects.exists()


def test_changing_a_budgets_amount(api, auditor, make_user):
    budget = Budget.objects.create(
        village_id=make_user(Role.VILLAGE_OPERATOR).scope_id,
        year=2025,
        funding_source="add",
        amount=100_000,
    )
    for role in (Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER, Role.BPJS_OFFICER):
        response = api(make_user(role)).patch(
            f"{BUDGETS}{budget.pk}/", {"amount": 1}, format="json"
        )
        assert response.status_code == 403, role
    response = api(auditor).patch(f"{BUDGETS}{budget.pk}/", {"amount": -5}, format="json")
    assert (response.status_code, attrs(response)) == (400, ["amount"])

    response = api(auditor).patch(
        f"{BUDGETS}{budget.pk}/", {"amount": 150_000, "year": 2030}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["year"]) == (150_000, 2025)
    budget.refresh_from_db()
    assert (budget.amount, budget.year, budget.updated_by) == (150_000, 2025, auditor)
    # Another regency's auditor does not even see it
    other = api(make_user(Role.PMD_AUDITOR, "33.02"))
    assert other.patch(f"{BUDGETS}{budget.pk}/", {"amount": 1}, format="json").status_code == 404


# --- budgets against bills and payments -----------------------------------------------------


@pytest.fixture
def spending(admin, make_user):
    """Kwayangan: two BPU members on ADD billed January to March 2025 (Rp 33,600 a month,
    Rp 100,800 in all) and January 2026, one on APBD; payments of every kind."""
    operator = make_user(Role.VILLAGE_OPERATOR)
    auditor = make_user(Role.PMD_AUDITOR)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    CoveredMemberFactory(
        actor=admin, enrollment=bpu_terms(funding_source="apbd"), category="pekerja_rentan"
    )
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    for period in ("2025-01", "2025-02", "2025-03", "2026-01"):
        generate(period)
    with freeze_time("2025-03-20 03:00:00"):
        PaymentFactory(
            actor=operator, bill=bill_of(period="2025-01")
        )  # 33,600 pending review: counts
        verified = PaymentFactory(actor=operator, bill=bill_of(period="2025-02"), amount=20_000)
        payment_review(actor=auditor, payment=verified, verdict="verify")  # counts
        rejected = PaymentFactory(actor=operator, bill=bill_of(period="2025-03"), amount=5_000)
        payment_review(actor=auditor, payment=rejected, verdict="reject", note="ganda")
        reversed_ = PaymentFactory(actor=operator, bill=bill_of(period="2025-03"), amount=3_000)
        payment_reverse(actor=operator, payment=reversed_, reason="keliru")
        PaymentFactory(
            actor=operator, bill=bill_of(period="2025-01", source="apbd")
        )  # another source
        PaymentFactory(actor=operator, bill=bill_of(period="2026-01"), amount=1_000)  # another year


def read_budget(client, budget_id: int) -> dict:
    response = client.get(f"{BUDGETS}{budget_id}/")
    assert response.status_code == 200
    return response.json()


def test_billed_paid_remaining_and_the_projection(api, auditor, spending):
    # When the auditor sets Rp 200,000 for 2025 after three months were billed
    response = api(auditor).post(BUDGETS, budget_body(amount=200_000), format="json")

    # Then billed counts 2025's ADD bills only, paid the payments that count on them
    assert response.status_code == 201
    body = response.json()
    assert (body["billed"], body["paid"], body["remaining"]) == (100_800, 53_600, 99_200)
    # And at Rp 33,600 a month the nine months left bring the year to Rp 403,200,
    # passing Rp 200,000 in June (134,400 in April, 168,000 in May, 201,600 in June)
    assert body["projected"] == 403_200
    assert body["runs_out"] == "2025-06"
    assert read_budget(api(auditor), body["id"]) == body


@pytest.mark.parametrize(
    ("amount", "runs_out"),
    [(201_600, "2025-07"), (201_599, "2025-06"), (403_200, None), (1_000_000, None)],
)
def test_when_the_budget_runs_out(api, auditor, spending, amount, runs_out):
    body = api(auditor).post(BUDGETS, budget_body(amount=amount), format="json").json()
    assert body["runs_out"] == runs_out
    assert body["projected"] == 403_200


def test_a_budget_already_passed(api, auditor, spending):
    # Given Rp 60,000 for a year whose bills already come to Rp 100,800
    body = api(auditor).post(BUDGETS, budget_body(amount=60_000), format="json").json()
    # Then nothing remains, and the bills past it are flagged (February's and March's)
    assert body["remaining"] == -40_800
    flagged = Bill.objects.filter(over_budget=True, funding_source="add", period__year=2025)
    assert sorted(f"{b.period:%Y-%m}" for b in flagged) == ["2025-02", "2025-03"]
    listed = api(auditor).get(BUDGETS, {"over": "true"}).json()
    assert [b["id"] for b in listed["results"]] == [body["id"]]
    assert api(auditor).get(BUDGETS, {"over": "false"}).json()["count"] == 0


def test_a_budget_already_passed_ran_out_when_the_bills_passed_it(api, auditor, spending):
    body = api(auditor).post(BUDGETS, budget_body(amount=60_000), format="json").json()
    # January 33,600; February 67,200 > 60,000
    assert body["runs_out"] == "2025-02"


def test_budget_list_filters_and_scope(api, admin, auditor, make_user):
    for village, year, source in (
        (KWAYANGAN, 2025, "add"),
        (KWAYANGAN, 2025, "apbdes"),
        (KWAYANGAN, 2026, "add"),
        (BLACANAN, 2025, "add"),
        (CIRAHAB, 2025, "add"),
    ):
        response = api(admin).post(
            BUDGETS,
            budget_body(village=village, year=year, funding_source=source),
            format="json",
        )
        assert response.status_code == 201

    def listed(client, **params) -> set[tuple]:
        response = client.get(BUDGETS, params)
        assert response.status_code == 200
        return {(b["village"], b["year"], b["funding_source"]) for b in response.json()["results"]}

    client = api(auditor)
    assert len(listed(client)) == 4
    assert listed(client, village=KWAYANGAN, year=2025) == {
        (KWAYANGAN, 2025, "add"),
        (KWAYANGAN, 2025, "apbdes"),
    }
    assert listed(client, year=2026) == {(KWAYANGAN, 2026, "add")}
    assert listed(client, funding_source="apbdes") == {(KWAYANGAN, 2025, "apbdes")}
    assert listed(client, village=CIRAHAB) == set()
    assert {b[0] for b in listed(api(make_user(Role.VILLAGE_OPERATOR)))} == {KWAYANGAN}
    assert {b[0] for b in listed(api(make_user(Role.DISTRICT_VIEWER)))} == {KWAYANGAN}
    assert len(listed(api(admin))) == 5
    cirahab = Budget.objects.get(village__code=CIRAHAB).pk
    assert client.get(f"{BUDGETS}{cirahab}/").status_code == 404


# --- claims ------------------------------------------------------------------------------


@pytest.fixture
def clock():
    with freeze_time("2025-06-25 03:00:00") as frozen:
        yield frozen


def claim_body(whom, **overrides) -> dict:
    body = {
        "member": whom.pk,
        "benefit": "jkm",
        "event_date": "2025-06-03",
        "paid_on": "2025-06-20",
        "beneficiary_name": "Siti Aminah",
    }
    body.update(overrides)
    return body


def test_a_death_benefit_takes_its_default_and_ends_the_enrollment(api, admin, officer, clock):
    # Given an active member of Kwayangan
    member = CoveredMemberFactory(actor=admin, full_name="Slamet Riyadi")

    # When the BPJS officer records the JKM paid to his widow, without an amount
    response = api(officer).post(CLAIMS, claim_body(member), format="json")

    # Then Rp 42,000,000 is recorded
    assert response.status_code == 201, response.json()
    claim = BenefitClaim.objects.get()
    assert response.json() == {
        "id": claim.pk,
        "member": member.pk,
        "member_name": "Slamet Riyadi",
        "village": KWAYANGAN,
        "benefit": "jkm",
        "event_date": "2025-06-03",
        "amount": 42_000_000,
        "paid_on": "2025-06-20",
        "beneficiary_name": "Siti Aminah",
        "note": "",
        "recorded_by": officer.username,
        "created_at": "2025-06-25T10:00:00+07:00",
        "updated_at": "2025-06-25T10:00:00+07:00",
    }
    # And the enrollment ended on the day of death, as deceased, with a history entry
    enrollment = enrollment_of(member)
    assert (enrollment.status, enrollment.end_reason, enrollment.ended_on) == (
        Status.ENDED,
        "deceased",
        day("2025-06-03"),
    )
    event = MemberEvent.objects.filter(member=member).order_by("-pk").first()
    assert event.actor == officer
    assert event.changes == {
        "status": ["active", "ended"],
        "end_reason": [None, "deceased"],
        "ended_on": [None, "2025-06-03"],
    }
    shown = api(officer).get(f"/api/v1/members/{member.pk}/").json()["enrollment"]
    assert (shown["status"], shown["end_reason"], shown["ended_on"]) == (
        "ended",
        "deceased",
        "2025-06-03",
    )
    # And he is no longer billed after June
    generate("2025-07", KWAYANGAN)
    assert not Bill.objects.filter(period=day("2025-07-01")).exists()


def test_a_death_benefit_ends_a_lapsed_enrollment_too(api, admin, officer, clock):
    member = CoveredMemberFactory(actor=admin, status=Status.LAPSED, lapsed_on="2025-05-16")
    response = api(officer).post(CLAIMS, claim_body(member, amount=45_000_000), format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == 45_000_000
    assert (enrollment_of(member).status, enrollment_of(member).end_reason) == ("ended", "deceased")


def test_defaults_are_dated(api, admin, officer, clock):
    # Given the JKM default raised from 1 June 2025 (as data)
    BenefitDefault.objects.create(
        benefit="jkm", amount=45_000_000, effective_from=day("2025-06-01")
    )
    before = CoveredMemberFactory(actor=admin)
    after = CoveredMemberFactory(actor=admin)
    client = api(officer)
    # Then a death before that day takes the old figure, one on or after it the new one
    old = client.post(CLAIMS, claim_body(before, event_date="2025-05-31"), format="json")
    new = client.post(CLAIMS, claim_body(after, event_date="2025-06-01"), format="json")
    assert (old.json()["amount"], new.json()["amount"]) == (42_000_000, 45_000_000)


def test_a_benefit_without_a_default_needs_an_amount(api, admin, officer, clock):
    member = CoveredMemberFactory(actor=admin)
    client = api(officer)

    # When a JKK (work accident) claim comes without an amount
    response = client.post(CLAIMS, claim_body(member, benefit="jkk"), format="json")
    # Then the amount is asked for
    assert response.status_code == 400
    assert attrs(response) == ["amount"]
    assert error_codes(response) == ["required"]

    # When it has one, it is recorded and the enrollment goes on
    response = client.post(
        CLAIMS, claim_body(member, benefit="jkk", amount=7_500_000), format="json"
    )
    assert response.status_code == 201
    assert response.json()["amount"] == 7_500_000
    assert enrollment_of(member).status == Status.ACTIVE

    # And once JKK has a default (as data), it is taken from the event date on
    BenefitDefault.objects.create(
        benefit="jkk", amount=10_000_000, effective_from=day("2025-06-01")
    )
    taken = client.post(CLAIMS, claim_body(member, benefit="jkk"), format="json")
    assert (taken.status_code, taken.json()["amount"]) == (201, 10_000_000)
    earlier = client.post(
        CLAIMS, claim_body(member, benefit="jkk", event_date="2025-05-20"), format="json"
    )
    assert (earlier.status_code, attrs(earlier)) == (400, ["amount"])


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"paid_on": "2025-06-02"}, "paid_on"),  # paid before the death
        ({"event_date": "2025-06-26", "paid_on": "2025-06-26"}, "paid_on"),
        ({"event_date": "2025-06-26"}, "event_date"),  # an event in the future
        ({"benefit": "jkp"}, "benefit"),
        ({"amount": 0}, "amount"),
        ({"beneficiary_name": ""}, "beneficiary_name"),
        ({"event_date": "03-06-2025"}, "event_date"),
    ],
)
def test_bad_claims_are_400_and_change_nothing(api, admin, officer, clock, overrides, attr):
    member = CoveredMemberFactory(actor=admin)
    response = api(officer).post(CLAIMS, claim_body(member, **overrides), format="json")
    assert response.status_code == 400
    assert attrs(response) == [attr]
    assert not BenefitClaim.objects.exists()
    assert enrollment_of(member).status == Status.ACTIVE


def test_a_member_outside_the_scope_is_400(api, admin, officer, clock):
    member = CoveredMemberFactory(actor=admin, village=CIRAHAB)
    response = api(officer).post(CLAIMS, claim_body(member), format="json")
    assert response.status_code == 400
    assert attrs(response) == ["member"]
    assert error_codes(response) == ["invalid_member"]
    missing = api(officer).post(CLAIMS, claim_body(member, member=member.pk + 999), format="json")
    assert (missing.status_code, attrs(missing)) == (400, ["member"])
    assert not BenefitClaim.objects.exists()
    assert enrollment_of(member).status == Status.ACTIVE
    # The admin reaches it
    assert api(admin).post(CLAIMS, claim_body(member), format="json").status_code == 201


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.BPJS_OFFICER, 201),
        (Role.ADMIN, 201),
        (Role.VILLAGE_OPERATOR, 403),
        (Role.DISTRICT_VIEWER, 403),
        (Role.PMD_AUDITOR, 403),
    ],
)
def test_who_may_record_a_claim(api, admin, make_user, clock, role, status):
    member = CoveredMemberFactory(actor=admin)
    response = api(make_user(role)).post(
        CLAIMS, claim_body(member, benefit="jkk", amount=1_000_000), format="json"
    )
    assert response.status_code == status
    assert BenefitClaim.objects.count() == (1 if status == 201 else 0)


def test_claim_list_filters_and_scope(api, admin, officer, make_user, clock):
    # Given claims in Kwayangan (a death in 2025, an accident paid in 2024), Blacanan, Cirahab
    records = {
        "jkm-kwayangan": (CoveredMemberFactory(actor=admin), {}),
        "jkk-kwayangan-2024": (
            CoveredMemberFactory(actor=admin),
            {
                "benefit": "jkk",
                "amount": 2_000_000,
                "event_date": "2024-11-02",
                "paid_on": "2024-12-10",
            },
        ),
        "jkk-blacanan": (
            CoveredMemberFactory(actor=admin, village=BLACANAN),
            {"benefit": "jkk", "amount": 3_000_000},
        ),
        "beasiswa-cirahab": (
            CoveredMemberFactory(actor=admin, village=CIRAHAB),
            {"benefit": "beasiswa", "amount": 1_500_000},
        ),
    }
    ids = {}
    for name, (member, overrides) in records.items():
        response = api(admin).post(CLAIMS, claim_body(member, **overrides), format="json")
        assert response.status_code == 201, (name, response.json())
        ids[response.json()["id"]] = name

    def listed(client, **params) -> set[str]:
        response = client.get(CLAIMS, params)
        assert response.status_code == 200
        return {ids[c["id"]] for c in response.json()["results"]}

    client = api(officer)
    assert listed(client) == {"jkm-kwayangan", "jkk-kwayangan-2024", "jkk-blacanan"}
    assert listed(client, benefit="jkk") == {"jkk-kwayangan-2024", "jkk-blacanan"}
    assert listed(client, year=2024) == {"jkk-kwayangan-2024"}
    assert listed(client, year=2025) == {"jkm-kwayangan", "jkk-blacanan"}
    assert listed(client, village=BLACANAN) == {"jkk-blacanan"}
    assert listed(client, village=CIRAHAB) == set()
    assert listed(client, member=records["jkm-kwayangan"][0].pk) == {"jkm-kwayangan"}
    assert listed(api(admin), regency="33.02") == {"beasiswa-cirahab"}
    assert listed(api(make_user(Role.VILLAGE_OPERATOR))) == {"jkm-kwayangan", "jkk-kwayangan-2024"}
    assert listed(api(make_user(Role.VILLAGE_OPERATOR, CIRAHAB))) == {"beasiswa-cirahab"}
    cirahab = next(pk for pk, name in ids.items() if name == "beasiswa-cirahab")
    assert client.get(f"{CLAIMS}{cirahab}/").status_code == 404
    bad = client.get(CLAIMS, {"benefit": "jkp"})
    assert (bad.status_code, attrs(bad)) == (400, ["benefit"])


def test_a_member_dies_once(api, admin, officer, clock):
    member = CoveredMemberFactory(actor=admin)
    client = api(officer)
    assert client.post(CLAIMS, claim_body(member), format="json").status_code == 201
    # When the same death is recorded again
    response = client.post(CLAIMS, claim_body(member, paid_on="2025-06-24"), format="json")
    # Then it is a conflict and one claim stands
    assert response.status_code == 409
    assert BenefitClaim.objects.filter(member=member, benefit="jkm").count() == 1
