"""In a real browser, the Content-Security-Policy (grants/security_headers.py) blocks nothing the pages need: no
violation is reported on the pages people use most, signed out and as applicant, panellist and staff, and the
styles and scripts that moved out of the pages still work (GOV.UK's "js-enabled" line runs with its nonce, the
tables scroll, the downloadable learning summary keeps its own styles)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, url_for
from playwright.sync_api import Browser, Page, Route

from tests.access.scenario import ANONYMOUS, PANELLIST, STAFF, Scenario, build
from tests.access.scenario import APPLICANT_A as APPLICANT
from tests.e2e.conftest import TIMEOUT_MS, sign_in_as

pytestmark = pytest.mark.e2e

# Who asks, and for which pages: (endpoint, URL values named by Scenario fields).
PAGES: dict[str, list[tuple[str, dict[str, str]]]] = {
    ANONYMOUS: [
        ("public.index", {}),
        ("rounds.public_round", {"round_id": "open_round"}),
        ("auth.sign_in", {}),
        ("transparency.funder", {"slug": "funder_slug"}),
    ],
    APPLICANT: [
        ("bids.view", {"bid_id": "open_bid_a"}),
        ("bids.title", {"bid_id": "open_bid_a"}),
    ],
    PANELLIST: [
        ("panel.score_bid", {"round_id": "scoring_round", "bid_id": "scoring_bid_a"}),
        ("voting.ballot", {"round_id": "voting_round"}),
    ],
    STAFF: [
        ("screening.bid_list", {"round_id": "scoring_round"}),
        ("awards.round_awards", {"round_id": "decided_round"}),
        ("reports.learning_summary", {"round_id": "decided_round"}),
        ("reports.learning_export", {"round_id": "decided_round"}),
    ],
}
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}: ${event.sample}`);
});
"""


def _url(app: Flask, base_url: str, scenario: Scenario, endpoint: str, values: dict[str, str]) -> str:
    with app.test_request_context():
        return base_url + url_for(endpoint, **{name: getattr(scenario, field) for name, field in values.items()})


def _show_download_in_the_page(route: Route) -> None:
    """The learning summary is a download; show it in the tab instead, with every other header (its CSP) kept."""
    response = route.fetch()
    headers = {name: value for name, value in response.headers.items() if name.lower() != "content-disposition"}
    route.fulfill(response=response, headers=headers)


@contextmanager
def _browser_as(browser: Browser, base_url: str, scenario: Scenario, persona: str) -> Iterator[tuple[Page, list[str]]]:
    """A page signed in as `persona` (or not, for the anonymous visitor), with every CSP complaint it logs."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(LISTEN)
    page = context.new_page()
    complaints: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            complaints.append(f"{page.url}: console {message.type}: {message.text}")

    page.on("console", on_console)
    page.route("**/learning.html", _show_download_in_the_page)
    try:
        if persona != ANONYMOUS:
            sign_in_as(page, base_url, scenario.emails[persona])
            page.wait_for_load_state("load")
        yield page, complaints
    finally:
        context.close()


def _violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations")
    return [f"{page.url}: {violation}" for violation in found]


def test_no_page_breaks_the_content_security_policy(app: Flask, live_server: str, browser: Browser) -> None:
    scenario = build(app)
    problems: list[str] = []
    for persona, pages in PAGES.items():
        with _browser_as(browser, live_server, scenario, persona) as (page, complaints):
            problems += _violations(page)  # the sign-in pages on the way
            for endpoint, values in pages:
                url = _url(app, live_server, scenario, endpoint, values)
                response = page.goto(url, wait_until="load")
                assert response is not None and response.status == 200, f"{persona} {url}: {response}"
                assert response.headers.get("content-security-policy"), url
                problems += _violations(page)
                if endpoint == "reports.learning_export":
                    # Its own styles, allowed by the nonce: a styled summary, not the browser's default page.
                    if not page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Arial"):
                        problems.append(f"{url}: the learning summary's own styles did not apply")
                elif not page.evaluate("document.body.classList.contains('js-enabled')"):
                    problems.append(f"{url}: GOV.UK's inline js-enabled script did not run")
                if endpoint == "screening.bid_list":
                    scroll = "getComputedStyle(document.querySelector('.app-table-scroll')).overflowX"
                    if page.evaluate(scroll) != "auto":
                        problems.append(f"{url}: the table does not scroll (its style belongs in app.css)")
            problems += complaints
    assert not problems, "\n".join(problems)
