"""The browser harness on pages that exist today: the Django admin and the API docs.

Each test drives a real headless Chromium against the live server: a PMD auditor types
its way into the admin and finds its villages, a village operator is turned away, and the
Swagger UI renders the API's title from assets served by this site alone (no CDN).
"""

from __future__ import annotations

import json

from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import foreign_urls, log_in_with_form, login, requested_urls, wait_for
from tests.conftest import CIRAHAB, KWAYANGAN, PASSWORD


def result_codes(browser) -> list[str]:
    """The codes in the admin changelist's rows."""
    return [
        cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list .field-code")
    ]


def search_regions(browser, term: str) -> list[str]:
    box = wait_for(browser, "#searchbar")
    box.clear()
    box.send_keys(term, Keys.ENTER)
    wait_for(browser, f"#searchbar[value='{term}']")
    return result_codes(browser)


def test_a_pmd_auditor_logs_into_the_admin_and_finds_only_its_regions(
    browser, live_server, auditor
):
    # Given the PMD auditor of Kab. Pekalongan, made by this test (the server sees it)
    # When it types its username and password into the admin's login form
    log_in_with_form(browser, live_server.url, "/admin/login/", auditor.username, PASSWORD)

    # Then the admin's index opens, with the regions among what it may look at
    wait_for(browser, "#content-main")
    assert browser.current_url == f"{live_server.url}/admin/"
    greeting = wait_for(browser, "#user-tools strong").get_property("textContent")
    assert greeting == auditor.username  # as written: the admin's CSS shows it in capitals
    browser.find_element(By.CSS_SELECTOR, "#content-main a[href='/admin/villages/region/']").click()

    # And the region list starts with its regency, then its districts
    wait_for(browser, "#result_list")
    assert browser.current_url == f"{live_server.url}/admin/villages/region/"
    codes = result_codes(browser)
    assert codes[:2] == ["33.26", "33.26.01"]
    assert all(code.startswith("33.26") for code in codes)

    # And searching finds Kwayangan, while Cirahab (Banyumas) is outside its scope
    assert search_regions(browser, "Kwayangan") == [KWAYANGAN]
    assert search_regions(browser, "Cirahab") == []
    assert CIRAHAB not in result_codes(browser)


def test_a_village_operator_is_logged_in_but_refused_by_the_admin(browser, live_server, operator):
    # Given Kwayangan's operator, logged in with a session cookie
    login(browser, live_server, operator)

    # Then the API knows who it is (the browsable API, with the session)
    browser.get(f"{live_server.url}/api/v1/auth/me/")
    me = json.loads(wait_for(browser, ".response-info pre").text.split("\n\n", 1)[1])
    assert (me["username"], me["scope"]["code"]) == (operator.username, KWAYANGAN)

    # But the admin sends it to its login page, saying it may not come in
    browser.get(f"{live_server.url}/admin/")
    refusal = wait_for(browser, ".errornote")
    assert browser.current_url.startswith(f"{live_server.url}/admin/login/")
    assert operator.username in refusal.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#user-tools")


def test_the_api_docs_render_from_this_site_alone(browser, live_server):
    # When anyone opens the API docs
    browser.get(f"{live_server.url}/api/v1/docs/")

    # Then Swagger UI (scripts, styles and the schema fetched by them) shows the API's title
    title = wait_for(browser, ".swagger-ui .info .title", timeout=20)
    assert title.text.startswith(settings.SPECTACULAR_SETTINGS["TITLE"])
    wait_for(browser, ".swagger-ui .opblock-tag")  # the endpoints, grouped

    # And every request the page made went to this server: no CDN, no outside font or image
    urls = requested_urls(browser)
    assert f"{live_server.url}/api/v1/schema/" in urls
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in urls)
    assert foreign_urls(urls, live_server.url) == []
    # The page's own record of what it loaded says the same
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded and foreign_urls(loaded, live_server.url) == []
