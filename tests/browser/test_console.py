"""The console in a real browser: what a village secretary and the regency office do.

A secretary registers a member (a NIK mistake shows beside the field), imports a sheet
with one bad row (that row's error, numbered as the sheet numbers it), records a payment
with its evidence; the regency's auditor finds it in the audit queue, verifies it, and the
bill turns paid; the dashboard's charts draw the progress rows' figures; an operator of
another village meets a 404 on that member's page.
"""

from __future__ import annotations

import datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from contributions.models import Bill, Payment
from members.models import Member
from reports.selectors import progress_distribution
from reports.services import progress_refresh
from tests.browser.conftest import login, wait_for
from tests.conftest import BLACANAN, KEDUNGWUNI
from tests.contributions.helpers import bill_of, generate
from tests.factories import CoveredMemberFactory
from tests.members.helpers import make_nik
from villages.models import Region


def set_value(browser, css: str, value: str) -> None:
    """Type into a field; dates are set as the form sends them (yyyy-mm-dd), whatever the
    browser's locale shows."""
    field = wait_for(browser, css)
    if field.get_attribute("type") == "date":
        browser.execute_script("arguments[0].value = arguments[1]", field, value)
    else:
        field.clear()
        field.send_keys(value)


def choose(browser, css: str, value: str) -> None:
    Select(wait_for(browser, css)).select_by_value(value)


def submit(browser, form: str) -> None:
    wait_for(browser, f"{form} button[type=submit]").click()


def test_a_secretary_registers_a_member_and_sees_a_nik_mistake_beside_the_field(
    browser, live_server, operator
):
    # Given the secretary of Kwayangan on the registration form
    login(browser, live_server, operator)
    browser.get(live_server.url + "/members/new/")
    # When she types a NIK a digit short
    set_value(browser, "#id_nik", make_nik("33.26.13", datetime.date(1985, 7, 5), "female", 1)[:15])
    set_value(browser, "#id_full_name", "Siti Aminah")
    set_value(browser, "#id_birth_date", "1985-07-05")
    choose(browser, "#id_sex", "female")
    choose(browser, "#id_category", "bpd")
    choose(browser, "#id_segment", "bpu")
    choose(browser, "#id_funding_source", "add")
    set_value(browser, "#id_declared_income", "1000000")
    submit(browser, "#member-form")
    # Then the NIK's error shows beside the NIK field, marked invalid, and nothing is kept
    error = wait_for(browser, "[data-error-for='nik']")
    assert "16" in error.text
    assert wait_for(browser, "#id_nik").get_attribute("aria-invalid") == "true"
    assert not Member.objects.exists()
    # When she corrects the NIK (what she typed is still there) and sends it again
    set_value(browser, "#id_nik", make_nik("33.26.13", datetime.date(1985, 7, 5), "female", 2))
    set_value(browser, "#id_birth_date", "1985-07-05")
    submit(browser, "#member-form")
    # Then the member's page opens with the registered member
    wait_for(browser, "[data-status]")
    member = Member.objects.get()
    assert browser.current_url.endswith(f"/members/{member.pk}/")
    assert "Siti Aminah" in browser.find_element(By.TAG_NAME, "h1").text


def test_a_secretary_imports_a_sheet_and_sees_its_bad_row(browser, live_server, operator, tmp_path):
    # Given a sheet with a good row and a bad one (a category that does not exist)
    sheet = tmp_path / "anggota.csv"
    sheet.write_text(
        "village,nik,full_name,birth_date,sex,category\n"
        f"33.26.13.2008,{make_nik('33.26.13', datetime.date(1980, 3, 14), 'male', 1)},"
        "Slamet Riyadi,1980-03-14,male,rt\n"
        f"33.26.13.2008,{make_nik('33.26.13', datetime.date(1981, 4, 15), 'male', 2)},"
        "Bambang,1981-04-15,male,lurah\n"
    )
    login(browser, live_server, operator)
    browser.get(live_server.url + "/members/import/")
    # When she uploads it for checking
    wait_for(browser, "#id_file").send_keys(str(sheet))
    submit(browser, "form[enctype='multipart/form-data']")
    # Then the bad row's error shows with the sheet's row number (the header is row 1)
    row = wait_for(browser, "#import-errors tr[data-row='3']")
    assert "category" in row.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#import-errors tr[data-row='2']")
    # and nothing is kept, and there is nothing to confirm (all or nothing)
    assert not Member.objects.exists()
    assert not browser.find_elements(By.CSS_SELECTOR, "form[action$='/import/confirm/']")


def test_a_payment_with_evidence_is_verified_by_the_regency_and_the_bill_turns_paid(
    browser, live_server, operator, auditor, admin, tmp_path
):
    # Given Kwayangan's July bill for a covered member
    CoveredMemberFactory(actor=admin)
    generate("2025-07", "33.26.13.2008")
    bill = bill_of()
    evidence = tmp_path / "bukti.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% bukti transfer\n")

    # When the secretary records the whole amount with the transfer's PDF
    login(browser, live_server, operator)
    browser.get(f"{live_server.url}/bills/{bill.pk}/")
    assert wait_for(browser, "#id_amount").get_attribute("value") == str(bill.amount)
    set_value(browser, "#id_paid_on", "2025-07-10")
    set_value(browser, "#id_reference", "TRF-0710")
    wait_for(browser, "#id_evidence").send_keys(str(evidence))
    submit(browser, "#pay form")
    # Then the payment is there, once, awaiting review
    wait_for(browser, "#payments-table tr[data-payment]")
    payment = Payment.objects.get()
    assert (payment.amount, payment.status, bool(payment.evidence)) == (
        bill.amount,
        "pending_review",
        True,
    )

    # When the regency's auditor opens the audit queue
    browser.delete_all_cookies()
    login(browser, live_server, auditor)
    browser.get(live_server.url + "/audit/")
    card = wait_for(browser, f"article[data-payment='{payment.pk}']")
    # Then the payment is there with its evidence shown inline
    assert card.find_element(By.CSS_SELECTOR, "object.evidence")
    # When it verifies the payment
    card.find_element(By.CSS_SELECTOR, "button[formaction$='/verify/']").click()
    wait_for(browser, "p.message.success")
    # Then the village's bill is paid
    browser.get(f"{live_server.url}/bills/{bill.pk}/")
    assert "paid" in wait_for(browser, "mark[data-status]").get_attribute("class").split()
    assert Bill.objects.get(pk=bill.pk).status == "paid"


def test_the_dashboard_charts_draw_the_progress_figures(browser, live_server, auditor, admin):
    # Given members in three villages of Kedungwuni, with their progress counted
    for village in ("33.26.13.2008", "33.26.13.2001", "33.26.13.2002"):
        for _ in range(2):
            CoveredMemberFactory(
                actor=admin, village=village, category="pekerja_rentan", occupation="petani"
            )
    progress_refresh()
    district = Region.objects.get(code=KEDUNGWUNI)
    bands = progress_distribution(auditor, region=district)

    # When the auditor opens Kedungwuni's dashboard
    login(browser, live_server, auditor)
    browser.get(f"{live_server.url}/dashboard/?code={KEDUNGWUNI}")
    wait_for(browser, "#bands-chart")

    def chart(canvas: str) -> dict:
        return browser.execute_script(
            "const chart = Chart.getChart(document.getElementById(arguments[0]));"
            "return chart && {labels: chart.data.labels,"
            " data: chart.data.datasets.map(set => set.data)};",
            canvas,
        )

    # Then the bands chart draws the villages per band, as the table and the rows say
    drawn = chart("bands-chart")
    assert drawn["data"][0] == [band["villages"] for band in bands]
    table = [
        int(cell.text) for cell in browser.find_elements(By.CSS_SELECTOR, "#bands-table td.number")
    ]
    assert table == drawn["data"][0]
    # and the coverage chart draws each village's target and active vulnerable workers
    coverage = chart("rentan-chart")
    rows = {
        row.get_attribute("data-code"): row
        for row in browser.find_elements(By.CSS_SELECTOR, "#coverage-table tr[data-code]")
    }
    assert len(coverage["labels"]) == len(rows) == 19  # Kedungwuni's villages
    shown = dict(zip(coverage["labels"], zip(*coverage["data"], strict=True), strict=True))
    assert shown["Kwayangan"] == (100, 2)
    assert "2 / 100" in rows["33.26.13.2008"].text


def test_an_operator_of_another_village_meets_a_404_on_a_members_page(
    browser, live_server, make_user, admin
):
    # Given a member of Kwayangan, and the operator of Blacanan
    member = CoveredMemberFactory(actor=admin)
    stranger = make_user(scope=BLACANAN)
    # When the stranger opens the member's page
    login(browser, live_server, stranger)
    browser.get(f"{live_server.url}/members/{member.pk}/")
    # Then the page does not exist for it
    assert "Not Found" in wait_for(browser, "body").text
    assert member.full_name not in browser.page_source


# Pages a secretary and the regency office open in the field, and what each must show.
PHONE_PAGES = {
    "operator": [
        ("/villages/33.26.13.2008/", "#coverage-chart"),
        ("/members/", "#members-table"),
        ("/members/new/", "#member-form"),
        ("/bills/", "main h1"),
        ("/members/import/", "main form"),
    ],
    "auditor": [
        ("/dashboard/", "#bands-chart"),
        ("/audit/", "main h1"),
        ("/budgets/", "main h1"),
        ("/users/", "main h1"),
    ],
}


def test_on_a_phone_no_page_runs_off_the_screen_and_every_field_has_a_label(
    browser, live_server, operator, auditor, admin
):
    # Given some members and bills of Kwayangan, and a phone's screen (390 px wide)
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    generate("2025-07", "33.26.13.2008")
    progress_refresh()
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    for user, pages in (("operator", PHONE_PAGES["operator"]), ("auditor", PHONE_PAGES["auditor"])):
        browser.delete_all_cookies()
        login(browser, live_server, operator if user == "operator" else auditor)
        for path, ready in pages:
            # When the page opens
            browser.get(live_server.url + path)
            wait_for(browser, ready)
            # Then nothing one reads or presses lies beyond the screen's right edge (wide
            # tables scroll inside their own box)
            cut = browser.execute_script(
                "return [...document.querySelectorAll("
                "'a, button, summary, input, select, textarea, h1, h2, p, label, th, td')]"
                ".filter(e => !e.closest('.overflow-auto') && e.getClientRects().length)"
                ".filter(e => e.getBoundingClientRect().right"
                " > document.documentElement.clientWidth + 1)"
                ".map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 30))"
            )
            assert cut == [], f"{path}: beyond a 390 px screen: {cut}"
            assert browser.execute_script(
                "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            ), f"{path}: the page scrolls sideways"
            # And every field a person fills in has a label (or an aria-label) read out
            unlabelled = browser.execute_script(
                "return [...document.querySelectorAll('input, select, textarea')]"
                ".filter(f => !['hidden', 'submit'].includes(f.type))"
                ".filter(f => !(f.labels && f.labels.length) && !f.getAttribute('aria-label'))"
                ".map(f => f.name || f.id)"
            )
            assert unlabelled == [], f"{path}: fields without a label: {unlabelled}"
