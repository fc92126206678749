"""A budget ballot in a real browser: the running total follows the ticks, and the ballot is cast through the real
form (CSRF on). Debian's Chromium through the harness in tests/e2e/conftest.py; skipped when it is missing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from grants.models import Ballot, VotingMethod
from tests.e2e.conftest import sign_in_as
from tests.support.db import app_session
from tests.voting.helpers import make_voting_round

pytestmark = pytest.mark.e2e


def test_budget_ballot_running_total_updates_as_bids_are_ticked(
    app: Flask,
    live_server: str,
    page: Page,
) -> None:
    setting = make_voting_round(app, method=VotingMethod.BUDGET)  # bids of £4,000, £3,500, £2,500, £1,000
    sign_in_as(page, live_server, setting.panellist_email)
    page.goto(f"{live_server}/panel/rounds/{setting.round_id}/vote")

    total = page.locator("[data-budget-total]")
    over = page.locator("[data-budget-over]")
    expect(total).to_have_text("£0 of £10,000 chosen")
    page.get_by_label("Bid A").check()
    page.get_by_label("Bid C").check()
    expect(total).to_have_text("£6,500 of £10,000 chosen")
    expect(page.locator("[data-budget-left]")).to_have_text("£3,500 left")
    page.get_by_label("Bid B").check()
    page.get_by_label("Bid D").check()
    expect(total).to_have_text("£11,000 of £10,000 chosen")
    expect(over).to_be_visible()
    expect(over).to_have_text("£1,000 over the budget: untick bids until they fit")
    page.get_by_label("Bid D").uncheck()
    expect(total).to_have_text("£10,000 of £10,000 chosen")
    expect(over).to_be_hidden()

    page.get_by_role("button", name="Cast your ballot").click()
    expect(page.get_by_role("heading", name="Your ballot is cast")).to_be_visible()
    code = re.search(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}", page.content())
    assert code is not None
    with app_session(app) as s:
        ballot = s.scalars(sa.select(Ballot).where(Ballot.round_id == setting.round_id, Ballot.is_current)).one()
        assert ballot.receipt_code == code.group(0)
