"""A sign-in that ends while someone is typing (signed out elsewhere, password changed on another device)
loses nothing: after signing in again, what they typed is back on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.sessions import end_all_sessions
from grants.models import Answer, SavedForm, User
from tests.bids.helpers import writes_during
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_funder, make_group_with_member, make_round, make_user
from tests.support.factories import make_bid as make_bid_row


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}  # as in production: the form's token is still good, the sign-in is not


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_typed_answer_survives_a_sign_in_that_ended_and_comes_back_after_signing_in(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as s:
        user = make_user(s, email="maria@example.com")
        round_ = make_round(s, make_funder(s))
        bid_id = make_bid_row(s, round_, make_group_with_member(s, user)).id
        s.add(Answer(bid_id=bid_id, question_id=round_.questions[0].id, text=""))
    token = _csrf(client.get("/sign-in").text)
    client.post("/sign-in", data={"csrf_token": token, "email": "maria@example.com", "password": PASSWORD})
    page = client.get(f"/bids/{bid_id}/questions/1")
    assert page.status_code == 200

    with app_session(app) as s:  # e.g. the password was changed on another device
        end_all_sessions(s, s.scalars(sa.select(User)).one())

    typed = "Two hours of careful writing about our growing club"
    response = client.post(f"/bids/{bid_id}/questions/1", data={"csrf_token": _csrf(page.text), "answer": typed})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SavedForm)) == 1

    sign_in_page = client.get(response.headers["Location"]).text
    assert "we will put back what you typed" in sign_in_page
    back = client.post(
        response.headers["Location"],
        data={"csrf_token": _csrf(sign_in_page), "email": "maria@example.com", "password": PASSWORD},
    )
    assert back.headers["Location"] == f"/bids/{bid_id}/questions/1"
    restored = client.get(back.headers["Location"]).text
    assert typed in restored
    assert "We have put back what you typed" in restored
    # Shown once, and only to this browser.
    assert typed not in client.get(f"/bids/{bid_id}/questions/1").text
    # A GET never writes, so it is gone from the server with this browser's next POST (here, the save).
    client.post(f"/bids/{bid_id}/questions/1", data={"csrf_token": _csrf(restored), "answer": typed})
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SavedForm)) == 0
        assert s.scalars(sa.select(Answer.text).where(Answer.bid_id == bid_id)).one() == typed


def test_putting_back_a_kept_form_writes_nothing(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        user = make_user(s, email="maria@example.com")
        round_ = make_round(s, make_funder(s))
        bid_id = make_bid_row(s, round_, make_group_with_member(s, user)).id
    token = _csrf(client.get("/sign-in").text)
    client.post("/sign-in", data={"csrf_token": token, "email": "maria@example.com", "password": PASSWORD})
    page = client.get(f"/bids/{bid_id}/title")
    with app_session(app) as s:
        end_all_sessions(s, s.scalars(sa.select(User)).one())
    response = client.post(f"/bids/{bid_id}/title", data={"csrf_token": _csrf(page.text), "title": "Growing club"})
    sign_in_page = client.get(response.headers["Location"]).text
    client.post(
        response.headers["Location"],
        data={"csrf_token": _csrf(sign_in_page), "email": "maria@example.com", "password": PASSWORD},
    )

    restored: list[str] = []
    writes = writes_during(app, lambda: restored.append(client.get(f"/bids/{bid_id}/title").text))
    assert "Growing club" in restored[0]
    assert writes == []
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SavedForm)) == 1
