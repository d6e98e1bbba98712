"""Browser tests: Playwright's sync API driving Debian's chromium against ``live_server``.

Browsers are never downloaded: the executable is ``KOMPLAN_CHROMIUM`` or ``/usr/bin/chromium``.
Without it the tests are skipped, unless KOMPLAN_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("KOMPLAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KOMPLAN_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop; Django must allow ORM calls from the test thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db) -> Iterator[object]:
    """A fresh browser context (no cookies) per test, Czech first like a Czech visitor."""
    context = browser.new_context(locale="cs-CZ", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, live_server, user, password: str) -> None:
    """Log in through the Django admin login form, as a person would."""
    page.goto(f"{live_server.url}/admin/login/?next=/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
