"""The auditor's side of the journey in a real browser: a funded bid's decision trail, re-running the tally,
verifying the audit chain; and the public page showing the award."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from grants.models import Bid
from grants.money import format_pounds
from tests.audit_trail.helpers import award_and_pay, ratify
from tests.decisions.helpers import make_setting
from tests.e2e.conftest import sign_in_as
from tests.support.db import app_session

pytestmark = pytest.mark.e2e


def test_auditor_follows_a_funded_bid_reruns_the_tally_and_the_public_sees_the_award(
    app: Flask, live_server: str, page: Page
) -> None:
    setting = make_setting(app)
    ratify(app, setting, depart=None)
    award_and_pay(app, setting, "A")
    with app_session(app) as s:
        bid = s.get(Bid, setting.bids["A"])
        assert bid is not None
        reference, group_name, amount = bid.reference, bid.group.name, format_pounds(bid.amount_pence)

    sign_in_as(page, live_server, setting.auditor_email)
    expect(page.get_by_role("heading", name="Audit", level=1)).to_be_visible()
    page.locator(f'a[href="/audit/rounds/{setting.round_id}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit of")

    page.get_by_role("link", name=re.compile(rf"^{reference}")).click()
    expect(page.get_by_role("heading", name=f"Decision trail of {reference}")).to_be_visible()
    trail = page.locator("main").inner_text()
    for words in ("ratified", "offer", "accepted", "payment"):
        assert words in trail.lower(), words
    page.go_back()

    page.get_by_role("button", name="Re-run the tally").click()
    expect(page.get_by_text("The tally matches")).to_be_visible()

    page.goto(f"{live_server}/audit/chain")
    expect(page.get_by_text("The chain is intact")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/funders/{setting.funder_slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("funded")
    expect(page.locator("main")).to_contain_text(group_name)
    expect(page.locator("main")).to_contain_text(amount)
