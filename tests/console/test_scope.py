"""Every console page, GET and POST, every role and an anonymous visitor: what each one gets.

``MATRIX`` is the console's table of who may open what, as tests/api/test_scope_matrix.py
is the API's. Its rows are keyed by (URL name in the ``console`` namespace, method); its
columns are the five roles (with the default test scopes) and an anonymous visitor. A
cell is the status the caller sees: 200, 302 (sent on: a form done, a step taken, the
landing page), ``LOGIN`` (302 to the login page), 403 (the role may not), 404, 405.

For URLs that address one object (a village, a member, a bill, a payment, an import job)
each cell is a pair: the status for an object inside the caller's scope and for one just
outside it, chosen per role as close as it gets: another village of the operator's
district, another district of the viewer's regency, another regency of the province for
the regency's offices (the admin's "outside" is inside the nation). For import jobs,
inside is the caller's own job and outside another user's.

A POST that is sent on (302) must not have been refused: an error message queued on the
way is reported in the cell, so a 302 here means the step was taken.

``test_every_console_url_is_in_the_matrix`` walks the URL resolver, so a console page
without a row fails the suite until someone decides who may open it, and
``test_the_matrix_agrees_with_the_rows_each_view_declares`` holds the table to the rows
of the apps' permission tables the views name (console.access.permit).

Below the matrix: each role's village homes and dashboards over regions near and far
(including Kwayangan's digits in another province), and the lists (members, bills, the
audit and activation queues) showing all of the caller's scope and nothing else.
"""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contributions.services.payments import payment_record
from jamsostek.core.choices import Role
from members.models import ImportJob, Status
from members.spreadsheet.columns import COLUMNS
from tests.conftest import (
    BLACANAN,
    CIRAHAB,
    DEFAULT_SCOPE,
    KEDUNGWUNI,
    KWAYANGAN,
    MEDONO,
    PASSWORD,
)
from tests.console.html import parse
from tests.console.routes import NAMESPACE, console_patterns, console_url_patterns
from tests.factories import MemberFactory
from tests.matrix import (
    ADMIN,
    ANON,
    BPJS,
    CALLERS,
    DV,
    PMD,
    ROLES,
    VO,
    assert_matrix_complete,
    bill_in,
    row,
)
from tests.members.helpers import bpu_terms, make_nik
from villages.models import Level, Region

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")

PROTO = "33.26.13.2007"  # another desa of Kedungwuni, Kwayangan's district
PACENTAN = "35.26.13.2008"  # Kwayangan's digits in another province (Kab. Bangkalan)

# The village just outside each caller's scope (the admin's scope is the nation: inside).
OUTSIDE = {VO: PROTO, DV: BLACANAN, PMD: CIRAHAB, BPJS: CIRAHAB, ADMIN: CIRAHAB, ANON: CIRAHAB}

LOGIN = "login"  # 302 to the login page


# Shorthands for object pages: (inside the caller's scope, outside it).
OK = (200, 200)
IN = (200, 404)  # may open the kind of object; those outside do not exist
NO = (403, 403)  # the role may not: the same answer inside and outside
NA = (405, 405)
LG = (LOGIN, LOGIN)
DONE = (302, 302)  # the step is taken on either (the admin's scope is the nation)
STEP = (302, 404)  # the step is taken inside; outside, the object does not exist

# fmt: off
MATRIX = {
    #                                    village_op  district  pmd     bpjs    admin   anonymous
    # Landing: each role is sent to its home page (see test_flows for where).
    ("home", "GET"):                 row(302,        302,      302,    302,    302,    LOGIN),
    ("home", "POST"):                row(302,        302,      302,    302,    302,    LOGIN),
    # The login form: a logged-in user is sent home; anyone logs in with their password.
    ("login", "GET"):                row(302,        302,      302,    302,    302,    200),
    ("login", "POST"):               row(302,        302,      302,    302,    302,    302),
    # Logging out is a POST (Django's LogoutView): back to the login page.
    ("logout", "GET"):               row(405,        405,      405,    405,    405,    405),
    ("logout", "POST"):              row(LOGIN,      LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN),
    # Django's set_language: anyone, logged in or not (a GET only sends back).
    ("language", "GET"):             row(302,        302,      302,    302,    302,    302),
    ("language", "POST"):            row(302,        302,      302,    302,    302,    302),

    # A village's home: every role, for the villages of its scope.
    ("village", "GET"):              row(IN,         IN,       IN,     IN,     OK,     LG),
    ("village", "POST"):             row(IN,         IN,       IN,     IN,     OK,     LG),
    # The dashboard is a region's: not for a village's operator.
    ("dashboard", "GET"):            row(403,        200,      200,    200,    200,    LOGIN),
    ("dashboard", "POST"):           row(403,        200,      200,    200,    200,    LOGIN),

    # Members: everyone reads their scope's; the village's operator (and admin) registers;
    # BPJS officers (and the operator, as in the API) activate; operator and BPJS end.
    # Steps are POST only: a GET is 405 for everyone, anonymous too (require_POST answers
    # before the login check). Read pages answer a POST as a GET (CSRF still applies).
    ("members", "GET"):              row(200,        200,      200,    200,    200,    LOGIN),
    ("members", "POST"):             row(200,        200,      200,    200,    200,    LOGIN),
    ("member-new", "GET"):           row(200,        403,      403,    403,    200,    LOGIN),
    ("member-new", "POST"):          row(302,        403,      403,    403,    302,    LOGIN),
    ("member", "GET"):               row(IN,         IN,       IN,     IN,     OK,     LG),
    ("member", "POST"):              row(IN,         IN,       IN,     IN,     OK,     LG),
    ("member-submit", "GET"):        row(NA,         NA,       NA,     NA,     NA,     NA),
    ("member-submit", "POST"):       row(STEP,       NO,       NO,     NO,     DONE,   LG),
    ("member-activate", "GET"):      row(NA,         NA,       NA,     NA,     NA,     NA),
    ("member-activate", "POST"):     row(STEP,       NO,       NO,     STEP,   DONE,   LG),
    ("member-end", "GET"):           row(NA,         NA,       NA,     NA,     NA,     NA),
    ("member-end", "POST"):          row(STEP,       NO,       NO,     STEP,   DONE,   LG),
    # Editing a member (its name, phone, terms): the village's operator and the admin.
    ("member-edit", "GET"):          row(IN,         NO,       NO,     NO,     OK,     LG),
    ("member-edit", "POST"):         row(STEP,       NO,       NO,     NO,     DONE,   LG),
    ("activations", "GET"):          row(403,        403,      403,    200,    200,    LOGIN),
    ("activations", "POST"):         row(403,        403,      403,    200,    200,    LOGIN),

    # Spreadsheets: editors only; a job is its maker's (every job is the admin's).
    ("import", "GET"):               row(200,        403,      403,    403,    200,    LOGIN),
    ("import", "POST"):              row(200,        403,      403,    403,    200,    LOGIN),
    ("import-confirm", "GET"):       row(405,        405,      405,    405,    405,    405),
    ("import-confirm", "POST"):      row(200,        403,      403,    403,    200,    LOGIN),
    ("import-job", "GET"):           row(IN,         NO,       NO,     NO,     OK,     LG),
    ("import-job", "POST"):          row(IN,         NO,       NO,     NO,     OK,     LG),

    # Bills: everyone reads their scope's; the village's operator (and admin) pays.
    ("bills", "GET"):                row(200,        200,      200,    200,    200,    LOGIN),
    ("bills", "POST"):               row(200,        200,      200,    200,    200,    LOGIN),
    ("bill", "GET"):                 row(IN,         IN,       IN,     IN,     OK,     LG),
    ("bill", "POST"):                row(IN,         IN,       IN,     IN,     OK,     LG),
    ("bill-pay", "GET"):             row(NA,         NA,       NA,     NA,     NA,     NA),
    ("bill-pay", "POST"):            row(STEP,       NO,       NO,     NO,     DONE,   LG),

    # Payments: the regency office (and admin) reviews, never the recorder (none of the
    # callers recorded these); operator, office and admin reverse.
    ("audit", "GET"):                row(403,        403,      200,    403,    200,    LOGIN),
    ("audit", "POST"):               row(403,        403,      200,    403,    200,    LOGIN),
    # A payment's evidence, shown in the page: everyone, for the payments of its scope.
    ("payment-evidence", "GET"):     row(IN,         IN,       IN,     IN,     OK,     LG),
    ("payment-evidence", "POST"):    row(NA,         NA,       NA,     NA,     NA,     NA),
    ("payment-verify", "GET"):       row(NA,         NA,       NA,     NA,     NA,     NA),
    ("payment-verify", "POST"):      row(NO,         NO,       STEP,   NO,     DONE,   LG),
    ("payment-reject", "GET"):       row(NA,         NA,       NA,     NA,     NA,     NA),
    ("payment-reject", "POST"):      row(NO,         NO,       STEP,   NO,     DONE,   LG),
    ("payment-reverse", "GET"):      row(NA,         NA,       NA,     NA,     NA,     NA),
    ("payment-reverse", "POST"):     row(STEP,       NO,       STEP,   NO,     DONE,   LG),

    # What the regency office sets: a village's seats and target, its users; budgets are
    # read by everyone and set by the office (and admin).
    ("village-settings", "GET"):     row(NO,         NO,       IN,     NO,     OK,     LG),
    ("village-settings", "POST"):    row(NO,         NO,       STEP,   NO,     DONE,   LG),
    ("budgets", "GET"):              row(200,        200,      200,    200,    200,    LOGIN),
    ("budgets", "POST"):             row(403,        403,      302,    403,    302,    LOGIN),
    ("users", "GET"):                row(403,        403,      200,    403,    200,    LOGIN),
    ("users", "POST"):               row(403,        403,      302,    403,    302,    LOGIN),
    # Benefits paid: read by everyone, recorded by the BPJS office (and admin).
    ("claims", "GET"):               row(200,        200,      200,    200,    200,    LOGIN),
    ("claims", "POST"):              row(403,        403,      403,    302,    302,    LOGIN),
}
# fmt: on


# --- the objects the matrix calls on -----------------------------------------------------

_serial = itertools.count(1)


def member_in(world, village: str, status: str) -> dict:
    """A fresh member of ``village`` brought to ``status`` by the services."""
    member = MemberFactory(
        actor=world.registrar,
        village=village,
        status=status,
        full_name=f"Warga {next(_serial)}",
        effective_from="2025-01-01",
    )
    return {"pk": member.pk}


def members(status: str):
    """(inside, outside) members in ``status``, made afresh for each caller."""
    return lambda world, caller: (
        member_in(world, KWAYANGAN, status),
        member_in(world, OUTSIDE[caller], status),
    )


def bills(world, caller):
    return {"pk": bill_in(KWAYANGAN).pk}, {"pk": bill_in(OUTSIDE[caller]).pk}


def payments(world, caller, evidence: bool = False):
    """(inside, outside) payments awaiting review, recorded by those villages' operators
    (none of them a caller, so any caller may review them)."""
    return tuple(
        {
            "pk": payment_record(
                actor=world.recorder(code),
                bill=bill_in(code),
                amount=10_000,
                paid_on=datetime.date(2025, 7, 1),
                method="transfer",
                funding_source="add",
                evidence=(
                    SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%%EOF\n") if evidence else None
                ),
            ).pk
        }
        for code in (KWAYANGAN, OUTSIDE[caller])
    )


def evidenced_payments(world, caller):
    return payments(world, caller, evidence=True)


def import_jobs(world, caller):
    """The caller's own job, and another user's."""
    own = world.callers[caller] or world.guest
    return tuple(
        {"pk": ImportJob.objects.create(created_by=user, filename="anggota.csv").pk}
        for user in (own, world.recorder(KWAYANGAN))
    )


def villages(world, caller):
    return {"code": KWAYANGAN}, {"code": OUTSIDE[caller]}


# Each object page's URL kwargs for (inside, outside), made afresh for each caller.
OBJECTS = {
    "village": villages,
    "member": members(Status.DRAFT),
    "member-submit": members(Status.DRAFT),
    "member-activate": members(Status.SUBMITTED),
    "member-end": members(Status.ACTIVE),
    "member-edit": members(Status.SUBMITTED),
    "village-settings": villages,
    "import-job": import_jobs,
    "bill": bills,
    "bill-pay": bills,
    "payment-evidence": evidenced_payments,
    "payment-verify": payments,
    "payment-reject": payments,
    "payment-reverse": payments,
}


@pytest.fixture
def world(make_user):
    """One caller per role (default test scopes), an admin who registers the members, and
    the operators who record the payments (one per village, none of them a caller)."""
    recorders: dict[str, object] = {}

    def recorder(code: str):
        if code not in recorders:
            recorders[code] = make_user(
                Role.VILLAGE_OPERATOR, code, username=f"bendahara_{code.replace('.', '_')}"
            )
        return recorders[code]

    return SimpleNamespace(
        callers={
            **{role: make_user(Role(role), username=f"pemanggil_{role}") for role in ROLES},
            ANON: None,
        },
        guest=make_user(Role.VILLAGE_OPERATOR, username="tamu"),  # whom anonymous logs in as
        registrar=make_user(Role.ADMIN, username="pendaftar"),
        recorder=recorder,
    )


# --- calling ------------------------------------------------------------------------------


def import_file() -> SimpleUploadedFile:
    """One clean row: a BPD member of Kwayangan on BPU."""
    values = {
        "village": KWAYANGAN,
        "nik": make_nik(KEDUNGWUNI),
        "full_name": "Siti Aminah",
        "birth_date": "1985-07-05",
        "sex": "female",
        "category": "bpd",
        "segment": "bpu",
        "programs": "jkk;jkm",
        "declared_income": "1000000",
        "funding_source": "add",
    }
    lines = [",".join(COLUMNS), ",".join(values.get(c, "") for c in COLUMNS)]
    return SimpleUploadedFile("anggota.csv", ("\n".join(lines) + "\n").encode(), "text/csv")


def form_body(name: str, world, caller: str) -> dict:
    """A form that would be accepted if the caller may send it."""
    user = world.callers[caller] or world.guest
    if name == "login":
        return {"username": user.username, "password": PASSWORD}
    if name == "language":
        return {"language": "en", "next": reverse("console:members")}
    if name == "member-new":
        return {
            "village": KWAYANGAN,
            "nik": make_nik(KEDUNGWUNI),
            "full_name": "Siti Aminah",
            "birth_date": "1985-07-05",
            "sex": "female",
            "category": "bpd",
            "position": "Anggota BPD",
            "segment": "bpu",
            "programs": ["jkk", "jkm"],
            "declared_income": "1000000",
            "funding_source": "add",
        }
    if name == "member-activate":
        return {"kpj_number": f"9{next(_serial):010d}", "effective_from": "2025-01-01"}
    if name == "member-end":
        return {"reason": "resigned", "date": "2025-06-30"}
    if name == "import":
        return {"file": import_file()}
    if name == "bill-pay":
        return {
            "amount": "10000",
            "paid_on": "2025-07-08",
            "method": "transfer",
            "idempotency_key": f"kunci-{next(_serial)}",
        }
    if name == "payment-reject":
        return {"note": "bukti tidak terbaca"}
    if name == "payment-reverse":
        return {"reason": "salah input"}
    if name == "member-edit":
        return {
            "full_name": "Siti Aminah",
            "phone": "081234567890",
            "occupation": "",
            "segment": "bpu",
            "programs": ["jkk", "jkm"],
            "declared_income": "1200000",
            "funding_source": "add",
            "reason": "penghasilan naik",
        }
    if name == "village-settings":
        return {"seats_bpd": "7", "rentan_target": "120"}
    if name == "budgets":  # a budget of its own year for each caller
        return {
            "village": KWAYANGAN,
            "year": str(2030 + next(_serial) % 70),
            "funding_source": "add",
            "amount": "50000000",
        }
    if name == "users":
        return {
            "username": f"operator_baru_{next(_serial)}",
            "password": "sandi-yang-panjang-2025",
            "full_name": "Operator Baru",
            "role": VO,
            "scope_code": KWAYANGAN,
        }
    if name == "claims":
        return {
            "member": member_in(world, KWAYANGAN, Status.ACTIVE)["pk"],
            "benefit": "jkk",
            "event_date": "2025-06-02",
            "paid_on": "2025-07-01",
            "amount": "2500000",
            "beneficiary_name": "Siti Aminah",
        }
    return {}


def outcome(response):
    """The matrix's word for a response: its status, ``LOGIN`` for a redirect to the login
    page, and for another redirect the error it carried if the step was refused."""
    if response.status_code != 302:
        return response.status_code
    if response["Location"].split("?")[0] == reverse("console:login"):
        return LOGIN
    refused = [
        str(m) for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR
    ]
    return f"302 refused: {refused}" if refused else 302


def call(browser, world, caller: str, name: str, method: str, kwargs: dict | None):
    client = browser(world.callers[caller])
    url = reverse(f"{NAMESPACE}:{name}", kwargs=kwargs)
    if method == "GET":
        return outcome(client.get(url))
    if name == "import-confirm":  # confirms the file this caller checked last
        client.post(reverse(f"{NAMESPACE}:import"), form_body("import", world, caller))
    return outcome(client.post(url, form_body(name, world, caller)))


# --- the table is complete ----------------------------------------------------------------


def test_every_console_url_is_in_the_matrix():
    # Given every URL pattern the resolver knows in the console namespace
    patterns = console_url_patterns()
    assert len(patterns) >= 20, patterns

    # Then each has a name and a GET and a POST row, and those that address an object are
    # called with one inside and one outside the scope
    assert_matrix_complete(patterns, MATRIX, OBJECTS, METHODS, "console")


def test_the_matrix_has_no_stale_rows():
    names = {name for name, _route, _kwargs in console_url_patterns()}

    stale = sorted({name for name, _method in MATRIX} - names)
    assert stale == [], f"MATRIX rows for console URLs that no longer exist: {stale}"
    assert set(OBJECTS) <= names
    for key, cells in MATRIX.items():
        assert tuple(cells) == CALLERS, key
        assert key[1] in METHODS, key


def test_the_matrix_agrees_with_the_rows_each_view_declares():
    # Given the rows each page names (console.access.permit), by method ("*": the others)
    declared = {pattern.name: pattern.callback.permits for pattern, _route in console_patterns()}
    assert len(declared) >= 18, declared

    # Then by each method the page answers, exactly the roles its row leaves out are
    # refused (403) in the matrix
    for (name, method), cells in MATRIX.items():
        if cells[ADMIN] in (405, NA):
            continue
        rule = declared[name].get(method, declared[name]["*"])
        refused = {role for role in ROLES if cells[role] in (403, NO)}
        assert refused == set(ROLES) - rule.roles, (name, method)


# --- every page, method and role ----------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), list(MATRIX), ids=lambda v: str(v))
def test_each_role_gets_the_status_of_the_matrix(browser, world, name, method):
    # Given a caller of each role and an anonymous visitor, when each opens the page or
    # sends its form (on an object inside and one outside its scope, where it names one)
    expected = MATRIX[(name, method)]
    actual = {}
    for caller in CALLERS:
        if name in OBJECTS:
            inside, outside = OBJECTS[name](world, caller)
            actual[caller] = (
                call(browser, world, caller, name, method, inside),
                call(browser, world, caller, name, method, outside),
            )
        else:
            actual[caller] = call(browser, world, caller, name, method, None)

    # Then each gets what the matrix says
    assert actual == expected


# --- pages and lists never show what lies outside the scope -------------------------------


def in_scope(code: str | None, scope: str | None) -> bool:
    """Whether a region code lies in a scope (None: the nation), by the dotted prefix."""
    if scope is None:
        return True
    return code is not None and (code == scope or code.startswith(scope + "."))


# Villages at every distance from Kwayangan: its district, its regency, a kelurahan of the
# neighbouring city, another regency, and the same digits in another province.
SAMPLE_VILLAGES = [KWAYANGAN, PROTO, BLACANAN, MEDONO, CIRAHAB, PACENTAN]


@pytest.mark.parametrize("role", ROLES)
def test_village_homes_exist_only_inside_the_callers_scope(browser, make_user, role):
    client = browser(make_user(Role(role)))

    actual = {
        code: client.get(reverse("console:village", args=[code])).status_code
        for code in SAMPLE_VILLAGES
    }

    scope = DEFAULT_SCOPE[role]
    assert actual == {code: 200 if in_scope(code, scope) else 404 for code in actual}


DASHBOARD_CODES = ["33", "33.26", KEDUNGWUNI, "33.26.17", "33.02", "35.26", "35.26.13", KWAYANGAN]


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_opens_regions_inside_the_callers_scope_only(browser, make_user, role):
    # Given a caller of this role
    client = browser(make_user(Role(role)))

    # When they open the dashboard of regions near and far (and of a village, which has
    # its own home rather than a dashboard)
    actual = {
        code: client.get(reverse("console:dashboard"), {"code": code}).status_code
        for code in DASHBOARD_CODES
    }

    # Then an operator has no dashboard; the others open the provinces, regencies and
    # districts of their scope, and nothing above or beside it exists for them
    scope = DEFAULT_SCOPE[role]
    if role == VO:
        expected = dict.fromkeys(DASHBOARD_CODES, 403)
    else:
        expected = {
            code: 200 if len(code) < 13 and in_scope(code, scope) else 404
            for code in DASHBOARD_CODES
        }
    assert actual == expected


@pytest.fixture
def everywhere(make_user):
    """In every sample village: a draft, a submitted and an active member, a bill, and a
    payment awaiting review. Returns the village code of each, by kind."""
    registrar = make_user(Role.ADMIN, username="pendaftar")
    made = {"members": {}, "submitted": {}, "bills": {}, "payments": {}}
    for code in SAMPLE_VILLAGES:
        # A kelurahan has no BPD and no ADD: an RT head paid from the regency's APBD.
        source, category = ("apbd", "rt") if code == MEDONO else ("add", "bpd")
        for status in (Status.DRAFT, Status.SUBMITTED, Status.ACTIVE):
            member = MemberFactory(
                actor=registrar,
                village=code,
                status=status,
                category=category,
                enrollment=bpu_terms(funding_source=source),
                full_name=f"Warga {code} {status}",
            )
            made["members"][member.pk] = code
            if status == Status.SUBMITTED:
                made["submitted"][member.pk] = code
        bill = bill_in(code, source)
        made["bills"][bill.pk] = code
        payment = payment_record(
            actor=make_user(Role.VILLAGE_OPERATOR, code, username=f"op_{code}"),
            bill=bill,
            amount=10_000,
            paid_on=datetime.date(2025, 7, 1),
            method="transfer",
            funding_source=source,
        )
        made["payments"][payment.pk] = code
    return made


# (URL name, the element of each row and its data-* attribute, what it lists, roles that
# may open it)
LISTS = [
    ("members", "tr", "data-member", "members", set(ROLES)),
    ("bills", "tr", "data-bill", "bills", set(ROLES)),
    ("audit", "article", "data-payment", "payments", {PMD, ADMIN}),
    ("activations", "tr", "data-member", "submitted", {BPJS, ADMIN}),
]


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_all_of_the_callers_scope_and_nothing_else(browser, make_user, everywhere, role):
    # Given members, bills and payments in villages near and far, and a caller of this role
    client = browser(make_user(Role(role)))
    scope = DEFAULT_SCOPE[role]

    for name, element, attribute, kind, allowed in LISTS:
        # When they open each list they may open
        if role not in allowed:
            continue
        response = client.get(reverse(f"console:{name}"))
        assert response.status_code == 200, name

        # Then it lists exactly the rows of their scope
        shown = {int(tr.get(attribute)) for tr in parse(response).all(f"{element}[{attribute}]")}
        expected = {pk for pk, code in everywhere[kind].items() if in_scope(code, scope)}
        assert shown == expected, (name, sorted(shown), sorted(expected))
        assert shown, name


def test_the_sample_villages_are_what_the_tests_say():
    # The scope tests lean on these codes: check they are the regions they are meant to be.
    regions = {r.code: r for r in Region.objects.filter(code__in=SAMPLE_VILLAGES)}
    assert set(regions) == set(SAMPLE_VILLAGES)
    assert all(r.level == Level.VILLAGE for r in regions.values())
    assert regions[PROTO].district.code == KEDUNGWUNI
    assert regions[BLACANAN].regency.code == "33.26" != regions[BLACANAN].district.code
    assert regions[MEDONO].is_kelurahan
    assert regions[PACENTAN].province.code == "35"
