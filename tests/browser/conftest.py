"""Browser tests: a real headless Chromium, driven by Selenium, against pytest-django's
``live_server`` (a threaded server on localhost with the test database and static files).

Use in a test::

    from tests.browser.conftest import login, wait_for

    def test_something(browser, live_server, auditor):
        login(browser, live_server, auditor)  # a session cookie, no form to fill
        browser.get(live_server.url + "/admin/villages/region/")
        assert "Kabupaten Pekalongan" in wait_for(browser, "#result_list").text

- ``browser``: a new Chromium for each test (a fresh profile, viewport 1280×900, implicit
  waits off). Skipped when /usr/bin/chromium or /usr/bin/chromedriver is missing; fails
  instead when ``CI=true``, so CI never drops the browser tests silently. When a test fails,
  a screenshot and the page's HTML are saved in its ``tmp_path`` and the paths printed.
- ``login(browser, live_server, user)``, ``wait_for(browser, css)``,
  ``screenshot(browser, path)``, ``requested_urls(browser)``, ``foreign_urls(urls, base)``
  and ``log_in_with_form(...)``: see below and ``tests/browser/driver.py``.

The tests are transactional (``live_server`` asks for ``transactional_db``): what a test
writes is committed, so the server's threads see it, and every table is emptied after the
test, the session's regions and the migrations' rates included. pytest-django runs
transactional tests after the others, and ``basics`` (autouse) puts back the regions and
the migrations' rows (``committed_basics``, tests/conftest.py) when an earlier test flushed
them, before any user is made. Every test here is marked ``browser``: ``-m "not browser"``
leaves them out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.driver import (  # noqa: F401 - re-exported for the tests
    chromium,
    foreign_urls,
    log_in_with_form,
    missing,
    requested_urls,
    screenshot,
    wait_for,
)

HERE = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict]()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(items):
    # Without a browser (and outside CI) skip before any fixture runs; in CI ``browser`` fails.
    reason = None if in_ci() else missing()
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def browser(request, tmp_path):
    """A headless Chromium (Selenium WebDriver) of this test's own, quit after it."""
    reason = missing()
    if reason:
        if in_ci():
            pytest.fail(f"{reason}; CI=true, so this fails instead of skipping", pytrace=False)
        pytest.skip(reason)
    with chromium() as driver:
        yield driver
        call = request.node.stash.get(_REPORTS, {}).get("call")
        if call is not None and call.failed:
            shot = screenshot(driver, tmp_path / "failure.png", full_page=True)
            page = tmp_path / "failure.html"
            page.write_text(driver.page_source)
            print(f"browser at {driver.current_url}\n  screenshot: {shot}\n  page: {page}")


@pytest.fixture(autouse=True)
def basics(committed_basics) -> None:
    """The regions (every default scope of tests/conftest.py) and the rates, committed:
    put back when an earlier transactional test flushed them."""


def login(browser, live_server, user) -> None:
    """Log ``user`` in without a form: a session made by ``Client.force_login``, its cookie
    put into the browser after a first visit to the live server's host (a cookie can only be
    set for the page's own domain)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    browser.get(f"{live_server.url}{settings.STATIC_URL}admin/img/icon-yes.svg")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": session.value,
            "path": "/",
            "httpOnly": True,
            "sameSite": "Lax",
        }
    )
