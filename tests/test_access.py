"""Every role against every signed-in page: 200 where the role may, 403 where it may not, sign-in when signed out."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.db import app_session
from tests.support.factories import (
    make_admin,
    make_auditor,
    make_bid,
    make_funder,
    make_group_with_member,
    make_panellist,
    make_round,
    make_staff,
    make_user,
)
from tests.support.signin import sign_in

PAGES = ["/staff", "/audit", "/audit/chain", "/panel", "/applicant", "/admin/", "/account/password"]
POSTS = ["/staff/invite", "/admin/funders", "/admin/invite-staff"]

ALLOWED = {
    "applicant": {"/applicant", "/account/password"},
    "panellist": {"/panel", "/applicant", "/account/password"},
    "staff": {"/staff", "/applicant", "/account/password"},
    "auditor": {"/audit", "/audit/chain", "/applicant", "/account/password"},
    "admin": {"/admin/", "/applicant", "/account/password"},
}
HOME = {"applicant": "/applicant", "panellist": "/panel", "staff": "/staff", "auditor": "/audit", "admin": "/admin/"}


@pytest.fixture
def people(app: Flask) -> dict[str, str]:
    with app_session(app) as s:
        funder = make_funder(s)
        round_ = make_round(s, funder)
        make_user(s, email="applicant@example.com")
        make_panellist(s, round_, email="panellist@example.com")
        make_staff(s, funder, email="staff@example.com")
        make_auditor(s, funder, email="auditor@example.com")
        make_admin(s, email="admin@example.com")
    return {role: f"{role}@example.com" for role in ALLOWED}


@pytest.mark.parametrize("path", PAGES + POSTS)
def test_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.post(path) if path in POSTS else client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_reaches_only_its_pages(client: FlaskClient, people: dict[str, str], role: str) -> None:
    response = sign_in(client, people[role])
    assert response.headers["Location"] == HOME[role]
    for path in PAGES:
        status = client.get(path).status_code
        expected = 200 if path in ALLOWED[role] else 403
        assert status == expected, f"{role} GET {path}: {status}, expected {expected}"


@pytest.mark.parametrize("role", ["applicant", "panellist", "auditor"])
def test_roles_without_the_right_cannot_post_staff_or_admin_actions(
    client: FlaskClient, people: dict[str, str], role: str
) -> None:
    sign_in(client, people[role])
    for path in POSTS:
        assert client.post(path, data={"email": "x@example.com", "name": "X"}).status_code == 403


def test_nav_shows_only_the_areas_a_person_may_use(client: FlaskClient, people: dict[str, str]) -> None:
    sign_in(client, people["auditor"])
    page = client.get("/audit").text
    assert 'href="/audit"' in page and 'href="/staff"' not in page and 'href="/admin/"' not in page


def test_asking_for_another_persons_object_is_a_plain_404_and_is_logged(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    # The same 404 as a mistyped address, so nothing is revealed; but someone trying other people's ids is seen.
    with app_session(app) as s:
        round_ = make_round(s, make_funder(s))
        theirs = make_bid(s, round_, make_group_with_member(s, make_user(s))).id
        me = make_user(s, email="ada@example.com")
        make_group_with_member(s, me)
        my_id = me.id
    sign_in(client, "ada@example.com")
    with caplog.at_level(logging.WARNING):
        refused = client.get(f"/bids/{theirs}")
        missing = client.get(f"/bids/{theirs + 1000}")
    assert refused.status_code == missing.status_code == 404
    assert re.sub(r'nonce="[^"]+"', "", refused.text) == re.sub(r'nonce="[^"]+"', "", missing.text)
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Refused (404")]
    assert logged == [f"Refused (404, not theirs) GET '/bids/{theirs}': Bid {theirs} for session user {my_id}"]
