"""The console's flows, server-side: what each user sees and what is kept.

Logging in (the API's failed-login throttle), the language switch, a village's home, the
regency's dashboard, members (list, detail, registering), the spreadsheet import, recording
a payment, the audit queue and the BPJS activation queue. Each test reads the page as its
user would: statuses and redirects, the text and the data-* attributes of the HTML (through
tests/console/html.py), and then the rows in the database.

The clock stands at Thursday 10 July 2025, 10:00 in Jakarta (tests/console/conftest.py):
June's bills are overdue, July's BPU bills (due the 15th) are open. Pages are in Indonesian
unless a test switches the language.
"""

from __future__ import annotations

import datetime
import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.api import LoginFailureThrottle
from contributions.models import Bill, Notification, Payment, PaymentStatus
from contributions.periods import parse_period
from contributions.services.reminders import reminders_plan
from jamsostek.core.choices import SEAT_CATEGORIES, Role
from jamsostek.core.money import format_rupiah
from members.models import Enrollment, ImportJob, Member, Status
from members.nik import mask_nik
from members.rules import dana_desa_message
from members.spreadsheet.columns import COLUMNS
from reports.models import CategoryProgress, VillageProgress
from reports.selectors import PROGRESS_BANDS
from reports.services import progress_refresh
from tests.conftest import BLACANAN, CIRAHAB, KAB_PEKALONGAN, KEDUNGWUNI, KWAYANGAN, PASSWORD
from tests.console.html import parse
from tests.contributions.helpers import (
    EXE_BYTES,
    bill_of,
    day,
    generate,
    pdf_bytes,
    png_bytes,
    pu_terms,
)
from tests.factories import CoveredMemberFactory, MemberFactory, PaymentFactory
from tests.members.helpers import bpu_terms, example_body, kpj_for, make_nik
from villages.models import Level, Region
from villages.services import village_update

pytestmark = pytest.mark.django_db

PROTO = "33.26.13.2007"  # another desa of Kedungwuni
TOSARAN = "33.26.13.2005"  # and another


def translated(message: str, language: str = "id") -> str:
    """``message`` as a page in ``language`` shows it."""
    with translation.override(language):
        return gettext(message)


def messages_on(page) -> list[tuple[str, str]]:
    """The messages at the top of a page: (level, text)."""
    return [
        (next(c for c in p.get("class").split() if c != "message"), p.text)
        for p in page.all("p.message")
    ]


def percent_text(part: int, whole: int) -> str:
    """A share as the console writes it: ``37,5 %``, or ``–`` without a whole."""
    if not whole:
        return "–"
    return f"{round(part * 100 / whole, 1):.1f}".replace(".", ",") + " %"


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- logging in ---------------------------------------------------------------------------


def failures_counted(username: str) -> int:
    """How many failed logins the throttle holds for ``username`` from the test client."""
    throttle = LoginFailureThrottle()
    key = throttle.cache_format % {"scope": throttle.scope, "ident": f"127.0.0.1:{username}"}
    return len(cache.get(key, []))


def test_a_wrong_password_shows_an_error_and_counts_toward_the_throttle(browser, operator):
    # Given the login form
    client = browser()
    assert client.get(reverse("console:login")).status_code == 200

    # When the operator types a wrong password
    response = client.post(
        reverse("console:login"), {"username": operator.username, "password": "salah-sandi"}
    )

    # Then the form comes back with the error, the username kept and both fields marked
    assert response.status_code == 200
    page = parse(response)
    alert = page.one("article.narrow").one("p.error[role=alert]")
    assert alert.text
    assert page.one("input#id_username").get("value") == operator.username
    assert page.one("input#id_username").get("aria-invalid") == "true"
    assert page.one("input#id_password").get("aria-invalid") == "true"
    assert page.one("input#id_password").get("value") is None
    # And nobody is logged in, and the failure is counted against this address and username
    assert logged_in_user_id(client) is None
    assert failures_counted(operator.username) == 1


def test_past_the_rate_of_failures_the_form_answers_429_and_tells_nothing(
    browser, api, operator, make_user
):
    # Given the failed-login rate (LOGIN_FAILURE_RATE; 5/hour in the test settings) and that
    # many wrong passwords for the operator's username from one address
    rate = LoginFailureThrottle().num_requests
    client = browser()
    for attempt in range(rate):
        response = client.post(
            reverse("console:login"), {"username": operator.username, "password": f"x{attempt}"}
        )
        assert response.status_code == 200, attempt

    # When another wrong password is sent, and then the right one
    wrong = client.post(
        reverse("console:login"), {"username": operator.username, "password": "salah-lagi"}
    )
    right = client.post(
        reverse("console:login"), {"username": operator.username, "password": PASSWORD}
    )

    # Then both answer 429 with the message to wait, and nobody is logged in
    minutes = 60  # the rate is per hour
    message = translated("Too many failed logins: wait %(minutes)s minutes and try again.") % {
        "minutes": minutes
    }
    for response in (wrong, right):
        assert response.status_code == 429
        page = parse(response)
        assert messages_on(page) == [("error", message)]
        # And the page says nothing about the password: no form error beside the message
        assert not page.one("article.narrow").has("p.error")
        assert not page.has("input[aria-invalid]")
        assert page.one("input#id_username").get("value") == operator.username
    assert logged_in_user_id(client) is None
    # And the throttle is the API's: the token endpoint refuses the username too
    token = api().post("/api/v1/auth/token/", {"username": operator.username, "password": PASSWORD})
    assert token.status_code == 429
    # While another user at the same address still logs in
    other = make_user(Role.VILLAGE_OPERATOR, username="siti")
    response = client.post(reverse("console:login"), {"username": "siti", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(other.pk)


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [
        (Role.VILLAGE_OPERATOR, "/villages/33.26.13.2008/", "Kwayangan"),
        (Role.BPJS_OFFICER, "/activations/", None),
        (Role.PMD_AUDITOR, "/dashboard/", "Kabupaten Pekalongan"),
        (Role.DISTRICT_VIEWER, "/dashboard/", "Kedungwuni"),
        (Role.ADMIN, "/dashboard/", None),
    ],
)
def test_the_right_password_lands_each_role_on_its_home(browser, make_user, role, landing, heading):
    # Given a user of this role in its default scope
    user = make_user(role)
    client = browser()

    # When they log in with the right password
    response = client.post(
        reverse("console:login"),
        {"username": user.username, "password": PASSWORD},
        follow=True,
    )

    # Then they are logged in and land on their home page
    assert logged_in_user_id(client) == str(user.pk)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing
    page = parse(response)
    if heading:
        assert page.one("h1").text == heading
    # And the menu shows the pages of their role, the landing page current
    current = page.one("a[aria-current=page]")
    assert current.get("href") == landing


def test_a_login_asked_for_by_a_page_goes_back_to_that_page(browser, district_viewer):
    # Given an anonymous visitor sent from the members page to the login form
    client = browser()
    sent = client.get(reverse("console:members"))
    assert sent.status_code == 302
    login_url = sent["Location"]
    assert login_url == "/login/?next=/members/"

    # When they log in there
    form = parse(client.get(login_url)).one("article.narrow")
    assert form.one("input[name=next]").get("value") == "/members/"
    response = client.post(
        login_url,
        {"username": district_viewer.username, "password": PASSWORD, "next": "/members/"},
    )

    # Then they are back on the members page
    assert response.status_code == 302
    assert response["Location"] == "/members/"


def test_logging_out_ends_the_session(browser, operator):
    client = browser(operator)
    assert client.get(reverse("console:members")).status_code == 200

    response = client.post(reverse("console:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("console:login")
    assert client.get(reverse("console:members")).status_code == 302


# --- the language -------------------------------------------------------------------------


def test_the_language_switch_turns_the_pages_english(browser, operator, admin):
    # Given an operator on the members page, in Indonesian (the default), with a member
    CoveredMemberFactory(actor=admin)
    client = browser(operator)
    page = parse(client.get(reverse("console:members")))
    assert page.one("html").get("lang") == "id"
    assert page.one("h1").text == "Anggota"
    assert page.one("mark").text == "Aktif"
    switch = page.one("form.language")
    assert switch.get("action") == reverse("console:language")
    assert [b.get("value") for b in switch.all("button[name=language]")] == ["en"]

    # When they press EN (the form sends the page they are on as next)
    response = client.post(
        reverse("console:language"),
        {"language": "en", "next": switch.one("input[name=next]").get("value")},
    )

    # Then they are back on the page, now in English, with a button back to Indonesian
    assert response.status_code == 302
    assert response["Location"] == reverse("console:members")
    page = parse(client.get(response["Location"]))
    assert page.one("html").get("lang") == "en"
    assert page.one("h1").text == "Members"
    assert page.one("mark").text == "Active"
    assert [b.get("value") for b in page.all("button[name=language]")] == ["id"]
    # And the other pages follow
    assert parse(client.get(reverse("console:bills"))).one("html").get("lang") == "en"


# --- a village's home -------------------------------------------------------------------


def furnish(code: str, *, auditor, admin, seats: dict, target: int, members: list[dict]):
    """Seats and a target set by the regency office, and covered members of ``code``."""
    village_update(
        village=Region.objects.get(code=code),
        updated_by=auditor,
        position_counts=seats,
        rentan_target=target,
    )
    for fields in members:
        CoveredMemberFactory(actor=admin, village=code, **fields)


def test_the_village_home_shows_its_progress_rows_and_this_months_bills(
    browser, operator, auditor, admin
):
    # Given Kwayangan with seats and a target set by the regency office; a BPD member, an
    # RT head on PU, two vulnerable workers (one a PERISAI agent) and an RW head submitted;
    # June billed and unpaid (overdue), July billed; the progress figures refreshed
    furnish(
        KWAYANGAN,
        auditor=auditor,
        admin=admin,
        seats={"bpd": 7, "rt": 12, "rw": 4},
        target=40,
        members=[
            {"category": "bpd"},
            {"category": "rt", "enrollment": pu_terms()},
            {"category": "pekerja_rentan", "is_perisai": True},
            {"category": "pekerja_rentan"},
            {"category": "rw", "status": Status.SUBMITTED},
        ],
    )
    generate("2025-06", KWAYANGAN)
    generate("2025-07", KWAYANGAN)
    progress_refresh(villages=Region.objects.filter(code=KWAYANGAN))
    progress = VillageProgress.objects.get(village__code=KWAYANGAN)
    categories = {
        row.category: row for row in CategoryProgress.objects.filter(village__code=KWAYANGAN)
    }
    assert (progress.rentan_active, progress.rentan_target, progress.perisai_agents) == (2, 40, 1)
    assert progress.arrears_outstanding > 0

    # When its operator opens its home
    response = browser(operator).get(reverse("console:village", args=[KWAYANGAN]))

    # Then the figures are the progress row's
    assert response.status_code == 200
    page = parse(response)
    assert page.one("h1").text == "Kwayangan"
    assert page.one("[data-figure=rentan-active]").text == (
        f"{progress.rentan_active} / {progress.rentan_target}"
    )
    assert page.one("[data-figure=perisai]").text == str(progress.perisai_agents)
    assert page.one("[data-figure=arrears]").text == format_rupiah(progress.arrears_outstanding)

    # And the coverage table has a row per seat category with the category rows' figures,
    # the chart's data the same numbers
    table = {
        tr.get("data-category"): [td.text for td in tr.all("td")]
        for tr in page.all("tr[data-category]")
    }
    assert set(table) >= {"bpd", "rt", "rw"}
    for category, cells in table.items():
        row = categories.get(category)
        positions, registered, active = (
            (row.positions, row.registered, row.active) if row else (0, 0, 0)
        )
        expected = [str(positions), str(registered), str(active), percent_text(active, positions)]
        assert cells == expected, category
    assert table["rt"] == ["12", "1", "1", "8,3 %"]
    assert table["rw"] == ["4", "1", "0", "0,0 %"]
    chart = page.json("coverage-data")
    assert [dataset["data"] for dataset in chart["datasets"]] == [
        [int(cells[i]) for cells in table.values()] for i in range(3)
    ]

    # And this month's bills are July's (BPU and PU) and June's PU bill, due on 15 July, each
    # with its amounts; the overdue one is June's BPU bill (due in June)
    this_month, overdue = page.all("table.bills")
    july = {b.pk: b for b in bills_of("2025-07")}
    june = {b.segment: b for b in bills_of("2025-06")}
    assert len(july) == 2
    assert (june["bpu"].status, june["pu"].status) == ("overdue", "open")
    assert june["pu"].due_date == datetime.date(2025, 7, 15)
    shown = {int(tr.get("data-bill")) for tr in this_month.all("tr[data-bill]")}
    assert shown == {*july, june["pu"].pk}
    assert {int(tr.get("data-bill")) for tr in overdue.all("tr[data-bill]")} == {june["bpu"].pk}
    for pk, bill in {**july, june["pu"].pk: june["pu"]}.items():
        cells = [td.text for td in this_month.one(f"tr[data-bill={pk}]").all("td")]
        assert cells[4] == format_rupiah(bill.amount)
        assert cells[5] == format_rupiah(bill.paid_amount)


def bills_of(period: str) -> list[Bill]:
    return list(Bill.objects.filter(village__code=KWAYANGAN, period=parse_period(period)))


def test_the_village_home_shows_the_operators_unread_reminders(browser, make_user, admin, clock):
    # Given Kwayangan's operator reminded of July's bill before its due date and on it, and
    # the first reminder read
    operator = make_user(Role.VILLAGE_OPERATOR)
    CoveredMemberFactory(actor=admin)
    generate("2025-07", KWAYANGAN)
    reminders_plan(today=day("2025-07-12"))
    clock.tick(datetime.timedelta(minutes=1))
    reminders_plan(today=day("2025-07-15"))
    first, second = Notification.objects.filter(recipient=operator).order_by("created_at")
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    assert first.subject != second.subject

    # When the operator opens the village's home
    page = parse(browser(operator).get(reverse("console:village", args=[KWAYANGAN])))

    # Then the unread reminder is there, and the read one is not
    reminders = page.all("article.reminder")
    assert [r.one("strong").text for r in reminders] == [second.subject]
    assert reminders[0].one("p").text == " ".join(second.body.split())


# --- the dashboard ----------------------------------------------------------------------


def bands_of(villages, rows: dict) -> list[int]:
    """Villages per band of their target, counted here from the progress rows."""
    counts = [0] * len(PROGRESS_BANDS)
    for village in villages:
        row = rows.get(village.pk)
        if row is None:
            share = 0
        elif row.rentan_target <= 0:
            share = 100
        else:
            share = row.rentan_active * 100 // row.rentan_target
        for index, (low, high) in enumerate(PROGRESS_BANDS):
            if share >= low and (high is None or share <= high):
                counts[index] += 1
                break
    return counts


@pytest.fixture
def regency_with_figures(auditor, admin):
    """Four villages of Kab. Pekalongan with seats, targets, members and arrears: three
    in Kedungwuni (one meets its target), one in Wonopringgo; progress refreshed."""
    rentan = {"category": "pekerja_rentan"}
    furnish(
        KWAYANGAN,
        auditor=auditor,
        admin=admin,
        seats={"bpd": 7, "rt": 12},
        target=10,
        members=[{"category": "bpd"}, {**rentan, "is_perisai": True}, rentan, rentan],
    )
    furnish(
        PROTO, auditor=auditor, admin=admin, seats={"rt": 8}, target=2, members=[rentan, rentan]
    )
    furnish(
        TOSARAN,
        auditor=auditor,
        admin=admin,
        seats={"rw": 3},
        target=50,
        members=[{"category": "rw", "enrollment": pu_terms()}, rentan],
    )
    furnish(
        BLACANAN,
        auditor=auditor,
        admin=admin,
        seats={"bpd": 9},
        target=100,
        members=[{"category": "bpd"}],
    )
    generate("2025-06")
    generate("2025-07")
    codes = [KWAYANGAN, PROTO, TOSARAN, BLACANAN]
    progress_refresh(villages=Region.objects.filter(code__in=codes))
    return codes


def test_the_dashboard_figures_are_the_progress_rows(browser, auditor, regency_with_figures):
    # Given villages of Kab. Pekalongan with refreshed progress rows
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, is_active=True, regency__code=KAB_PEKALONGAN)
    )
    rows = {
        row.village_id: row
        for row in VillageProgress.objects.filter(village__regency__code=KAB_PEKALONGAN)
    }
    assert len(rows) == 4

    # When the regency office opens its dashboard
    response = browser(auditor).get(reverse("console:dashboard"))

    # Then it is the regency's, and its figures are the sums of the progress rows
    assert response.status_code == 200
    page = parse(response)
    assert page.one("h1").text == "Kabupaten Pekalongan"
    active = sum(r.rentan_active for r in rows.values())
    target = sum(r.rentan_target for r in rows.values())
    assert (active, target) == (6, 162)
    assert page.one("[data-figure=rentan-active]").text == f"{active} / {target}"
    assert page.one("[data-figure=participants]").text == str(
        sum(r.participants_active for r in rows.values())
    )
    arrears = sum(r.arrears_outstanding for r in rows.values())
    assert arrears > 0
    assert page.one("[data-figure=arrears]").text == format_rupiah(arrears)

    # And the coverage table has a row per district, each the sum of its villages' rows
    coverage = {
        tr.get("data-code"): [td.text for td in tr.all("td")] for tr in page.all("tr[data-code]")
    }
    districts = Region.objects.filter(level=Level.DISTRICT, regency__code=KAB_PEKALONGAN)
    assert set(coverage) == {d.code for d in districts}
    for district in districts:
        mine = [r for r in rows.values() if r.village.district_id == district.pk]
        cells = coverage[district.code]
        count = sum(1 for v in villages if v.district_id == district.pk)
        assert cells[0] == str(count), district.code
        assert cells[1] == (
            f"{sum(r.rentan_active for r in mine)} / {sum(r.rentan_target for r in mine)}"
        ), district.code
        assert cells[-1] == format_rupiah(sum(r.arrears_outstanding for r in mine))
        # each seat category: active against seats, summed over the category rows
        by_category = {
            category: CategoryProgress.objects.filter(village__district=district, category=category)
            for category in SEAT_CATEGORIES
        }
        shown = page.one(f"tr[data-code='{district.code}']").all("td")[2:-1]
        assert [(td.text, td.get("title")) for td in shown] == [
            (
                percent_text(sum(c.active for c in cps), sum(c.positions for c in cps)),
                f"{sum(c.active for c in cps)} / {sum(c.positions for c in cps)}",
            )
            for cps in by_category.values()
        ], district.code
    assert coverage[KEDUNGWUNI][2 + SEAT_CATEGORIES.index("bpd")] == "14,3 %"  # 1 of 7

    # And the villages in arrears are those with overdue bills, by what their rows owe
    in_arrears = {
        tr.one("a").text: tr.all("td")[1].text
        for tr in page.one("table#arrears-table").all("tr")
        if tr.first("a")
    }
    assert in_arrears == {
        r.village.name: format_rupiah(r.arrears_outstanding)
        for r in rows.values()
        if r.arrears_outstanding
    }
    assert len(in_arrears) == 4

    # And the bands table counts the villages as their rows place them, as its chart does
    expected_bands = bands_of(villages, rows)
    assert sum(expected_bands) == len(villages)
    assert expected_bands[-1] == 1  # Proto meets its target
    table = [int(cells[1]) for cells in page.rows("bands-table")]
    assert table == expected_bands
    assert page.json("bands-data")["datasets"][0]["data"] == expected_bands

    # And the vulnerable-worker chart holds each district's target and active workers
    chart = page.json("rentan-data")
    assert chart["labels"] == [d.name for d in districts.order_by("code")]
    per_district = {
        d.name: [r for r in rows.values() if r.village.district_id == d.pk] for d in districts
    }
    target_set, active_set = chart["datasets"]
    assert target_set["data"] == [
        sum(r.rentan_target for r in per_district[name]) for name in chart["labels"]
    ]
    assert active_set["data"] == [
        sum(r.rentan_active for r in per_district[name]) for name in chart["labels"]
    ]


def test_the_dashboard_drills_down_to_a_districts_villages(
    browser, auditor, district_viewer, regency_with_figures
):
    # Given the regency office on its dashboard, when it opens Kedungwuni's
    page = parse(browser(auditor).get(reverse("console:dashboard"), {"code": KEDUNGWUNI}))

    # Then the rows are Kedungwuni's villages, each linking to the village's home, with its
    # progress row's vulnerable workers
    rows = {tr.get("data-code"): tr for tr in page.all("tr[data-code]")}
    assert set(rows) == set(
        Region.objects.filter(level=Level.VILLAGE, district__code=KEDUNGWUNI).values_list(
            "code", flat=True
        )
    )
    for code in (KWAYANGAN, PROTO, TOSARAN):
        row = VillageProgress.objects.get(village__code=code)
        assert rows[code].one("a").get("href") == reverse("console:village", args=[code])
        assert rows[code].all("td")[1].text == f"{row.rentan_active} / {row.rentan_target}"
    # And the way back up is a link to the regency
    assert page.one("nav[aria-label=breadcrumb]").first(
        f"a[href='/dashboard/?code={KAB_PEKALONGAN}']"
    )

    # And the district viewer's own dashboard is the same page
    own = parse(browser(district_viewer).get(reverse("console:dashboard")))
    assert (
        own.one("[data-figure=rentan-active]").text == page.one("[data-figure=rentan-active]").text
    )
    assert own.rows("coverage-table") == page.rows("coverage-table")


# --- members ------------------------------------------------------------------------------


@pytest.fixture
def people(admin):
    """Kwayangan: Siti Aminah (BPD, active), Slamet Riyadi (RT, draft), Sri Wahyuni
    (vulnerable worker, submitted); Blacanan: Siti Rahayu (BPD, active)."""
    return {
        "siti": MemberFactory(
            actor=admin,
            full_name="Siti Aminah",
            birth_date=datetime.date(1985, 7, 5),
            sex="female",
            category="bpd",
            status=Status.ACTIVE,
        ),
        "slamet": MemberFactory(actor=admin, full_name="Slamet Riyadi", category="rt"),
        "sri": MemberFactory(
            actor=admin,
            full_name="Sri Wahyuni",
            birth_date=datetime.date(1990, 1, 2),
            sex="female",
            category="pekerja_rentan",
            status=Status.SUBMITTED,
        ),
        "rahayu": MemberFactory(
            actor=admin,
            village=BLACANAN,
            full_name="Siti Rahayu",
            category="bpd",
            status=Status.ACTIVE,
        ),
    }


def listed(client, **params) -> list[str]:
    response = client.get(reverse("console:members"), params)
    assert response.status_code == 200
    return [tr.one("a").text for tr in parse(response).all("tr[data-member]")]


def test_the_members_list_searches_and_filters(browser, operator, people):
    client = browser(operator)

    # Everyone of the village, by name; nobody of another village
    assert listed(client) == ["Siti Aminah", "Slamet Riyadi", "Sri Wahyuni"]
    # Part of a name, in any case
    assert listed(client, search="siti") == ["Siti Aminah"]
    assert listed(client, search="RIYA") == ["Slamet Riyadi"]
    # The start of a NIK (whole to the operator), or of a KPJ number
    assert listed(client, search=people["slamet"].nik[:12]) == ["Slamet Riyadi"]
    assert listed(client, search=kpj_for(people["siti"])) == ["Siti Aminah"]
    # A category, a status, both, and with a search
    assert listed(client, category="bpd") == ["Siti Aminah"]
    assert listed(client, status="submitted") == ["Sri Wahyuni"]
    assert listed(client, status="draft", category="rt") == ["Slamet Riyadi"]
    assert listed(client, status="active", search="sri") == []

    # And the form shows what was asked
    page = parse(client.get(reverse("console:members"), {"search": "siti", "status": "active"}))
    assert page.one("input[name=search]").get("value") == "siti"
    assert "selected" in page.one("option[value=active]")
    # And NIKs are masked in the list
    row = page.one(f"tr[data-member={people['siti'].pk}]")
    assert row.one("code").text == mask_nik(people["siti"].nik)
    assert people["siti"].nik not in page.text


def test_a_district_viewer_cannot_search_by_the_nik_it_sees_masked(
    browser, district_viewer, people
):
    client = browser(district_viewer)

    assert listed(client, search="s") == ["Siti Aminah", "Slamet Riyadi", "Sri Wahyuni"]
    # The start of a NIK finds nobody (it would reveal the hidden digits one at a time)
    assert listed(client, search=people["slamet"].nik[:12]) == []
    # A KPJ number still finds its member
    assert listed(client, search=kpj_for(people["siti"])) == ["Siti Aminah"]


def test_a_member_page_shows_the_whole_nik_to_the_operator_and_masked_to_a_viewer(
    browser, operator, district_viewer, people
):
    member = people["siti"]
    url = reverse("console:member", args=[member.pk])

    mine = parse(browser(operator).get(url))
    viewed = browser(district_viewer).get(url)

    assert mine.one("[data-nik]").text == member.nik
    assert viewed.status_code == 200
    page = parse(viewed)
    assert page.one("[data-nik]").text == mask_nik(member.nik) == "3326********" + member.nik[-4:]
    assert member.nik not in viewed.content.decode()
    # Both see the enrollment's status and KPJ number
    assert mine.one("mark[data-status]").get("class") == "status active"
    assert page.one("mark[data-status]").get("class") == "status active"


# --- registering a member ------------------------------------------------------------------


def person_form(**overrides) -> dict:
    """The register form filled in for Siti Aminah, a BPD member of Kwayangan on BPU."""
    form = {
        "nik": make_nik(KEDUNGWUNI),
        "full_name": "Siti Aminah",
        "birth_date": "1985-07-05",
        "sex": "female",
        "phone": "081234567890",
        "category": "bpd",
        "position": "Ketua BPD",
        "term_start": "2023-01-01",
        "term_end": "2028-12-31",
        "segment": "bpu",
        "programs": ["jkk", "jkm"],
        "declared_income": "1000000",
        "funding_source": "add",
    }
    form.update(overrides)
    return form


def test_a_bad_nik_is_shown_beside_its_field_and_nothing_is_kept(browser, operator):
    # Given the register form
    client = browser(operator)
    assert client.get(reverse("console:member-new")).status_code == 200

    # When the operator sends it with a NIK of 15 digits
    response = client.post(reverse("console:member-new"), person_form(nik="332613450785001"))

    # Then the form comes back (400) with the NIK's error beside the NIK, the field marked
    # and pointing at it, and what was typed kept
    assert response.status_code == 400
    page = parse(response)
    error = page.one("[data-error-for=nik]")
    assert error.text == translated("A NIK is exactly 16 digits.")
    nik = page.one("input#id_nik")
    assert nik.get("aria-invalid") == "true"
    assert nik.get("aria-describedby") == error.get("id") == "error_nik"
    assert nik.get("value") == "332613450785001"
    assert page.one("input#id_full_name").get("value") == "Siti Aminah"
    assert page.one("select#id_category").one("option[selected]").get("value") == "bpd"
    # And no other field is marked
    assert [e.get("data-error-for") for e in page.all("[data-error-for]")] == ["nik"]
    # And nothing is kept
    assert Member.objects.count() == 0


def test_a_good_form_registers_the_member_and_opens_its_page(browser, operator):
    client = browser(operator)
    form = person_form()

    response = client.post(reverse("console:member-new"), form)

    # Then the member is registered in the operator's village, with a draft enrollment
    member = Member.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:member", args=[member.pk])
    assert (member.nik, member.full_name, member.village.code) == (
        form["nik"],
        "Siti Aminah",
        KWAYANGAN,
    )
    assert [(r.category, r.position) for r in member.roles.all()] == [("bpd", "Ketua BPD")]
    enrollment = Enrollment.objects.get(member=member)
    assert (enrollment.status, enrollment.segment, enrollment.funding_source) == (
        Status.DRAFT,
        "bpu",
        "add",
    )
    # And its page says so, and offers to submit it to BPJS
    page = parse(client.get(response["Location"]))
    assert page.one("h1").text == "Siti Aminah"
    assert [level for level, _text in messages_on(page)] == ["success"]
    assert page.one("mark[data-status]").get("class") == "status draft"
    assert page.first(f"form[action='{reverse('console:member-submit', args=[member.pk])}']")


def test_an_operator_registers_in_its_own_village_whatever_the_form_says(browser, operator):
    # An operator's form has no village field; one sent anyway is not obeyed
    response = browser(operator).post(reverse("console:member-new"), person_form(village=CIRAHAB))

    assert response.status_code == 302
    assert Member.objects.get().village.code == KWAYANGAN


def test_dana_desa_is_refused_with_the_apis_indonesian_message(browser, api, operator):
    # Given the API's answer to a member paid from Dana Desa (in Indonesian, the default)
    answer = api(operator).post(
        "/api/v1/members/",
        example_body(enrollment=bpu_terms(funding_source="dana_desa")),
        format="json",
    )
    assert answer.status_code == 400
    api_message = answer.json()["errors"][0]["detail"]
    with translation.override("en"):
        assert api_message != dana_desa_message()  # it is the Indonesian one

    # When the console's form is sent with Dana Desa as the source
    response = browser(operator).post(
        reverse("console:member-new"), person_form(funding_source="dana_desa")
    )

    # Then the same message stands beside the source, and nothing is kept
    assert response.status_code == 400
    page = parse(response)
    assert page.one("[data-error-for=funding_source]").text == api_message
    assert page.one("select#id_funding_source").get("aria-invalid") == "true"
    assert Member.objects.count() == 0


# --- the spreadsheet import ---------------------------------------------------------------


def sheet(rows: list[dict], name: str = "anggota.csv") -> SimpleUploadedFile:
    """A CSV of the template's columns."""
    buffer = io.StringIO()
    buffer.write(",".join(COLUMNS) + "\n")
    for row in rows:
        buffer.write(",".join(str(row.get(column, "")) for column in COLUMNS) + "\n")
    return SimpleUploadedFile(name, buffer.getvalue().encode(), "text/csv")


def sheet_row(serial: int, **overrides) -> dict:
    """A BPD member of Kwayangan on BPU."""
    row = {
        "village": KWAYANGAN,
        "nik": make_nik(KEDUNGWUNI, serial=serial),
        "full_name": f"Warga Nomor {serial}",
        "birth_date": "1985-07-05",
        "sex": "female",
        "category": "bpd",
        "position": "Anggota BPD",
        "segment": "bpu",
        "programs": "jkk;jkm",
        "declared_income": "1000000",
        "funding_source": "add",
    }
    row.update(overrides)
    return row


def test_a_file_with_a_bad_row_shows_that_rows_error_and_keeps_nothing(browser, operator):
    # Given a file whose second row (the sheet's row 3) has a NIK of 15 digits
    rows = [sheet_row(1), sheet_row(2, nik="332613450785002"), sheet_row(3)]
    client = browser(operator)

    # When the operator checks it
    response = client.post(reverse("console:import"), {"file": sheet(rows)})

    # Then the page lists that row's error by the sheet's row number and column
    assert response.status_code == 200
    page = parse(response)
    assert page.rows("import-errors") == [["3", "nik", translated("A NIK is exactly 16 digits.")]]
    assert page.one("tr[data-row]").get("data-row") == "3"
    # And there is nothing to confirm, and nothing was kept
    assert not page.has(f"form[action='{reverse('console:import-confirm')}']")
    assert Member.objects.count() == 0


def test_a_file_that_is_no_sheet_is_refused_beside_the_upload(browser, operator):
    notes = SimpleUploadedFile("anggota.txt", b"bukan lembar kerja", "text/plain")

    response = browser(operator).post(reverse("console:import"), {"file": notes})

    assert response.status_code == 400
    page = parse(response)
    assert page.one("[data-error-for=file]").text == translated(
        "Upload an .xlsx or .csv file (the template's format)."
    )
    assert page.one("input#id_file").get("aria-invalid") == "true"
    assert Member.objects.count() == 0


def test_a_clean_file_is_checked_then_imported_on_confirming(browser, operator):
    client = browser(operator)

    # When the operator checks a clean file of two rows
    checked = client.post(reverse("console:import"), {"file": sheet([sheet_row(1), sheet_row(2)])})

    # Then the page says what importing it would do, offers to confirm, and keeps nothing
    assert checked.status_code == 200
    page = parse(checked)
    assert page.one("[data-figure=import]").text.startswith("2 ")
    assert not page.has("table#import-errors")
    confirm = page.one(f"form[action='{reverse('console:import-confirm')}']")
    assert confirm.get("method") == "post"
    assert Member.objects.count() == 0

    # When they confirm
    done = client.post(confirm.get("action"))

    # Then both members are registered, and the page says so
    assert done.status_code == 200
    assert sorted(Member.objects.values_list("full_name", flat=True)) == [
        "Warga Nomor 1",
        "Warga Nomor 2",
    ]
    assert parse(done).one("[data-figure=import]").text.startswith("2 ")
    # And the checked file is gone: confirming again imports nothing more
    again = client.post(reverse("console:import-confirm"))
    assert again.status_code == 302
    assert again["Location"] == reverse("console:import")
    assert Member.objects.count() == 2


def test_a_file_over_the_sync_limit_becomes_a_job_polled_until_done(
    browser, operator, settings, django_capture_on_commit_callbacks
):
    # Given files of more than two rows are imported as jobs
    settings.IMPORT_SYNC_LIMIT = 2
    client = browser(operator)

    # When the operator checks a file of three rows
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("console:import"), {"file": sheet([sheet_row(n) for n in (1, 2, 3)])}
        )

    # Then the page shows the job's progress, polled from its fragment until done
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.created_by, job.dry_run, job.rows_total) == (operator, True, 3)
    page = parse(response)
    poller = page.one("#import-job")
    fragment_url = reverse("console:import-job", args=[job.pk])
    assert poller.get("hx-get") == fragment_url
    assert "every" in poller.get("hx-trigger")
    assert poller.one(f"#job-{job.pk}").get("data-status") == "queued"
    assert poller.one("progress").get("max") == "3"

    # And while it waits or runs, the fragment answers 200 (keep polling) with the rows done
    waiting = client.get(fragment_url)
    assert waiting.status_code == 200
    assert parse(waiting).one("progress").get("value") == "0"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.State.RUNNING)
    cache.set(job.progress_key, 2)
    running = client.get(fragment_url)
    assert running.status_code == 200
    assert parse(running).one(f"#job-{job.pk}").get("data-status") == "running"
    assert parse(running).one("progress").get("value") == "2"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.State.QUEUED)

    # When the worker has run it
    for callback in queued:
        callback()

    # Then the fragment answers 286, which stops htmx polling, with the job's result
    done = client.get(fragment_url)
    assert done.status_code == 286
    fragment = parse(done)
    assert fragment.one(f"#job-{job.pk}").get("data-status") == "done"
    assert fragment.one("p").text.startswith("3 ")
    assert not fragment.has("progress")
    # And a check keeps nothing
    assert Member.objects.count() == 0


def test_a_big_clean_file_is_imported_once_its_check_is_done(
    browser, operator, settings, django_capture_on_commit_callbacks
):
    # Given a file over the size checked in the request, checked as a job that ran clean
    settings.IMPORT_SYNC_LIMIT = 2
    client = browser(operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:import"), {"file": sheet([sheet_row(n) for n in (1, 2, 3)])})
    check = ImportJob.objects.get()
    confirm_url = reverse("console:import-confirm")

    # When the page polls the finished check
    done = client.get(reverse("console:import-job", args=[check.pk]))

    # Then it stops polling and offers to import the file, of which nothing is kept yet
    assert done.status_code == 286
    assert parse(done).one(f"form[action='{confirm_url}']").one("button").text == "Impor"
    assert Member.objects.count() == 0

    # When the operator confirms it (the import runs as a job too)
    with django_capture_on_commit_callbacks(execute=True):
        imported = client.post(confirm_url)

    # Then the three members are registered, and the import's job offers nothing more
    assert imported.status_code == 200
    assert Member.objects.count() == 3
    job = ImportJob.objects.exclude(pk=check.pk).get()
    assert not job.dry_run
    assert not parse(client.get(reverse("console:import-job", args=[job.pk]))).has(
        f"form[action='{confirm_url}']"
    )


def test_a_big_file_with_errors_offers_no_import_unless_checked_as_partial(
    browser, operator, settings, django_capture_on_commit_callbacks
):
    # Given a big file whose second row has no name, checked as a job
    settings.IMPORT_SYNC_LIMIT = 2
    client = browser(operator)
    rows = [sheet_row(1), sheet_row(2, full_name=""), sheet_row(3)]
    confirm_url = reverse("console:import-confirm")

    def check(**form):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("console:import"), {"file": sheet(rows), **form})
        job = ImportJob.objects.filter(dry_run=True).latest("pk")
        return parse(client.get(reverse("console:import-job", args=[job.pk])))

    # When it is checked all-or-nothing, then its errors are shown and no import offered
    whole = check()
    assert whole.has("#import-errors")
    assert not whole.has(f"form[action='{confirm_url}']")

    # When it is checked as partial, then the rows without errors may be imported
    partial = check(partial="on")
    button = partial.one(f"form[action='{confirm_url}']").one("button")
    assert button.text == "Impor baris yang tidak salah"

    # And only the file checked last is offered: the first check's page offers nothing
    first = ImportJob.objects.filter(dry_run=True).earliest("pk")
    assert not parse(client.get(reverse("console:import-job", args=[first.pk]))).has(
        f"form[action='{confirm_url}']"
    )


# --- recording a payment --------------------------------------------------------------------


@pytest.fixture
def july_bill(admin):
    """Kwayangan's July BPU bill: two members, Rp 33,600."""
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    generate("2025-07", KWAYANGAN)
    bill = bill_of()
    assert bill.amount == 33_600
    return bill


def evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("bukti-transfer.pdf", pdf_bytes(), "application/pdf")


def payment_form(client, bill, **values) -> dict:
    """The bill page's payment form as the browser would send it: its hidden key, and the
    values typed (the evidence attached)."""
    page = parse(client.get(reverse("console:bill", args=[bill.pk])))
    form = page.one(f"form[action='{reverse('console:bill-pay', args=[bill.pk])}']")
    assert form.get("enctype") == "multipart/form-data"
    fields = {
        "idempotency_key": form.one("input[name=idempotency_key]").get("value"),
        "amount": "10000",
        "paid_on": "2025-07-08",
        "method": "transfer",
        "reference": "TRF-0001",
        "note": "",
    }
    fields.update(values)
    return fields


def test_a_payment_sent_twice_with_its_form_is_recorded_once(browser, operator, july_bill):
    client = browser(operator)
    form = payment_form(client, july_bill)
    assert len(form["idempotency_key"]) >= 16

    # When the operator sends the form with a PDF of the transfer, and sends it again
    first = client.post(
        reverse("console:bill-pay", args=[july_bill.pk]), {**form, "evidence": evidence()}
    )
    second = client.post(
        reverse("console:bill-pay", args=[july_bill.pk]), {**form, "evidence": evidence()}
    )

    # Then one payment is recorded, with its evidence, awaiting review
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference, payment.recorded_by) == (
        10_000,
        "TRF-0001",
        operator,
    )
    assert payment.status == PaymentStatus.PENDING_REVIEW
    assert payment.evidence.name.endswith(".pdf")
    assert payment.evidence.open("rb").read() == pdf_bytes()
    # And both answers lead back to the bill, the second saying it was already recorded
    for response in (first, second):
        assert response.status_code == 302
        assert response["Location"] == reverse("console:bill", args=[july_bill.pk])
    page = parse(client.get(second["Location"]))
    assert messages_on(page) == [
        ("success", translated("The payment is recorded and awaits the regency's review.")),
        ("info", translated("This payment was already recorded.")),
    ]
    assert [int(tr.get("data-payment")) for tr in page.all("tr[data-payment]")] == [payment.pk]
    assert page.one("[data-figure=paid]").text == format_rupiah(10_000)
    assert page.one("[data-figure=outstanding]").text == format_rupiah(23_600)


def test_another_form_makes_another_payment_within_the_outstanding(browser, operator, july_bill):
    client = browser(operator)
    client.post(reverse("console:bill-pay", args=[july_bill.pk]), payment_form(client, july_bill))

    # When the page is opened again (a new key) and the rest is paid
    form = payment_form(client, july_bill, amount="23600", reference="TRF-0002")
    response = client.post(reverse("console:bill-pay", args=[july_bill.pk]), form)

    # Then there are two payments, the bill paid in full
    assert response.status_code == 302
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [10_000, 23_600]
    page = parse(client.get(response["Location"]))
    assert page.one("[data-figure=outstanding]").text == format_rupiah(0)
    assert page.one("mark[data-status]").get("class") == "status paid"
    # And nothing is left to pay: the form is gone
    assert not page.has("section#pay")


def test_an_overpayment_is_shown_beside_the_amount_and_not_recorded(browser, operator, july_bill):
    client = browser(operator)
    form = payment_form(client, july_bill, amount="33601")

    response = client.post(reverse("console:bill-pay", args=[july_bill.pk]), form)

    # Then the form comes back (409) with the error beside the amount, what was typed kept
    assert response.status_code == 409
    page = parse(response)
    error = page.one("[data-error-for=amount]")
    assert "33.601" in error.text and "33.600" in error.text
    amount = page.one("input#id_amount")
    assert amount.get("aria-invalid") == "true"
    assert amount.get("value") == "33601"
    assert page.one("input#id_reference").get("value") == "TRF-0001"
    assert [e.get("data-error-for") for e in page.all("[data-error-for]")] == ["amount"]
    assert Payment.objects.count() == 0
    # And the corrected form, with the same key, is then recorded
    corrected = client.post(
        reverse("console:bill-pay", args=[july_bill.pk]), {**form, "amount": "33600"}
    )
    assert corrected.status_code == 302
    assert Payment.objects.get().amount == 33_600


def test_evidence_that_is_no_photo_or_pdf_is_refused_beside_its_field(browser, operator, july_bill):
    client = browser(operator)
    form = payment_form(client, july_bill)
    program = SimpleUploadedFile("bukti.pdf", EXE_BYTES, "application/pdf")  # named .pdf

    response = client.post(
        reverse("console:bill-pay", args=[july_bill.pk]), {**form, "evidence": program}
    )

    assert response.status_code == 400
    page = parse(response)
    assert page.one("[data-error-for=evidence]").text == translated(
        "Evidence must be a photo (JPEG or PNG) or a PDF."
    )
    assert page.one("input#id_evidence").get("aria-invalid") == "true"
    assert Payment.objects.count() == 0


# --- the bills list -----------------------------------------------------------------------


def test_the_bills_list_filters_by_month_and_status(browser, operator, admin):
    # Given Kwayangan billed for May, June and July (May and June overdue), June paid
    CoveredMemberFactory(actor=admin)
    for period in ("2025-05", "2025-06", "2025-07"):
        generate(period, KWAYANGAN)
    PaymentFactory(actor=operator, bill=bill_of(period="2025-06"))
    client = browser(operator)

    def shown(**params) -> list[str]:
        response = client.get(reverse("console:bills"), params)
        assert response.status_code == 200
        return [tr.one("a").text for tr in parse(response).all("tr[data-bill]")]

    # Then the list is newest first, and each filter narrows it
    assert shown() == ["Juli 2025", "Juni 2025", "Mei 2025"]
    assert shown(period="2025-06") == ["Juni 2025"]
    assert shown(status="overdue") == ["Mei 2025"]
    assert shown(status="paid") == ["Juni 2025"]
    assert shown(status="open", period="2025-07") == ["Juli 2025"]


@pytest.mark.parametrize("month", ["Juli 2025", "2025-13", "2014-07"])
def test_a_month_the_bills_filter_cannot_read_is_shown_not_a_server_error(
    browser, operator, admin, month
):
    # Given a bill (the month field is a text box in browsers without a month picker, and a
    # picker offers months before 2015-07 too)
    CoveredMemberFactory(actor=admin)
    generate("2025-07", KWAYANGAN)

    # When the month is one the filter cannot read
    response = browser(operator).get(reverse("console:bills"), {"period": month})

    # Then the page says so by the filters, and lists the bills unfiltered
    assert response.status_code == 200
    page = parse(response)
    assert page.one("form.filters").one("p.error[role=alert]").text == translated(
        "A period is a month written YYYY-MM, from 2015-07 to 2100-12."
    )
    assert len(page.all("tr[data-bill]")) == 1


# --- the audit queue ------------------------------------------------------------------------


@pytest.fixture
def recorded(browser, operator, july_bill):
    """The whole July bill paid by Kwayangan's operator through the console, with a PDF."""
    client = browser(operator)
    form = payment_form(client, july_bill, amount="33600")
    response = client.post(
        reverse("console:bill-pay", args=[july_bill.pk]), {**form, "evidence": evidence()}
    )
    assert response.status_code == 302
    return Payment.objects.get()


def test_the_audit_queue_lists_the_payment_with_its_evidence_inline(browser, auditor, recorded):
    client = browser(auditor)

    page = parse(client.get(reverse("console:audit")))

    card = page.one(f"article#payment-{recorded.pk}")
    assert card.one("[data-figure=amount]").text.startswith(format_rupiah(33_600))
    assert recorded.recorded_by.username in card.text
    embedded = card.one("object")
    evidence_url = reverse("console:payment-evidence", args=[recorded.pk])
    assert embedded.get("type") == "application/pdf"
    assert embedded.get("data") == evidence_url + "#navpanes=0&view=FitH"  # the page, no panes
    assert embedded.one("a").get("href") == evidence_url
    # And the regency office opens it in the page: shown inline, embeddable by the console
    # (not by other sites), typed by its bytes
    answer = client.get(evidence_url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith("inline")
    assert answer["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(answer.streaming_content) == pdf_bytes()
    # And the card offers to verify and to reject it
    assert card.one(f"button[formaction='/payments/{recorded.pk}/verify/']")
    assert card.one(f"button[formaction='/payments/{recorded.pk}/reject/']")


def test_evidence_is_served_as_what_its_bytes_are_not_what_its_name_says(
    browser, operator, auditor, july_bill
):
    # Given a payment whose evidence is a PNG named like a web page
    client = browser(operator)
    form = payment_form(client, july_bill, amount="33600")
    client.post(
        reverse("console:bill-pay", args=[july_bill.pk]),
        {**form, "evidence": SimpleUploadedFile("bukti.html", png_bytes(), "text/html")},
    )
    payment = Payment.objects.get()

    # When the auditor opens it
    answer = browser(auditor).get(reverse("console:payment-evidence", args=[payment.pk]))

    # Then it is a PNG, and the browser is told not to guess otherwise
    assert answer["Content-Type"] == "image/png"
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_who_recorded_a_payment_cannot_verify_it(browser, admin, july_bill):
    # Given a payment recorded by the admin (who may both record and review)
    client = browser(admin)
    client.post(
        reverse("console:bill-pay", args=[july_bill.pk]),
        payment_form(client, july_bill, amount="33600"),
    )
    payment = Payment.objects.get()

    # Then the admin's queue lists it without the review form
    card = parse(client.get(reverse("console:audit"))).one(f"article#payment-{payment.pk}")
    assert not card.has("form")
    assert card.one("footer").text == translated(
        "You recorded this payment: someone else must review it."
    )

    # And verifying it anyway is refused with that reason, the payment still pending
    response = client.post(reverse("console:payment-verify", args=[payment.pk]), follow=True)
    assert response.redirect_chain == [(reverse("console:audit"), 302)]
    assert messages_on(parse(response)) == [
        ("error", translated("You recorded this payment: someone else must review it."))
    ]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING_REVIEW


def test_verifying_a_payment_settles_the_bill_and_empties_the_queue(
    browser, auditor, recorded, july_bill
):
    client = browser(auditor)

    response = client.post(reverse("console:payment-verify", args=[recorded.pk]), follow=True)

    # Then back on the queue, it says so and the payment is gone from it
    assert response.redirect_chain == [(reverse("console:audit"), 302)]
    page = parse(response)
    assert messages_on(page) == [
        ("success", translated("Payment %(id)s verified.") % {"id": recorded.pk})
    ]
    assert not page.has("article[data-payment]")
    # And the payment is verified by the office, the bill paid
    recorded.refresh_from_db()
    july_bill.refresh_from_db()
    assert (recorded.status, recorded.verified_by) == (PaymentStatus.VERIFIED, auditor)
    assert july_bill.status == "paid"
    assert july_bill.paid_amount == july_bill.amount
    bill_page = parse(client.get(reverse("console:bill", args=[july_bill.pk])))
    row = bill_page.one(f"tr[data-payment={recorded.pk}]")
    assert row.one("mark").get("class") == "status verified"


def test_rejecting_a_payment_needs_a_note(browser, auditor, recorded, july_bill):
    client = browser(auditor)

    # When the office rejects it without a note
    refused = client.post(
        reverse("console:payment-reject", args=[recorded.pk]), {"note": "  "}, follow=True
    )

    # Then it is told why not, and the payment still waits in the queue
    page = parse(refused)
    assert messages_on(page) == [("error", translated("Say why the payment is rejected."))]
    assert page.has(f"article#payment-{recorded.pk}")
    recorded.refresh_from_db()
    assert recorded.status == PaymentStatus.PENDING_REVIEW

    # When it says why
    done = client.post(
        reverse("console:payment-reject", args=[recorded.pk]),
        {"note": "bukti tidak terbaca"},
        follow=True,
    )

    # Then the payment is rejected with the note, and no longer counts toward the bill
    assert [level for level, _text in messages_on(parse(done))] == ["success"]
    recorded.refresh_from_db()
    july_bill.refresh_from_db()
    assert (recorded.status, recorded.review_note) == (
        PaymentStatus.REJECTED,
        "bukti tidak terbaca",
    )
    assert (july_bill.paid_amount, july_bill.status) == (0, "open")
    assert not parse(client.get(reverse("console:audit"))).has("article[data-payment]")


# --- the activation queue -------------------------------------------------------------------


def test_the_activation_queue_lists_submitted_enrollments_and_activates_them(
    browser, officer, admin
):
    # Given submitted enrollments in two villages of the regency and one outside it, and
    # members of the regency in other states
    waiting = [
        MemberFactory(actor=admin, full_name="Sri Wahyuni", status=Status.SUBMITTED),
        MemberFactory(
            actor=admin, village=BLACANAN, full_name="Budi Santoso", status=Status.SUBMITTED
        ),
    ]
    MemberFactory(actor=admin, village=CIRAHAB, full_name="Warga Banyumas", status=Status.SUBMITTED)
    MemberFactory(actor=admin, full_name="Slamet Riyadi")  # a draft
    MemberFactory(actor=admin, full_name="Siti Aminah", status=Status.ACTIVE)
    client = browser(officer)

    # When the BPJS officer opens the queue
    page = parse(client.get(reverse("console:activations")))

    # Then it lists the submitted enrollments of its regency, with the whole NIK to match
    # against the card
    rows = {int(tr.get("data-member")): tr for tr in page.all("tr[data-member]")}
    assert set(rows) == {m.pk for m in waiting}
    sri = rows[waiting[0].pk]
    assert sri.one("code").text == waiting[0].nik
    form = sri.one("form")
    assert form.get("action") == reverse("console:member-activate", args=[waiting[0].pk])
    assert form.one("input[name=back]").get("value") == "activations"

    # When it activates Sri Wahyuni from there with the card's KPJ number
    response = client.post(
        form.get("action"),
        {"back": "activations", "kpj_number": "12345678901", "effective_from": "2025-07-01"},
        follow=True,
    )

    # Then it is back on the queue, which no longer lists her
    assert response.redirect_chain == [(reverse("console:activations"), 302)]
    after = parse(response)
    assert [level for level, _text in messages_on(after)] == ["success"]
    assert {int(tr.get("data-member")) for tr in after.all("tr[data-member]")} == {waiting[1].pk}
    # And her enrollment is active with the KPJ number, from the date given
    enrollment = Enrollment.objects.get(member=waiting[0])
    assert (enrollment.status, enrollment.kpj_number, enrollment.effective_from) == (
        Status.ACTIVE,
        "12345678901",
        datetime.date(2025, 7, 1),
    )


def test_a_refused_activation_is_told_on_the_queue(browser, officer, admin):
    member = MemberFactory(actor=admin, status=Status.SUBMITTED)
    client = browser(officer)

    response = client.post(
        reverse("console:member-activate", args=[member.pk]),
        {"back": "activations", "kpj_number": "123", "effective_from": "2025-07-01"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("console:activations"), 302)]
    page = parse(response)
    assert [level for level, _text in messages_on(page)] == ["error"]
    assert page.has(f"tr[data-member={member.pk}]")
    assert Enrollment.objects.get(member=member).status == Status.SUBMITTED


# --- ids stay unguessable where they should ---------------------------------------------


def test_the_payment_forms_key_changes_each_time_the_page_is_shown(browser, operator, july_bill):
    client = browser(operator)
    keys = {payment_form(client, july_bill)["idempotency_key"] for _ in range(3)}
    assert len(keys) == 3
    assert all(uuid.UUID(key) for key in keys)
