"""A sign-in that ends while someone is typing (signed out elsewhere, password changed on another device)
loses nothing: after signing in again, what they typed is back on the page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from grants.auth.saved_forms import KEEP_FOR, MAX_KEPT_PER_USER, delete_expired_saved_forms
from grants.auth.sessions import end_all_sessions
from grants.extensions import db
from grants.models import Answer, GroupMember, SavedForm, User, utcnow
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


def _signed_in_on_a_question(app: Flask, client: FlaskClient) -> tuple[int, TestResponse]:
    """Maria, signed in, on the first question of her group's draft bid: the bid's id and the page."""
    with app_session(app) as s:
        user = make_user(s, email="maria@example.com")
        round_ = make_round(s, make_funder(s))
        bid_id = make_bid_row(s, round_, make_group_with_member(s, user)).id
        s.add(Answer(bid_id=bid_id, question_id=round_.questions[0].id, text=""))
    token = _csrf(client.get("/sign-in").text)
    client.post("/sign-in", data={"csrf_token": token, "email": "maria@example.com", "password": PASSWORD})
    page = client.get(f"/bids/{bid_id}/questions/1")
    return bid_id, page


def test_typed_answer_survives_a_sign_in_that_ended_and_comes_back_after_signing_in(
    app: Flask, client: FlaskClient
) -> None:
    bid_id, page = _signed_in_on_a_question(app, client)
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


# --- kept only for the person who typed it, capped, and not for long (issue 11, finding 5) ----------------------

MARIA, SAM = "maria@example.com", "sam@example.com"  # both act for the same group


def _kept(app: Flask) -> list[SavedForm]:
    with app_session(app) as s:
        rows = list(s.scalars(sa.select(SavedForm).order_by(SavedForm.id)))
        s.expunge_all()
        return rows


def _user_id(app: Flask, email: str) -> int:
    with app_session(app) as s:
        return int(s.scalars(sa.select(User.id).where(User.email == email)).one())


def _maria_and_sams_draft(app: Flask) -> int:
    with app_session(app) as s:
        maria, sam = make_user(s, email=MARIA), make_user(s, email=SAM)
        group = make_group_with_member(s, maria)
        s.add(GroupMember(group_id=group.id, user_id=sam.id))
        return make_bid_row(s, make_round(s, make_funder(s)), group).id


def _sign_in(client: FlaskClient, email: str, next_path: str = "") -> None:
    where = f"/sign-in?next={next_path}" if next_path else "/sign-in"
    page = client.get(where)
    if page.status_code == 302:  # signed in already
        return
    token = _csrf(page.text)
    response = client.post(where, data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text


def _typing_when_the_sign_in_ends(app: Flask, client: FlaskClient, email: str, page_path: str) -> str:
    """Sign in, open a form page, and have the sign-in end elsewhere; returns the page's CSRF token."""
    _sign_in(client, email)
    page = client.get(page_path)
    assert page.status_code == 200
    with app_session(app) as s:  # e.g. the password was changed on another device
        end_all_sessions(s, s.scalars(sa.select(User).where(User.email == email)).one())
    return _csrf(page.text)


def test_a_visitor_who_never_signed_in_keeps_nothing_even_a_huge_post(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _csrf(client.get("/sign-in").text)  # a real CSRF token: a session, but never a sign-in
    fields = {f"field{n}": "x" * 400_000 for n in range(27)}  # 10.8 MB, each field within the form parser's limit
    for path in (f"/bids/{bid_id}/title", "/bids/999999/questions/1", "/panel/rounds/999/bids/999"):
        response = client.post(path, data={"csrf_token": token, "title": "Spam", **fields})
        assert response.status_code in {302, 413}, path
        assert client.post(path, data={"csrf_token": token, "title": "Small spam"}).status_code == 302
    assert _kept(app) == []


def test_a_form_typed_before_the_sign_in_ended_goes_back_to_that_person_only(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    response = client.post(f"/bids/{bid_id}/title", data={"csrf_token": token, "title": "Growing club"})
    assert response.headers["Location"] == f"/sign-in?next=/bids/{bid_id}/title"
    [kept] = _kept(app)
    assert (kept.user_id, kept.path) == (_user_id(app, MARIA), f"/bids/{bid_id}/title")

    # Sam, who acts for the same group, signs in on the same browser: the page is his too, but not her typing.
    _sign_in(client, SAM, f"/bids/{bid_id}/title")
    page = client.get(f"/bids/{bid_id}/title")
    assert page.status_code == 200
    assert "Growing club" not in page.text
    assert "We have put back what you typed" not in page.text
    client.post("/sign-out", data={"csrf_token": _csrf(page.text)})
    assert len(_kept(app)) == 1

    _sign_in(client, MARIA, f"/bids/{bid_id}/title")
    assert "Growing club" in client.get(f"/bids/{bid_id}/title").text


def test_a_copy_of_her_cookie_posted_from_elsewhere_is_never_put_back_in_her_browser(app: Flask) -> None:
    bid_id = _maria_and_sams_draft(app)
    hers, other = app.test_client(), app.test_client()
    token = _typing_when_the_sign_in_ends(app, hers, MARIA, f"/bids/{bid_id}/title")
    session_cookie = hers.get_cookie("session")
    assert session_cookie is not None
    other.set_cookie("session", session_cookie.value)
    other.post(f"/bids/{bid_id}/title", data={"csrf_token": token, "title": "Planted by someone else"})
    assert len(_kept(app)) == 1  # kept for her, but bound to the other browser

    _sign_in(hers, MARIA, f"/bids/{bid_id}/title")
    assert "Planted by someone else" not in hers.get(f"/bids/{bid_id}/title").text


def test_nothing_is_kept_for_an_address_with_no_form_page(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    # A button with no page of its own (nothing to put it back on), and an address that is no route at all.
    assert client.post(f"/bids/{bid_id}/attachment/remove", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/bids/{bid_id}/no-such-page", data={"csrf_token": token, "title": "x"}).status_code == 404
    assert _kept(app) == []


def test_a_form_too_big_to_keep_is_not_kept(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/questions/1")
    answer = "word " * 60_000  # 300 KB: far beyond any answer's limit
    response = client.post(f"/bids/{bid_id}/questions/1", data={"csrf_token": token, "answer": answer})
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert _kept(app) == []
    assert "Sign in to see that page" in client.get(response.headers["Location"]).text


def test_a_kept_form_expires_after_a_few_hours(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    client.post(f"/bids/{bid_id}/title", data={"csrf_token": token, "title": "Growing club"})
    with app_session(app) as s:
        s.execute(sa.update(SavedForm).values(created_at=utcnow() - timedelta(hours=5)))  # typed this morning

    _sign_in(client, MARIA, f"/bids/{bid_id}/title")
    assert "Growing club" not in client.get(f"/bids/{bid_id}/title").text
    assert len(_kept(app)) == 1  # a GET never writes; the next form kept (or the prune) deletes it

    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/questions/1")
    client.post(f"/bids/{bid_id}/questions/1", data={"csrf_token": token, "answer": "Newer"})
    assert [row.path for row in _kept(app)] == [f"/bids/{bid_id}/questions/1"]
    with app_session(app) as s:
        s.execute(sa.update(SavedForm).values(created_at=utcnow() - KEEP_FOR - timedelta(minutes=1)))
        assert delete_expired_saved_forms(s, now=utcnow()) == 1
    assert _kept(app) == []


def test_one_person_keeps_a_few_forms_at_most_one_a_page(app: Flask, client: FlaskClient) -> None:
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    pages = ["title", "questions/1", "amount", "recording", "group", "check", "withdraw"]
    for page in [*pages, "title"]:
        client.post(f"/bids/{bid_id}/{page}", data={"csrf_token": token, "title": f"Typed on {page}"})
    kept = _kept(app)
    assert len(kept) == MAX_KEPT_PER_USER
    assert len({row.path for row in kept}) == len(kept)
    assert f"/bids/{bid_id}/title" in {row.path for row in kept}  # the newest, kept once


def test_a_kept_form_that_cannot_be_read_just_now_leaves_the_page_working(app: Flask, client: FlaskClient) -> None:
    """The GET that puts a form back must never fail: at worst the page shows without it."""
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    client.post(f"/bids/{bid_id}/title", data={"csrf_token": token, "title": "Growing club"})
    _sign_in(client, MARIA, f"/bids/{bid_id}/title")

    def locked(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM saved_form" in statement:
            raise sa.exc.OperationalError(statement, {}, Exception("database is locked"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", locked)
    try:
        page = client.get(f"/bids/{bid_id}/title")
    finally:
        event.remove(engine, "before_cursor_execute", locked)
    assert page.status_code == 200
    assert "Growing club" not in page.text
    assert "Growing club" in client.get(f"/bids/{bid_id}/title").text  # still kept, put back once it can be read


def test_putting_back_a_kept_form_waits_for_no_writer(app: Flask, client: FlaskClient, database_backend: str) -> None:
    """Another worker holding the write lock does not hold up (or fail) the GET that puts a form back."""
    if database_backend != "sqlite":
        pytest.skip("SQLite's single write lock; on PostgreSQL readers never wait for writers")
    bid_id = _maria_and_sams_draft(app)
    token = _typing_when_the_sign_in_ends(app, client, MARIA, f"/bids/{bid_id}/title")
    client.post(f"/bids/{bid_id}/title", data={"csrf_token": token, "title": "Growing club"})
    _sign_in(client, MARIA, f"/bids/{bid_id}/title")

    with app.app_context():
        writer = db.engine.raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE saved_form SET path = path")
        page = client.get(f"/bids/{bid_id}/title")
    finally:
        writer.rollback()
        writer.close()
    assert page.status_code == 200
    assert "Growing club" in page.text


def test_the_kept_form_cookie_is_named_and_scoped_as_a_host_only_cookie_when_configured(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Production names it __Host-kept_form (grants/config.py): a browser keeps such a cookie only with Path=/ and
    # no Domain (and Secure, which production's SESSION_COOKIE_SECURE gives it), and the form still comes back.
    monkeypatch.setitem(app.config, "KEPT_FORM_COOKIE_NAME", "__Host-kept_form")
    bid_id, page = _signed_in_on_a_question(app, client)
    with app_session(app) as s:
        end_all_sessions(s, s.scalars(sa.select(User)).one())
    typed = "What we typed before the sign-in ended"
    response = client.post(f"/bids/{bid_id}/questions/1", data={"csrf_token": _csrf(page.text), "answer": typed})
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-kept_form=")]
    assert "Path=/" in cookie and "Domain=" not in cookie and "HttpOnly" in cookie
    sign_in_page = client.get(response.headers["Location"]).text
    back = client.post(
        response.headers["Location"],
        data={"csrf_token": _csrf(sign_in_page), "email": "maria@example.com", "password": PASSWORD},
    )
    assert typed in client.get(back.headers["Location"]).text
