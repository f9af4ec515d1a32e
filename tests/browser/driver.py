"""Headless Chromium through Selenium, and the helpers every browser test or script uses.

Plain Selenium, no Django: ``tests/browser/conftest.py`` (the pytest fixtures) and
``tests/browser/screenshots.py`` (run against a dev server) both start their browser here.

Nothing is downloaded at run time: Selenium is given Debian's ``/usr/bin/chromium`` and
``/usr/bin/chromedriver`` (apt packages ``chromium`` and ``chromium-driver``; ``.ci/run``
installs them), so Selenium Manager is never asked for a browser or a driver; ``SE_OFFLINE``
keeps it offline should anything call it anyway. ``CHROMIUM`` and ``CHROMEDRIVER`` in the
environment point elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download anything
os.environ.setdefault("SE_AVOID_STATS", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1280, 900)  # the viewport's width and height, in CSS pixels
WAIT_SECONDS = 10.0  # how long wait_for() waits by default

# Headless, as root in a container, on a machine whose network reaches no Google service:
# without the background-networking flags Chromium keeps trying (and failing) to reach them.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]


def missing() -> str | None:
    """Why no browser can be started here, or None when Chromium and its driver are there."""
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not absent:
        return None
    return (
        f"{' and '.join(absent)} not found: browser tests need Debian's Chromium "
        "(apt-get install chromium chromium-driver)"
    )


def options(profile: Path, language: str = "en") -> webdriver.ChromeOptions:
    """Chromium's options: headless, a fresh profile folder, ``language`` first in
    Accept-Language (the site answers in it), and the DevTools network log switched on
    (see ``requested_urls``)."""
    chosen = webdriver.ChromeOptions()
    chosen.binary_location = CHROMIUM
    for flag in FLAGS:
        chosen.add_argument(flag)
    chosen.add_argument(f"--user-data-dir={profile}")
    chosen.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    chosen.add_argument(f"--lang={language}")
    chosen.add_experimental_option("prefs", {"intl.accept_languages": f"{language},en"})
    chosen.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return chosen


@contextmanager
def chromium(language: str = "en") -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a profile of its own, quit (and its profile removed) at the
    end. Implicit waits are off: wait for what you need with ``wait_for``."""
    profile = Path(tempfile.mkdtemp(prefix="jamsostek-chromium-"))
    driver = None
    try:
        driver = webdriver.Chrome(
            options=options(profile, language),
            service=Service(executable_path=CHROMEDRIVER),
        )
        driver.implicitly_wait(0)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        _fit_viewport(driver)
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _fit_viewport(driver: webdriver.Chrome) -> None:
    """Make the page's viewport (not the window around it) exactly WINDOW."""
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if (width, height) != WINDOW:
        size = driver.get_window_size()
        driver.set_window_size(
            size["width"] + WINDOW[0] - width, size["height"] + WINDOW[1] - height
        )


def wait_for(
    browser: webdriver.Chrome, css: str, timeout: float = WAIT_SECONDS, visible: bool = True
) -> WebElement:
    """The first element matching ``css`` once it is there (and visible, unless
    ``visible=False``); fails naming the selector, the page and its title after ``timeout``."""
    condition = (
        expected_conditions.visibility_of_element_located
        if visible
        else expected_conditions.presence_of_element_located
    )
    try:
        return WebDriverWait(browser, timeout).until(condition((By.CSS_SELECTOR, css)))
    except TimeoutException:
        raise AssertionError(
            f"no {'visible ' if visible else ''}element {css!r} after {timeout:g}s "
            f"on {browser.current_url} (title {browser.title!r})"
        ) from None


def screenshot(browser: webdriver.Chrome, path: str | Path, full_page: bool = False) -> Path:
    """Save a PNG of the viewport, or of the whole page's height with ``full_page``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_page:
        shot = browser.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        path.write_bytes(base64.b64decode(shot["data"]))
    elif not browser.save_screenshot(str(path)):
        raise OSError(f"Chromium could not save a screenshot to {path}")
    return path


def log_in_with_form(
    browser: webdriver.Chrome, base_url: str, login_path: str, username: str, password: str
) -> None:
    """Type a username and password into a Django login form (the admin's or DRF's) and
    submit it, as a person would."""
    browser.get(base_url.rstrip("/") + login_path)
    wait_for(browser, "input[name=username]").send_keys(username)
    browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    # The login form's button (a page may have other forms: the language switch).
    browser.find_element(
        By.XPATH, "//input[@name='password']/ancestor::form//*[@type='submit']"
    ).click()


def requested_urls(browser: webdriver.Chrome) -> list[str]:
    """Every URL the browser asked the network for since the last call (pages, scripts,
    styles, fonts, images, XHR and fetch, WebSockets; failed ones too), from the DevTools
    network log. Browser-internal URLs (``data:``, ``blob:``, ``chrome://``, …) are left
    out. Reading the log empties it."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            params = message["params"]
            url = params["request"]["url"] if "request" in params else params["url"]
            if urlsplit(url).scheme in ("http", "https", "ws", "wss", "ftp"):
                urls.append(url)
    return urls


def foreign_urls(urls: list[str], base_url: str) -> list[str]:
    """The URLs among ``urls`` that are not on ``base_url``'s host and port."""
    home = urlsplit(base_url).netloc
    return [url for url in urls if urlsplit(url).netloc != home]
