"""What a part of an address may be (grants/web.py): an id no bigger than a row's, a word with no control
character. Anything else matches no route, so it never reaches a view or the database."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound

from grants.forms_fields import MAX_ID
from tests.support.db import app_session
from tests.support.factories import make_funder


def _matches(app: Flask, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path)
    except NotFound:
        return False
    return True


def test_an_id_in_an_address_past_any_row_is_not_found(app: Flask, client: FlaskClient) -> None:
    """Found by probing what the fuzz tests found in forms: a public round's address with a 20-digit id reached
    the database, which cannot hold the number (a 500). Now it matches no route."""
    assert not _matches(app, "/rounds/99999999999999999999")
    assert client.get("/rounds/99999999999999999999").status_code == 404
    assert _matches(app, f"/rounds/{MAX_ID}")  # the largest id is still looked up
    assert client.get(f"/rounds/{MAX_ID}").status_code == 404  # (there is no such round)


@pytest.mark.parametrize("word", ["\x00", "a\x1fb", "\x7f"])
def test_a_word_in_an_address_with_a_control_character_is_not_found(app: Flask, client: FlaskClient, word: str) -> None:
    """Found by the fuzz tests on PostgreSQL: a funder's public page at /funders/%00 handed the NUL to the database,
    which refuses it in a text column (a 500). Now such an address matches no route, on either database."""
    with app_session(app) as s:
        slug = make_funder(s).slug
    assert not _matches(app, f"/funders/{word}")
    assert not _matches(app, f"/funders/{slug}{word}")
    assert client.get(f"/funders/{word}").status_code == 404
    assert _matches(app, f"/funders/{slug}") and client.get(f"/funders/{slug}").status_code == 200
