"""With CSRF protection on (as in production), a form posted without its token changes nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import User
from tests.support.db import app_session
from tests.support.factories import PASSWORD
from tests.support.signin import last_link_to


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def test_registration_without_csrf_token_is_refused_and_creates_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/register", data={"name": "Ada", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 400
    assert "nothing was changed" in response.text.lower() or "security" in response.text.lower()
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def _token(page: str) -> str:
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_registration_with_the_token_from_the_form_works(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/register",
        data={
            "csrf_token": _token(client.get("/register").text),
            "name": "Ada",
            "email": "ada@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 200 and "Check your email" in response.text
    link = last_link_to(client, "ada@example.com", "/register/")
    assert client.post(link).status_code == 400  # the emailed link's button needs its token too
    assert client.post(link, data={"csrf_token": _token(client.get(link).text)}).status_code == 302
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_form_posted_without_its_token_is_logged_with_where_it_came_from(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = client.post("/register", data={"name": "Ada"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 400
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Refused (CSRF")]
    assert logged == ["Refused (CSRF: The CSRF token is missing.) POST '/register' from 192.0.2.7"]
