"""Browser tests: the real app served over HTTP, driven by headless Chromium through Playwright.

Uses Debian's /usr/bin/chromium (never a browser downloaded by Playwright). Without it every e2e test skips.
Each test gets its own migrated database (the `app` fixture), its own server on a free port and its own
browser context; one browser serves the whole session. A failed test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.factories import PASSWORD
from tests.support.signin import CODE_STEP, current_code, has_two_factor

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000  # a page of this app renders in well under a second; fail fast rather than hang CI


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Browsers send real forms, so check CSRF tokens as production does."""
    return {"WTF_CSRF_ENABLED": True}


# The app each live server serves, by its base URL, so `sign_in_as` can read the code an account's app shows.
_SERVED: dict[str, Flask] = {}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on a free local port in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    _SERVED[base_url] = app
    try:
        yield base_url
    finally:
        _SERVED.pop(base_url, None)
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); skipping the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so the page fixture can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, database_backend: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page for this test; a screenshot in test-artifacts/ if the test fails."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{database_backend}-{name}.png"), full_page=True)
            except Exception as exc:  # the screenshot is a help; never let it hide the real failure
                print(f"Could not save a screenshot: {exc}")
        context.close()


def sign_in_as(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person would: with the code from their app, if they use one."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    app = _SERVED.get(base_url)
    if app is not None and urlsplit(page.url).path == CODE_STEP and has_two_factor(app, email):
        page.get_by_label("Code from your authenticator app", exact=True).fill(current_code(app, email))
        page.get_by_role("button", name="Continue", exact=True).click()
