"""Every console page that lists things costs as many queries for many rows as for a few.

As tests/api/test_list_queries.py does for the API: each test builds a scope with a few rows
and counts the queries of one GET of the page (the session, the user and the menu
included); then adds many more rows of the same kinds, with the nested things each row
shows (roles and enrollments of members, lines, penalties and payments of bills, evidence
and recorders of payments, villages' progress rows, reminders…) and counts the same page
again: the two counts must be equal. A count that grows with the rows means queries per
row (an N+1).

``LIST_PAGES`` (at the end) names the test of each console page that shows a list, and
``NOT_LISTS`` says why each other page is not one; ``test_every_console_page_is_classed``
fails when the console gains a page that is in neither.

Rows are made through the services, as the application makes them. The clock stands at
Thursday 10 July 2025, 10:00 in Jakarta (tests/console/conftest.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions.services.budgets import budget_create
from contributions.services.claims import claim_record
from contributions.services.payments import payment_reverse, payment_review
from contributions.services.reminders import reminders_plan
from jamsostek.core.choices import Role
from members.models import Status
from members.services.registration import member_update
from reports.services import progress_refresh
from tests.conftest import BLACANAN, KAB_PEKALONGAN, KEDUNGWUNI, KWAYANGAN
from tests.console.html import parse
from tests.console.routes import console_url_patterns
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
from tests.queries import Page, assert_same_cost, desa
from villages.models import Region
from villages.services import village_update

pytestmark = pytest.mark.django_db


# --- measuring --------------------------------------------------------------------------


def measure(client, url: str, rows: str | Callable, params: dict | None = None) -> Page:
    """GET ``url`` and count its queries, and its rows: the elements matching ``rows``, or
    what ``rows(page)`` counts."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    page = parse(response)
    shown = rows(page) if callable(rows) else len(page.all(rows))
    return Page([q["sql"] for q in captured.captured_queries], shown)


def evidence(kind: str) -> SimpleUploadedFile:
    if kind == "pdf":
        return SimpleUploadedFile("bukti.pdf", pdf_bytes(), "application/pdf")
    return SimpleUploadedFile("bukti.png", png_bytes(), "image/png")


# --- members ------------------------------------------------------------------------------


def test_members_page_costs_the_same_queries_for_more_members(browser, operator, admin):
    # Given Kwayangan's operator and two members: one draft, one covered
    client = browser(operator)
    MemberFactory(actor=admin, category="bpd")
    CoveredMemberFactory(actor=admin, category="rt")

    # When the operator opens the members page
    few = measure(client, reverse("console:members"), "tr[data-member]")

    # Given ten more: several roles, every status, BPU and PU, re-enrolled after an end,
    # without an enrollment, and in arrears
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

    # When they open it again
    many = measure(client, reverse("console:members"), "tr[data-member]")

    # Then it costs as many queries
    assert_same_cost("members", few, many, rows=(2, 12))


def test_a_filtered_members_page_costs_the_same_queries_for_more_members(
    browser, district_viewer, admin
):
    # Given a district viewer, and two active BPD members of Kedungwuni named Siti
    client = browser(district_viewer)
    params = {"search": "siti", "category": "bpd", "status": "active"}
    for code in (KWAYANGAN, "33.26.13.2007"):
        CoveredMemberFactory(actor=admin, village=code, category="bpd", full_name="Siti Aminah")

    # When they search and filter
    few = measure(client, reverse("console:members"), "tr[data-member]", params)

    # Given ten more matching, across the district's villages, with other roles too
    for code in desa(KEDUNGWUNI, 10):
        CoveredMemberFactory(
            actor=admin,
            village=code,
            full_name="Siti Rahayu",
            roles=[{"category": "bpd"}, {"category": "linmas"}],
        )
        CoveredMemberFactory(
            actor=admin, village=code, category="bpd", full_name="Slamet"
        )  # not matching

    # Then the same search costs as many queries
    many = measure(client, reverse("console:members"), "tr[data-member]", params)
    assert_same_cost("members (filtered)", few, many, rows=(2, 12))


def test_member_page_costs_the_same_queries_for_a_longer_history(browser, operator, admin):
    # Given a member registered and covered (three events in its history)
    client = browser(operator)
    member = CoveredMemberFactory(actor=admin)
    url = reverse("console:member", args=[member.pk])
    few = measure(client, url, history)

    # Given nine more changes: terms, roles, phone, by the operator and the admin
    for index in range(9):
        actor = operator if index % 2 else admin
        if index % 3 == 0:
            member_update(actor=actor, member=member, phone=f"08120000000{index}")
        elif index % 3 == 1:
            member_update(
                actor=actor,
                member=member,
                enrollment=bpu_terms(declared_income=1_000_000 + 500_000 * index),
            )
        else:
            member_update(
                actor=actor,
                member=member,
                roles=[{"category": "rt"}, {"category": "linmas", "position": f"Anggota {index}"}],
            )

    many = measure(client, url, history)

    assert_same_cost("member", few, many, rows=(3, 12))


def history(page) -> int:
    return len(page.rows("history-table"))


def test_activations_page_costs_the_same_queries_for_more_enrollments(browser, officer, admin):
    # Given two enrollments of the regency submitted to BPJS
    client = browser(officer)
    MemberFactory(actor=admin, status=Status.SUBMITTED)
    MemberFactory(actor=admin, village=BLACANAN, status=Status.SUBMITTED)

    few = measure(client, reverse("console:activations"), "tr[data-member]")

    # Given ten more, in other villages, with several roles, on BPU and PU
    for index, code in enumerate(desa(KAB_PEKALONGAN, 10, exclude=(KWAYANGAN, BLACANAN))):
        MemberFactory(
            actor=admin,
            village=code,
            status=Status.SUBMITTED,
            roles=[{"category": "bpd"}, {"category": "rt"}],
            enrollment=pu_terms() if index % 2 else bpu_terms(),
        )

    many = measure(client, reverse("console:activations"), "tr[data-member]")

    assert_same_cost("activations", few, many, rows=(2, 12))


# --- bills and payments -------------------------------------------------------------------


def test_bills_page_costs_the_same_queries_for_more_bills(browser, auditor, admin):
    # Given July billed for Kwayangan (BPU) and Blacanan (PU)
    client = browser(auditor)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(
        actor=admin, village=BLACANAN, enrollment=pu_terms(), category="perangkat_desa"
    )
    generate("2025-07")

    few = measure(client, reverse("console:bills"), "tr[data-bill]")

    # Given February to June billed too (ten more bills), PU late penalties, payments
    for _ in range(2):
        CoveredMemberFactory(actor=admin)
        CoveredMemberFactory(
            actor=admin, village=BLACANAN, enrollment=pu_terms(), category="perangkat_desa"
        )
    for period in ("2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        generate(period)
    PaymentFactory(actor=admin, bill=bill_of(period="2025-03"))
    PaymentFactory(actor=admin, bill=bill_of(period="2025-04"), amount=10_000)

    many = measure(client, reverse("console:bills"), "tr[data-bill]")

    assert_same_cost("bills", few, many, rows=(2, 12))


def test_bill_page_costs_the_same_queries_for_more_lines_and_payments(
    browser, operator, admin, auditor
):
    # Given Kwayangan's July bill of two members and one payment
    client = browser(operator)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    generate("2025-07", KWAYANGAN)
    bill = bill_of()
    PaymentFactory(actor=operator, bill=bill, amount=1_000)
    url = reverse("console:bill", args=[bill.pk])

    few = measure(client, url, lines_and_payments)

    # Given ten more members on it, billed again, and more payments: verified (with a PDF),
    # rejected, reversed (an entry of its own), and one with a photo awaiting review
    for category in ("bpd", "rt", "rw", "lkd", "pekerja_rentan") * 2:
        CoveredMemberFactory(actor=admin, category=category)
    generate("2025-07", KWAYANGAN)
    bill = bill_of()
    payment_review(
        actor=auditor,
        payment=PaymentFactory(actor=operator, bill=bill, amount=1_100, evidence=evidence("pdf")),
        verdict="verify",
    )
    payment_review(
        actor=auditor,
        payment=PaymentFactory(actor=operator, bill=bill, amount=700),
        verdict="reject",
        note="x",
    )
    payment_reverse(
        actor=operator,
        payment=PaymentFactory(actor=operator, bill=bill, amount=500),
        reason="salah",
    )
    PaymentFactory(actor=operator, bill=bill, amount=900, evidence=evidence("png"))

    many = measure(client, url, lines_and_payments)

    assert_same_cost("bill", few, many, rows=(2 + 1, 12 + 6))


def lines_and_payments(page) -> int:
    return len(page.rows("lines-table")) + len(page.all("tr[data-payment]"))


def test_audit_queue_costs_the_same_queries_for_more_payments(
    browser, make_user, admin, auditor, operator
):
    # Given two payments of Kwayangan's July bill awaiting review
    client = browser(auditor)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    generate("2025-07")
    kwayangan, blacanan = bill_of(), bill_of(BLACANAN)
    PaymentFactory(actor=operator, bill=kwayangan, amount=1_000)
    PaymentFactory(actor=operator, bill=kwayangan, amount=1_000)

    few = measure(client, reverse("console:audit"), "article[data-payment]")

    # Given ten more awaiting review, in both villages, by several recorders, with PDFs and
    # photos as evidence; and others already reviewed or reversed (not in the queue)
    blacanan_operator = make_user(Role.VILLAGE_OPERATOR, BLACANAN)
    for index in range(5):
        PaymentFactory(actor=operator, bill=kwayangan, amount=500 + index, evidence=evidence("pdf"))
        PaymentFactory(
            actor=blacanan_operator, bill=blacanan, amount=400 + index, evidence=evidence("png")
        )
    payment_review(
        actor=auditor,
        payment=PaymentFactory(actor=operator, bill=kwayangan, amount=300),
        verdict="verify",
        note="",
    )
    payment_reverse(
        actor=operator,
        payment=PaymentFactory(actor=operator, bill=kwayangan, amount=200),
        reason="salah",
    )

    many = measure(client, reverse("console:audit"), "article[data-payment]")

    assert_same_cost("audit", few, many, rows=(2, 12))


# --- the village home and the dashboard -------------------------------------------------


def test_village_home_costs_the_same_queries_for_more_bills_and_reminders(
    browser, operator, admin, auditor
):
    # Given Kwayangan with seats, a covered member, June's bill overdue and July's billed,
    # reminders, and progress refreshed
    client = browser(operator)
    kwayangan = Region.objects.get(code=KWAYANGAN)
    village_update(
        village=kwayangan, updated_by=auditor, position_counts={"rt": 10}, rentan_target=20
    )
    CoveredMemberFactory(actor=admin)
    generate("2025-06", KWAYANGAN)
    generate("2025-07", KWAYANGAN)
    reminders_plan(today=day("2025-07-12"))
    progress_refresh(villages=Region.objects.filter(code=KWAYANGAN))
    url = reverse("console:village", args=[KWAYANGAN])

    few = measure(client, url, bills_and_reminders)

    # Given members on PU and paid from APBDes (more bills each month), January to May
    # overdue as well, more reminders, and progress refreshed again
    CoveredMemberFactory(actor=admin, category="perangkat_desa", enrollment=pu_terms())
    CoveredMemberFactory(actor=admin, category="rw", enrollment=bpu_terms(funding_source="apbdes"))
    CoveredMemberFactory(actor=admin, category="pekerja_rentan", is_perisai=True)
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"):
        generate(period, KWAYANGAN)
    for date in ("2025-07-15", "2025-07-16", "2025-07-22", "2025-07-29"):
        reminders_plan(today=day(date))
    progress_refresh(villages=Region.objects.filter(code=KWAYANGAN))

    many = measure(client, url, bills_and_reminders)

    # (this month: July's three bills and June's PU bill, due on 15 July; seventeen overdue;
    # the five newest reminders)
    assert_same_cost("village", few, many, rows=(2 + 2, 4 + 17 + 5))


def bills_and_reminders(page) -> int:
    return len(page.all("tr[data-bill]")) + len(page.all("article.reminder"))


def furnish_villages(codes: list[str], *, auditor, admin) -> None:
    """Seats, targets and members (some active, some PERISAI agents), June's bills unpaid,
    a payment and a claim, and the progress figures refreshed."""
    for index, code in enumerate(codes):
        village_update(
            village=Region.objects.get(code=code),
            updated_by=auditor,
            position_counts={"bpd": 7, "rt": 10 + index},
            rentan_target=5 + index,
        )
        CoveredMemberFactory(actor=admin, village=code, category="bpd")
        member = CoveredMemberFactory(
            actor=admin, village=code, category="pekerja_rentan", is_perisai=index % 2 == 0
        )
        claim_record(
            actor=admin,
            member=member,
            benefit="jkk",
            event_date=day("2025-06-01"),
            paid_on=day("2025-06-20"),
            beneficiary_name="Ahli Waris",
            amount=1_000_000,
        )
        generate("2025-05", code)
        generate("2025-06", code)
        PaymentFactory(actor=admin, bill=bill_of(code, period="2025-05"))
    progress_refresh(villages=Region.objects.filter(code__in=codes))


def test_dashboard_costs_the_same_queries_for_more_villages(browser, auditor, admin):
    # Given two villages of the regency with figures, in arrears and ranked
    client = browser(auditor)
    codes = desa(KAB_PEKALONGAN, 12)
    furnish_villages(codes[:2], auditor=auditor, admin=admin)

    few = measure(client, reverse("console:dashboard"), ranked_and_in_arrears)

    # Given ten more villages, across districts, furnished the same way
    furnish_villages(codes[2:], auditor=auditor, admin=admin)

    many = measure(client, reverse("console:dashboard"), ranked_and_in_arrears)

    # Then the ranking and the arrears show ten villages each (their first ten), at the
    # same cost
    assert_same_cost("dashboard", few, many, rows=(2 + 2, 10 + 10))


def ranked_and_in_arrears(page) -> int:
    return len(page.rows("ranking-table")) + len(page.rows("arrears-table"))


# --- what the regency office sets and the BPJS office records -------------------------------


def budgeted_villages(codes: list[str], *, auditor, admin) -> None:
    """For each village: an ADD and an APBD budget for 2025, a billed month paid in part."""
    for code in codes:
        village = Region.objects.get(code=code)
        for source in ("add", "apbd_kab"):
            budget_create(
                actor=auditor, village=village, year=2025, funding_source=source, amount=9_000_000
            )
        CoveredMemberFactory(actor=admin, village=code, category="bpd")
        generate("2025-06", code)
        PaymentFactory(actor=admin, bill=bill_of(code, period="2025-06"))


def test_budgets_page_costs_the_same_queries_for_more_budgets(browser, auditor, admin):
    # Given two villages of the regency with budgets, billed and paid against
    client = browser(auditor)
    codes = desa(KAB_PEKALONGAN, 8)
    budgeted_villages(codes[:2], auditor=auditor, admin=admin)

    few = measure(client, reverse("console:budgets"), "tr[data-budget]")

    # Given six more villages, budgeted the same way
    budgeted_villages(codes[2:], auditor=auditor, admin=admin)

    many = measure(client, reverse("console:budgets"), "tr[data-budget]")

    # Then every budget is shown with what was billed and paid, at the same cost
    assert_same_cost("budgets", few, many, rows=(4, 16))


def test_users_page_costs_the_same_queries_for_more_users(browser, make_user, auditor):
    # Given the regency office and two operators of its villages
    client = browser(auditor)
    codes = desa(KAB_PEKALONGAN, 12)
    for code in codes[:2]:
        make_user(Role.VILLAGE_OPERATOR, code)

    few = measure(client, reverse("console:users"), "tr[data-user]")

    # Given ten more users: operators of other villages, district viewers, a BPJS officer
    for code in codes[2:8]:
        make_user(Role.VILLAGE_OPERATOR, code)
    for code in {c.rsplit(".", 1)[0] for c in codes[:3]}:
        make_user(Role.DISTRICT_VIEWER, code)
    make_user(Role.BPJS_OFFICER, KAB_PEKALONGAN)
    make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN)

    many = measure(client, reverse("console:users"), "tr[data-user]")

    # Then each user is shown with its role and scope, at the same cost
    # (the auditor lists itself too; the first three villages lie in two districts)
    assert_same_cost("users", few, many, rows=(3, 12))


def test_claims_page_costs_the_same_queries_for_more_claims(browser, officer, admin):
    # Given two benefits paid in two villages of the regency
    client = browser(officer)
    codes = desa(KAB_PEKALONGAN, 6)

    def claims_in(village_codes):
        for index, code in enumerate(village_codes):
            member = CoveredMemberFactory(actor=admin, village=code, category="pekerja_rentan")
            claim_record(
                actor=officer,
                member=member,
                benefit="jkk" if index % 2 else "jkm",
                event_date=day("2025-06-01"),
                paid_on=day("2025-06-20"),
                beneficiary_name="Ahli Waris",
                amount=1_000_000 if index % 2 else None,
            )

    claims_in(codes[:2])
    few = measure(client, reverse("console:claims"), "tr[data-claim]")

    # Given four more, JKK and JKM (which ends the enrollment), in other villages
    claims_in(codes[2:])
    many = measure(client, reverse("console:claims"), "tr[data-claim]")

    # Then each benefit is shown with its member and village, at the same cost
    assert_same_cost("claims", few, many, rows=(2, 6))


# --- the table is complete ----------------------------------------------------------------

# Each console page that shows a list, and the test above that counts its queries.
LIST_PAGES = {
    "members": test_members_page_costs_the_same_queries_for_more_members,
    "member": test_member_page_costs_the_same_queries_for_a_longer_history,
    "activations": test_activations_page_costs_the_same_queries_for_more_enrollments,
    "bills": test_bills_page_costs_the_same_queries_for_more_bills,
    "bill": test_bill_page_costs_the_same_queries_for_more_lines_and_payments,
    "audit": test_audit_queue_costs_the_same_queries_for_more_payments,
    "village": test_village_home_costs_the_same_queries_for_more_bills_and_reminders,
    "dashboard": test_dashboard_costs_the_same_queries_for_more_villages,
    "budgets": test_budgets_page_costs_the_same_queries_for_more_budgets,
    "users": test_users_page_costs_the_same_queries_for_more_users,
    "claims": test_claims_page_costs_the_same_queries_for_more_claims,
}

# Every other console page, and why it lists nothing that grows.
NOT_LISTS = {
    "home": "redirects to the caller's landing page",
    "login": "a form",
    "logout": "a POST that redirects",
    "language": "Django's set_language: redirects",
    "member-new": "a form",
    "member-submit": "a POST that redirects",
    "member-activate": "a POST that redirects",
    "member-end": "a POST that redirects",
    "import": "a form; a checked file's errors come from the import's result, not queries",
    "import-confirm": "a POST; shows the import's result",
    "import-job": "one job; its errors come from the job's stored result",
    "bill-pay": "a POST that redirects (or the bill page again)",
    "payment-evidence": "one payment's file",
    "payment-verify": "a POST that redirects",
    "payment-reject": "a POST that redirects",
    "payment-reverse": "a POST that redirects",
    "member-edit": "a form for one member and its open enrollment",
    "village-settings": "a form: one field per seat category, a fixed set",
}


def test_every_console_page_is_classed_as_a_list_or_not():
    # Given every URL name of the console
    names = {name for name, _route, _kwargs in console_url_patterns()}
    assert len(names) >= 20, names

    # Then each is a list page with a query-count test, or says why it is not one
    assert not set(LIST_PAGES) & set(NOT_LISTS)
    missing = sorted(names - set(LIST_PAGES) - set(NOT_LISTS))
    assert missing == [], (
        f"add these console pages to LIST_PAGES (with a query-count test) or NOT_LISTS: {missing}"
    )
    stale = sorted((set(LIST_PAGES) | set(NOT_LISTS)) - names)
    assert stale == [], f"rows for console pages that no longer exist: {stale}"

    # And each list page's test is a test of this module that pytest collects
    for name, test in LIST_PAGES.items():
        assert test.__name__.startswith("test_"), name
        assert globals()[test.__name__] is test, name
