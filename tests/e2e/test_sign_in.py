"""Signing in and out in a real browser."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in_as
from tests.support.db import app_session
from tests.support.factories import make_user

pytestmark = pytest.mark.e2e


def test_applicant_signs_in_sees_their_home_page_and_signs_out(app: Flask, live_server: str, page: Page) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com", name="Ada Lovelace")

    sign_in_as(page, live_server, "ada@example.com")

    expect(page).to_have_url(f"{live_server}/applicant")
    expect(page.get_by_role("heading", name="Your bids", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Ada Lovelace")

    page.get_by_role("button", name="Sign out", exact=True).click()

    expect(page.get_by_text("You have signed out")).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(banner).not_to_contain_text("Ada Lovelace")


def test_wrong_password_is_explained_in_the_error_summary(app: Flask, live_server: str, page: Page) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com", name="Ada Lovelace")

    sign_in_as(page, live_server, "ada@example.com", password="not the password")

    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
