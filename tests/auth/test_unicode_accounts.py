"""An email address is one account however its letters were typed (NFC and NFD), and a name must show."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.services import find_user_by_email
from grants.models import User
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_user
from tests.support.signin import last_link_to, sign_in

NFC = "jos\u00e9@example.org"
NFD = unicodedata.normalize("NFD", NFC)


def _register(client: FlaskClient, **overrides: str):
    """Register as a person does: the form, then the link emailed (to an address that has no account yet)."""
    data = {"name": "José Silva", "email": NFC, "password": PASSWORD, "confirm": PASSWORD, **overrides}
    response = client.post("/register", data=data)
    try:
        link = last_link_to(client, NFC, "/register/")
    except AssertionError:  # the address already has an account: its owner was emailed a notice instead
        return response
    return client.post(link)


def _emails(app: Flask) -> list[str]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(User.email)))


def test_registering_with_the_nfd_form_of_a_registered_nfc_address_makes_no_second_account(
    app: Flask, client: FlaskClient
) -> None:
    assert NFC != NFD
    with app_session(app) as s:
        make_user(s, email=NFC, name="José Silva")
    _register(app.test_client(), email=NFD, name="Another José")
    assert _emails(app) == [NFC]
    with app_session(app) as s:
        assert find_user_by_email(s, NFD) is not None
    # And the owner signs in with the address typed either way.
    assert sign_in(client, NFD).status_code == 302


def test_an_address_registered_in_nfd_is_stored_in_nfc(app: Flask, client: FlaskClient) -> None:
    _register(client, email=NFD)
    assert _emails(app) == [NFC]


def test_a_name_of_only_zero_width_spaces_is_no_name(app: Flask, client: FlaskClient) -> None:
    response = _register(client, name="\u200b\u200b")
    assert response.status_code == 200 and "Enter your name" in response.text
    assert _emails(app) == []


def test_a_name_with_a_right_to_left_override_is_refused(app: Flask, client: FlaskClient) -> None:
    response = _register(client, name="Jos\u202ee")
    assert response.status_code == 200 and "Your name has a hidden character in it" in response.text
    assert _emails(app) == []
