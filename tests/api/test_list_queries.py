"""Every list endpoint costs as many queries for many rows as for a few.

One test per list route of ``jamsostek.urls.router``. Each builds a scope with a few rows and
counts the queries of one GET of the list; then adds many more rows of the same kinds, with
the nested things each row shows (seats and progress of villages, roles and enrollments of
members, lines and penalties of bills, reviews and reversals of payments, finished and queued
import jobs…) and counts the queries of the same page again: the two counts must be equal.
A count that grows with the rows means queries per row (an N+1). The region tree and the
rate schedule are reference data that the tests do not add to: there the longer page is
asked for with ``page_size`` (for villages, with seats, members and progress added to the
villages it shows).

``LIST_QUERY_TESTS`` (at the end) names the test of each list route, and
``test_every_list_route_of_the_router_has_a_query_count_test`` fails when the router gains a
list route without a row there.

Rows are made the way the application makes them: through the services (members, billing,
payments, arrears rules, budgets, claims, reminders, users, seats, progress) or the API. The
clock stands at Thursday 10 July 2025, 10:00 in Jakarta: bills of January to June are overdue,
July's BPU bills (due the 15th) are open.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from accounts.services import user_create
from contributions.models import BillPenalty, Notification, Payment
from contributions.services.arrears import arrears_rules_apply
from contributions.services.budgets import budget_create
from contributions.services.claims import claim_record
from contributions.services.payments import payment_reverse, payment_review
from contributions.services.reminders import reminders_plan
from contributions.services.schedule import relief_close, relief_create
from jamsostek.core.choices import Role
from jamsostek.urls import router
from members.models import Enrollment, ImportJob, MemberRole, Status
from members.services.registration import member_update
from members.spreadsheet.columns import COLUMNS
from reports.models import CategoryProgress, VillageProgress
from reports.services import progress_refresh
from tests.conftest import BLACANAN, KAB_PEKALONGAN, KEDUNGWUNI, KWAYANGAN
from tests.contributions.helpers import (
    bill_of,
    bpu_terms,
    day,
    generate,
    pdf_bytes,
    png_bytes,
    pu_terms,
)
from tests.factories import CoveredMemberFactory, MemberFactory, PaymentFactory
from tests.members.helpers import make_nik
from tests.queries import Page, assert_same_cost, desa
from villages.models import Level, Region
from villages.services import village_update

pytestmark = pytest.mark.django_db

TODAY = "2025-07-10"
PASSWORD = "Rahasia-Desa-2025"


@pytest.fixture(autouse=True)
def clock():
    """10 July 2025, 10:00 in Jakarta."""
    with freeze_time(f"{TODAY} 03:00:00") as frozen:
        yield frozen


# --- measuring --------------------------------------------------------------------------


def list_page(client, prefix: str, **params) -> Page:
    params.setdefault("page_size", 100)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/{prefix}/", params)
    assert response.status_code == 200, response.content
    return Page([q["sql"] for q in captured.captured_queries], len(response.json()["results"]))


# --- building ---------------------------------------------------------------------------


# --- /regions/ --------------------------------------------------------------------------


def test_regions_list_costs_the_same_queries_for_a_longer_page(api, operator):
    # Given the region tree (reference data, loaded once for the session) and any user
    client = api(operator)

    # When two regions of Kab. Pekalongan are listed (the regency, its first district)
    few = list_page(client, "regions", search=KAB_PEKALONGAN, page_size=2)
    # And then twelve: districts and villages, each with its parent
    many = list_page(client, "regions", search=KAB_PEKALONGAN, page_size=12)

    # Then the longer page costs as many queries
    assert_same_cost("regions", few, many, rows=(2, 12))


# --- /villages/ -------------------------------------------------------------------------


def furnish_villages(codes: list[str], *, auditor, admin) -> None:
    """Seats and a target set by the regency office, members in several categories (some
    active, a PERISAI agent among them), and the progress figures refreshed. A kelurahan
    has no BPD and no village budget: its members are on the regency's APBD."""
    for index, code in enumerate(codes):
        village = Region.objects.get(code=code)
        seats = {"rt": 12 + index, "rw": 4, "linmas": 15}
        terms = bpu_terms(funding_source="apbd" if village.is_kelurahan else "add")
        official = "rw" if village.is_kelurahan else "bpd"
        if not village.is_kelurahan:
            seats.update(kepala_desa=1, bpd=7)
        village_update(
            village=village, updated_by=auditor, position_counts=seats, rentan_target=50 + index
        )
        CoveredMemberFactory(actor=admin, village=code, enrollment=terms, category=official)
        CoveredMemberFactory(
            actor=admin, village=code, enrollment=terms, category="rt", status=Status.SUBMITTED
        )
        CoveredMemberFactory(
            actor=admin,
            village=code,
            enrollment=terms,
            category="pekerja_rentan",
            is_perisai=index % 2 == 0,
        )
    progress_refresh(villages=Region.objects.filter(code__in=codes))


def test_villages_list_costs_the_same_queries_for_more_villages(
    api, district_viewer, admin, auditor
):
    # Given a district viewer of Kedungwuni (19 villages), and its first two villages (two
    # kelurahan) with seats, a target, members and refreshed progress
    client = api(district_viewer)
    codes = list(
        Region.objects.filter(level=Level.VILLAGE, district__code=KEDUNGWUNI)
        .order_by("code")
        .values_list("code", flat=True)[:12]
    )
    furnish_villages(codes[:2], auditor=auditor, admin=admin)

    # When a page of those two is listed
    few = list_page(client, "villages", page_size=2)

    # Given ten more villages (a kelurahan and nine desa) furnished the same way
    furnish_villages(codes[2:], auditor=auditor, admin=admin)
    assert VillageProgress.objects.filter(village__code__in=codes).count() == 12
    assert CategoryProgress.objects.filter(village__code__in=codes).count() >= 12 * 4

    # When a page of the twelve is listed
    many = list_page(client, "villages", page_size=12)

    # Then it costs as many queries
    assert_same_cost("villages", few, many, rows=(2, 12))


# --- /users/ ----------------------------------------------------------------------------


def create_users(auditor, specs: list[tuple[str, str]]) -> None:
    for role, scope in specs:
        user_create(
            actor=auditor,
            username=f"{role}_{scope}".replace(".", "_"),
            password=PASSWORD,
            role=role,
            scope_code=scope,
            full_name=f"Petugas {scope}",
            email=f"{role}@{scope}.example.id",
        )


def test_users_list_costs_the_same_queries_for_more_users(api, auditor, admin):
    # Given the regency office and two village operators it created
    client = api(auditor)
    create_users(auditor, [(Role.VILLAGE_OPERATOR, KWAYANGAN), (Role.VILLAGE_OPERATOR, BLACANAN)])

    # When the office lists its users (itself among them)
    few = list_page(client, "users")

    # Given ten more users of every role, all over the regency: those it may create, and a
    # BPJS officer and another auditor that only the admin may create
    villages = desa(KAB_PEKALONGAN, 6, exclude=(KWAYANGAN, BLACANAN))
    create_users(
        auditor,
        [(Role.VILLAGE_OPERATOR, code) for code in villages]
        + [(Role.DISTRICT_VIEWER, KEDUNGWUNI), (Role.DISTRICT_VIEWER, BLACANAN[:8])],
    )
    create_users(admin, [(Role.BPJS_OFFICER, KAB_PEKALONGAN), (Role.PMD_AUDITOR, KAB_PEKALONGAN)])

    # When it lists them again
    many = list_page(client, "users")

    # Then the list costs as many queries
    assert_same_cost("users", few, many, rows=(3, 13))


# --- /members/import-jobs/ --------------------------------------------------------------


def import_file(rows: int) -> SimpleUploadedFile:
    """A CSV of the template's columns: ``rows`` BPD members of Kwayangan on BPU."""
    lines = [",".join(COLUMNS)]
    for _ in range(rows):
        birth = datetime.date(1985, 7, 5)
        values = {
            "village": KWAYANGAN,
            "nik": make_nik(KEDUNGWUNI, birth, "female"),
            "full_name": "Warga Kwayangan",
            "birth_date": birth.isoformat(),
            "sex": "female",
            "category": "bpd",
            "position": "Anggota BPD",
            "segment": "bpu",
            "programs": "jkk;jkm",
            "declared_income": "1000000",
            "funding_source": "add",
        }
        lines.append(",".join(values.get(column, "") for column in COLUMNS))
    return SimpleUploadedFile("anggota.csv", ("\n".join(lines) + "\n").encode(), "text/csv")


def upload_job(client, capture, *, run: bool, rows: int = 2, **params) -> None:
    """Upload a file that becomes a job; ``run``: the (eager) task runs it at once."""
    query = "&".join(f"{k}={'true' if v else 'false'}" for k, v in params.items())
    with capture(execute=run):
        response = client.post(
            f"/api/v1/members/import/?{query}", {"file": import_file(rows)}, format="multipart"
        )
    assert response.status_code == 202, response.content


def test_import_jobs_list_costs_the_same_queries_for_more_jobs(
    api, operator, settings, django_capture_on_commit_callbacks
):
    # Given an operator who uploaded two files that became jobs and ran (checked only)
    settings.IMPORT_SYNC_LIMIT = 1  # any file of two rows or more becomes a job
    client = api(operator)
    for _ in range(2):
        upload_job(client, django_capture_on_commit_callbacks, run=True, dry_run=True)

    # When the operator lists their jobs
    few = list_page(client, "members/import-jobs")

    # Given ten more: imported for real, partially, checked only, and some still queued
    for index in range(10):
        upload_job(
            client,
            django_capture_on_commit_callbacks,
            run=index < 6,
            rows=2 + index,
            dry_run=index % 3 == 0,
            partial=index % 2 == 0,
        )
    states = set(ImportJob.objects.values_list("status", flat=True))
    assert states == {ImportJob.State.DONE, ImportJob.State.QUEUED}

    # When they list them again
    many = list_page(client, "members/import-jobs")

    # Then the list costs as many queries
    assert_same_cost("members/import-jobs", few, many, rows=(2, 12))


# --- /members/ --------------------------------------------------------------------------


def test_members_list_costs_the_same_queries_for_more_members(api, operator, admin):
    # Given Kwayangan's operator and two members: one draft, one covered
    client = api(operator)
    MemberFactory(actor=admin, category="bpd")
    CoveredMemberFactory(actor=admin, category="rt")

    # When the operator lists the members
    few = list_page(client, "members")

    # Given ten more, with several roles, in every status, on BPU and PU, re-enrolled after
    # an end (two enrollments), and in arrears (overdue bills of May and June)
    two_roles = [
        {"category": "bpd", "position": "Ketua BPD", "term_end": datetime.date(2028, 12, 31)},
        {"category": "rt", "position": "Ketua RT 01"},
    ]
    CoveredMemberFactory(actor=admin, roles=two_roles)
    CoveredMemberFactory(actor=admin, roles=two_roles, enrollment=pu_terms())
    CoveredMemberFactory(
        actor=admin, category="perangkat_desa", enrollment=pu_terms(), status=Status.SUBMITTED
    )
    CoveredMemberFactory(actor=admin, category="linmas", status=Status.DRAFT)
    CoveredMemberFactory(actor=admin, category="rw", status=Status.LAPSED, lapsed_on="2025-06-01")
    CoveredMemberFactory(actor=admin, category="pekerja_rentan", is_perisai=True)
    for category in ("lkd", "kepala_desa"):
        ended = CoveredMemberFactory(
            actor=admin, category=category, status=Status.ENDED, ended_on="2025-06-30"
        )
        member_update(actor=admin, member=ended, enrollment=bpu_terms())
    MemberFactory(actor=admin, category="rt", enrollment=None)
    CoveredMemberFactory(actor=admin, category="rw")
    generate("2025-05", KWAYANGAN)
    generate("2025-06", KWAYANGAN)
    assert Enrollment.objects.filter(member__village__code=KWAYANGAN).count() == 13
    assert MemberRole.objects.filter(member__village__code=KWAYANGAN).count() == 14

    # When the operator lists them again
    many = list_page(client, "members")

    # Then the list costs as many queries
    assert_same_cost("members", few, many, rows=(2, 12))


# --- /rates/ ----------------------------------------------------------------------------


def test_rates_list_costs_the_same_queries_for_a_longer_page(api, operator):
    # Given the rate schedule (loaded by a migration) and any user
    client = api(operator)

    # When two of the rates in force today are listed, and then all eleven
    few = list_page(client, "rates", page_size=2)
    many = list_page(client, "rates", page_size=12)

    # Then the longer page costs as many queries
    assert_same_cost("rates", few, many, rows=(2, 11))


# --- /reliefs/ --------------------------------------------------------------------------


def test_reliefs_list_costs_the_same_queries_for_more_reliefs(api, operator, admin):
    # Given PP 50/2025's two relief rows (loaded by a migration)
    client = api(operator)
    few = list_page(client, "reliefs")

    # Given ten more, each added (and five closed) by an admin with its history
    for number in range(10):
        relief = relief_create(
            actor=admin,
            name=f"Keringanan {number}",
            segment="bpu",
            programs=["jkk", "jkm"],
            percent_off=10 + number,
            sectors=["other"],
            excluded_funding_sources=["apbd"],
            effective_from=datetime.date(2030 + number, 1, 1),
            source=f"PP {number}/2030",
        )
        if number % 2:
            relief_close(
                actor=admin,
                relief=relief,
                effective_to=datetime.date(2030 + number, 6, 30),
                source="ditutup",
            )

    # When the list is read again, then it costs as many queries
    many = list_page(client, "reliefs")
    assert_same_cost("reliefs", few, many, rows=(2, 12))


# --- /bills/ ----------------------------------------------------------------------------


def test_bills_list_costs_the_same_queries_for_more_bills(api, auditor, admin):
    # Given July's two bills of the regency: Kwayangan's BPU, Blacanan's PU
    client = api(auditor)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(
        actor=admin, village=BLACANAN, enrollment=pu_terms(), category="perangkat_desa"
    )
    generate("2025-07")

    # When the regency office lists the bills
    few = list_page(client, "bills")

    # Given more members on both bills, and February to June billed too: ten more bills,
    # with more lines, PU late penalties, and payments on some
    for _ in range(2):
        CoveredMemberFactory(actor=admin)
        CoveredMemberFactory(
            actor=admin, village=BLACANAN, enrollment=pu_terms(), category="perangkat_desa"
        )
    for period in ("2025-07", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        generate(period)
    assert BillPenalty.objects.exists()
    PaymentFactory(actor=admin, bill=bill_of(period="2025-03"))
    PaymentFactory(actor=admin, bill=bill_of(period="2025-04"), amount=10_000)

    # When it lists them again
    many = list_page(client, "bills")

    # Then the list costs as many queries
    assert_same_cost("bills", few, many, rows=(2, 12))


# --- /payments/ -------------------------------------------------------------------------


def evidence(kind: str) -> SimpleUploadedFile:
    if kind == "pdf":
        return SimpleUploadedFile("bukti.pdf", pdf_bytes(), "application/pdf")
    return SimpleUploadedFile("bukti.png", png_bytes(), "image/png")


def test_payments_list_costs_the_same_queries_for_more_payments(
    api, make_user, admin, auditor, operator
):
    # Given Kwayangan's July bill and two payments its operator recorded, awaiting review
    client = api(auditor)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    generate("2025-07")
    kwayangan, blacanan = bill_of(), bill_of(BLACANAN)
    PaymentFactory(actor=operator, bill=kwayangan, amount=1_000)
    PaymentFactory(actor=operator, bill=kwayangan, amount=1_000)

    # When the regency office lists the payments
    few = list_page(client, "payments")

    # Given ten more, in both villages: verified (some with evidence), rejected, and reversed
    # (each reversal an entry of its own)
    def review(payment, verdict):
        payment_review(actor=auditor, payment=payment, verdict=verdict, note="diperiksa")

    review(PaymentFactory(actor=operator, bill=kwayangan, amount=1_100), "verify")
    review(
        PaymentFactory(actor=operator, bill=kwayangan, amount=1_200, evidence=evidence("pdf")),
        "verify",
    )
    review(PaymentFactory(actor=operator, bill=kwayangan, amount=700), "reject")
    payment_reverse(
        actor=operator,
        payment=PaymentFactory(actor=operator, bill=kwayangan, amount=500),
        reason="salah",
    )
    blacanan_operator = make_user(Role.VILLAGE_OPERATOR, BLACANAN)
    review(PaymentFactory(actor=blacanan_operator, bill=blacanan, amount=1_000), "verify")
    PaymentFactory(actor=blacanan_operator, bill=blacanan, amount=900, evidence=evidence("png"))
    review(PaymentFactory(actor=admin, bill=blacanan, amount=800), "reject")
    verified = PaymentFactory(actor=blacanan_operator, bill=blacanan, amount=600)
    review(verified, "verify")
    payment_reverse(actor=auditor, payment=verified, reason="dobel")
    assert Payment.objects.filter(reversal_of__isnull=False).count() == 2

    # When it lists them again
    many = list_page(client, "payments")

    # Then the list costs as many queries
    assert_same_cost("payments", few, many, rows=(2, 12))


# --- /arrears/ --------------------------------------------------------------------------


def test_arrears_list_costs_the_same_queries_for_more_villages(api, auditor, admin):
    # Given two villages of the regency whose June BPU bill is overdue
    client = api(auditor)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    generate("2025-06")

    # When the regency office lists the villages in arrears
    few = list_page(client, "arrears")

    # Given ten more villages with covered members (BPU and PU), February to June unpaid,
    # a payment on some, and the nightly rules lapsing the BPU members long behind
    for index, code in enumerate(desa(KAB_PEKALONGAN, 10, exclude=(KWAYANGAN, BLACANAN))):
        CoveredMemberFactory(actor=admin, village=code)
        if index % 2:
            CoveredMemberFactory(
                actor=admin, village=code, enrollment=pu_terms(), category="perangkat_desa"
            )
    for period in ("2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        generate(period)
    PaymentFactory(actor=admin, bill=bill_of(period="2025-02"), amount=5_000)
    assert arrears_rules_apply(today=day(TODAY)).lapsed > 0

    # When it lists them again
    many = list_page(client, "arrears")

    # Then the list costs as many queries
    assert_same_cost("arrears", few, many, rows=(2, 12))


# --- /budgets/ --------------------------------------------------------------------------


def test_budgets_list_costs_the_same_queries_for_more_budgets(api, auditor, admin):
    # Given the 2025 ADD budgets of two villages
    client = api(auditor)

    def budget(code: str, year: int, source: str, amount: int) -> None:
        village = Region.objects.get(code=code)
        budget_create(
            actor=auditor, village=village, year=year, funding_source=source, amount=amount
        )

    budget(KWAYANGAN, 2025, "add", 1_000_000)
    budget(BLACANAN, 2025, "add", 500_000)

    # When the regency office lists the budgets
    few = list_page(client, "budgets")

    # Given bills and payments against them, and ten more budgets: other years, other
    # sources, other villages, one already passed by what was billed
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, enrollment=bpu_terms(funding_source="apbdes"), category="rt")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"):
        generate(period)
    PaymentFactory(actor=admin, bill=bill_of(period="2025-01"))
    PaymentFactory(actor=admin, bill=bill_of(BLACANAN, period="2025-02"))
    budget(KWAYANGAN, 2024, "add", 900_000)
    budget(KWAYANGAN, 2026, "add", 1_200_000)
    budget(KWAYANGAN, 2025, "apbdes", 50_000)
    budget(BLACANAN, 2025, "apbdes", 300_000)
    budget(BLACANAN, 2026, "add", 600_000)
    for code in desa(KAB_PEKALONGAN, 5, exclude=(KWAYANGAN, BLACANAN)):
        budget(code, 2025, "add", 750_000)

    # When it lists them again
    many = list_page(client, "budgets")

    # Then the list costs as many queries
    assert_same_cost("budgets", few, many, rows=(2, 12))


# --- /claims/ ---------------------------------------------------------------------------


def test_claims_list_costs_the_same_queries_for_more_claims(api, officer, admin):
    # Given the BPJS office and two work-accident claims it recorded, in two villages
    client = api(officer)

    def claim(member, benefit: str = "jkk", amount: int | None = 1_000_000) -> None:
        claim_record(
            actor=officer,
            member=member,
            benefit=benefit,
            event_date=day("2025-06-01"),
            paid_on=day("2025-06-20"),
            beneficiary_name="Ahli Waris",
            amount=amount,
        )

    first = CoveredMemberFactory(actor=admin)
    second = CoveredMemberFactory(actor=admin, village=BLACANAN)
    claim(first)
    claim(second)

    # When the office lists the claims
    few = list_page(client, "claims")

    # Given ten more: again for the same members, for members of other villages, and death
    # benefits (at the default amount) that end the enrollment
    claim(first, amount=2_500_000)
    claim(second, benefit="beasiswa", amount=3_000_000)
    for index, code in enumerate(desa(KAB_PEKALONGAN, 8, exclude=(KWAYANGAN, BLACANAN))):
        member = CoveredMemberFactory(actor=admin, village=code)
        if index % 3 == 0:
            claim(member, benefit="jkm", amount=None)
        else:
            claim(member)
    assert Enrollment.objects.filter(end_reason="deceased").count() == 3

    # When it lists them again
    many = list_page(client, "claims")

    # Then the list costs as many queries
    assert_same_cost("claims", few, many, rows=(2, 12))


# --- /notifications/ --------------------------------------------------------------------


def test_notifications_list_costs_the_same_queries_for_more_notifications(api, operator, admin):
    # Given Kwayangan's operator (in the app only) reminded of July's bill before and on
    # its due date
    client = api(operator)
    CoveredMemberFactory(actor=admin)
    generate("2025-07")
    for date in ("2025-07-12", "2025-07-15"):
        reminders_plan(today=day(date))

    # When the operator lists their notifications
    few = list_page(client, "notifications")

    # Given January to June billed and unpaid, the reminders of later days (ten more), and
    # some of them read
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        generate(period)
    for date in ("2025-07-16", "2025-07-22", "2025-07-29", "2025-08-14"):
        reminders_plan(today=day(date))
    mine = Notification.objects.filter(recipient=operator).order_by("pk")
    for notification in mine[:3]:
        response = client.post(f"/api/v1/notifications/{notification.pk}/read/")
        assert response.status_code == 200

    # When they list them again
    many = list_page(client, "notifications")

    # Then the list costs as many queries
    assert_same_cost("notifications", few, many, rows=(2, 12))


# --- the table is complete ----------------------------------------------------------------

# Each list route of the router (its prefix) and the test above that counts its queries.
LIST_QUERY_TESTS = {
    "regions": test_regions_list_costs_the_same_queries_for_a_longer_page,
    "villages": test_villages_list_costs_the_same_queries_for_more_villages,
    "users": test_users_list_costs_the_same_queries_for_more_users,
    "members/import-jobs": test_import_jobs_list_costs_the_same_queries_for_more_jobs,
    "members": test_members_list_costs_the_same_queries_for_more_members,
    "rates": test_rates_list_costs_the_same_queries_for_a_longer_page,
    "reliefs": test_reliefs_list_costs_the_same_queries_for_more_reliefs,
    "bills": test_bills_list_costs_the_same_queries_for_more_bills,
    "payments": test_payments_list_costs_the_same_queries_for_more_payments,
    "arrears": test_arrears_list_costs_the_same_queries_for_more_villages,
    "budgets": test_budgets_list_costs_the_same_queries_for_more_budgets,
    "claims": test_claims_list_costs_the_same_queries_for_more_claims,
    "notifications": test_notifications_list_costs_the_same_queries_for_more_notifications,
}


def router_list_routes() -> set[str]:
    """The prefixes the router gives a list route: viewsets with a ``list`` action."""
    return {
        prefix
        for prefix, viewset, _basename in router.registry
        if router.get_method_map(viewset, {"get": "list"})
    }


def test_every_list_route_of_the_router_has_a_query_count_test():
    # Given the list routes of the API's router
    routes = router_list_routes()
    assert len(routes) >= 12, routes

    # Then each has a query-count test in the table, and the table names no other route
    missing = sorted(routes - set(LIST_QUERY_TESTS))
    assert missing == [], f"write a query-count test and add it to LIST_QUERY_TESTS: {missing}"
    stale = sorted(set(LIST_QUERY_TESTS) - routes)
    assert stale == [], f"LIST_QUERY_TESTS rows for routes the router no longer lists: {stale}"

    # And each row names a test of this module that pytest collects
    for prefix, test in LIST_QUERY_TESTS.items():
        assert test.__name__.startswith("test_"), prefix
        assert globals()[test.__name__] is test, prefix
