"""Screenshots of a running site, for docs/screenshots/ (``make screenshots``).

Against a dev server with the demo data (``make run`` seeds it and serves
http://127.0.0.1:8000): for each row of PAGES, a headless Chromium logs in as that demo
user through the login form (password ``demo-desa-2025``, see demo/seed.py),
opens the page, waits for the row's CSS selector and saves ``docs/screenshots/<file>.png``.
To add a page (the console's, say), add a row. The PNGs are not committed.

    make screenshots                        # the server on http://127.0.0.1:8000
    make screenshots PORT=8001              # the one `make run PORT=8001` serves
    .venv/bin/python -m tests.browser.screenshots --url http://127.0.0.1:8001 --only admin
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

from tests.browser.driver import chromium, log_in_with_form, missing, screenshot, wait_for

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo-desa-2025"  # demo/seed.py: DEMO_PASSWORD
# The console's login form takes every role (the admin's takes staff only).
LOGIN_PATH = "/login/"


class Page(NamedTuple):
    file: str  # docs/screenshots/<file>.png
    user: str | None  # a demo username (demo/seed.py), None for a visitor
    path: str
    ready: str  # CSS of what must be on screen before the picture is taken
    full_page: bool = False  # the whole height, not just the 1280×900 viewport
    settle: float = 0  # seconds more for what draws itself after "ready" (Chrome's PDF viewer)


# fmt: off
PAGES = [
    #    file                       user                  path                        ready
    Page("console-village-home",    "op_kwayangan",       "/villages/33.26.13.2008/", "#coverage-chart", True),
    Page("console-dashboard",       "pmd_kab_pekalongan", "/dashboard/",              "#bands-chart", True),
    Page("console-audit-queue",     "pmd_kab_pekalongan", "/audit/",                  "main h1", settle=3),
    Page("console-members",         "op_kwayangan",       "/members/",                "#members-table"),
    Page("console-activations",     "bpjs_kab_pekalongan", "/activations/",           "#activations-table"),
    Page("admin-index-pmd",         "pmd_kab_pekalongan", "/admin/",                  "#content-main"),
    Page("admin-regions-pmd",       "pmd_kab_pekalongan", "/admin/villages/region/",  "#result_list"),
    Page("admin-users-pmd",         "pmd_kab_pekalongan", "/admin/accounts/user/",    "#result_list"),
    Page("admin-refused-operator",  "op_kwayangan",       "/admin/",                  ".errornote"),
    Page("api-me-operator",         "op_kwayangan",       "/api/v1/auth/me/",         ".response-info"),
    Page("api-docs",                None,                 "/api/v1/docs/",            ".swagger-ui .opblock-tag"),
]
# fmt: on


def log_in(browser, base_url: str, username: str) -> None:
    log_in_with_form(browser, base_url, LOGIN_PATH, username, PASSWORD)
    deadline = time.monotonic() + 10
    while LOGIN_PATH in browser.current_url:  # the form comes back when the login failed
        if time.monotonic() > deadline:
            raise SystemExit(
                f"logging in as {username} at {base_url}{LOGIN_PATH} failed: is the demo data "
                "there (make run seeds it; manage.py seed_demo)?"
            )
        time.sleep(0.1)


def take(base_url: str, pages: list[Page], out: Path, language: str) -> list[Path]:
    saved = []
    by_user = sorted(pages, key=lambda page: page.user or "")
    for user, rows in groupby(by_user, key=lambda page: page.user):
        with chromium(language=language) as browser:  # a browser, and a session, per user
            if user:
                log_in(browser, base_url, user)
            for page in rows:
                browser.get(base_url + page.path)
                wait_for(browser, page.ready, timeout=20)
                time.sleep(page.settle)
                path = screenshot(browser, out / f"{page.file}.png", full_page=page.full_page)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
                saved.append(path)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running site")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--only", default="", help="only the pages whose file name has this")
    parser.add_argument("--language", default="id", help="the browser's language (id, en)")
    args = parser.parse_args(argv)
    base_url = args.url.rstrip("/")

    reason = missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    try:
        urllib.request.urlopen(f"{base_url}/healthz", timeout=5)
    except urllib.error.HTTPError:
        pass  # it answered: unhealthy (503) is still a site to photograph
    except OSError as exc:
        print(f"no site at {base_url} ({exc}): start one with `make run`", file=sys.stderr)
        return 2

    pages = [page for page in PAGES if args.only in page.file]
    saved = take(base_url, pages, args.out, args.language)
    print(f"{len(saved)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
