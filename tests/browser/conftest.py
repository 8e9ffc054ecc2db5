"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against the live server.

Playwright's sync API runs an event loop in the test's thread, so Django's ORM
calls made by the test itself need DJANGO_ALLOW_ASYNC_UNSAFE=true (the test
command sets it). Never `playwright install`: the system Chromium is used.
"""

from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A page of this site answers in well under a second; waiting longer hides the real error.
TIMEOUT_MS = 5_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, live_server, transactional_db):
    """Open a page in a fresh browser context: `new_page(java_script_enabled=False)`.

    The live server runs in another thread and sees only committed rows, hence
    `transactional_db`. The browser asks for French first, as the site's visitors do.
    """
    contexts = []

    def open_page(**options):
        options = {"base_url": live_server.url, "locale": "fr-FR", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def axe_source():
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci`"
    return AXE_SCRIPT.read_text()
