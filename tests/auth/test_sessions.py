"""Sessions end on the server: an idle timeout, an absolute lifetime (longer with "keep me signed in"), and a new
Flask session (and CSRF token) at sign-in and sign-out (issue 11, finding 9). A `next` address with a line break
is refused, not a 500 (finding 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.sessions import LAST_SEEN_KEY
from grants.models import LoginSession, SecurityEvent, User, utcnow
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_user
from tests.support.signin import post_password, sign_in


@pytest.fixture
def ada(app: Flask) -> str:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    return "ada@example.com"


def _started(app: Flask, when: datetime) -> None:
    with app_session(app) as s:
        s.execute(sa.update(LoginSession).values(created_at=when))


def _last_seen(client: FlaskClient, when: datetime) -> None:
    with client.session_transaction() as cookie:
        cookie[LAST_SEEN_KEY] = int(when.timestamp())


def test_a_session_from_2019_no_longer_works(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada, remember=True)
    assert client.get("/applicant").status_code == 200
    _started(app, datetime(2019, 3, 1, 9, 0, tzinfo=UTC))
    assert client.get("/applicant").status_code == 302
    # Nor does a browser holding only the remember-me cookie.
    remember = client.get_cookie("remember_token")
    assert remember is not None
    other = client.application.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/applicant").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada, remember=True)
    assert client.get("/applicant").status_code == 200
    with app_session(app) as s:
        s.execute(sa.update(User).values(is_disabled=True))
    assert client.get("/applicant").status_code == 302
    assert post_password(client, ada).status_code == 200  # and the password no longer signs in


def test_a_site_admin_ends_one_persons_sessions_or_everyones(app: Flask, ada: str) -> None:
    with app_session(app) as s:
        make_user(s, email="grace@example.com")
    laptop, phone, grace = app.test_client(), app.test_client(), app.test_client()
    for browser, email in ((laptop, ada), (phone, ada), (grace, "grace@example.com")):
        sign_in(browser, email)
    cli = app.test_cli_runner()
    assert cli.invoke(args=["security", "end-sessions", "--email", "ADA@example.com"]).output == "Ended 2 session(s).\n"
    assert [b.get("/applicant").status_code for b in (laptop, phone, grace)] == [302, 302, 200]
    assert sign_in(laptop, ada).status_code == 302  # not locked out: only signed out

    disabled = cli.invoke(args=["security", "end-sessions", "--email", ada, "--disable"])
    assert disabled.exit_code == 0 and "can no longer sign in" in disabled.output
    assert laptop.get("/applicant").status_code == 302
    assert post_password(laptop, ada).status_code == 200  # refused

    assert cli.invoke(args=["security", "end-sessions", "--all"]).output == "Ended 1 session(s).\n"
    assert grace.get("/applicant").status_code == 302
    assert cli.invoke(args=["security", "end-sessions"]).exit_code != 0
    with app_session(app) as s:
        kinds = s.scalars(
            sa.select(SecurityEvent.kind)
            .where(SecurityEvent.kind.in_(["sessions.ended", "account.disabled"]))
            .order_by(SecurityEvent.id)
        )
        assert list(kinds) == ["sessions.ended", "account.disabled", "sessions.ended"]


def test_a_session_ends_12_hours_after_sign_in_however_busy(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada)
    _started(app, utcnow() - timedelta(hours=11, minutes=50))
    assert client.get("/applicant").status_code == 200
    _started(app, utcnow() - timedelta(hours=12, minutes=1))
    assert client.get("/applicant").status_code == 302


def test_keep_me_signed_in_lasts_its_30_days_and_no_longer(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada, remember=True)
    _started(app, utcnow() - timedelta(days=29))
    _last_seen(client, utcnow() - timedelta(days=3))  # idle for days: still signed in
    assert client.get("/applicant").status_code == 200
    _started(app, utcnow() - timedelta(days=30, minutes=1))
    assert client.get("/applicant").status_code == 302


def test_a_session_unused_for_an_hour_ends(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada)
    _last_seen(client, utcnow() - timedelta(minutes=55))
    assert client.get("/applicant").status_code == 200  # and using it moves the clock on
    _started(app, utcnow() - timedelta(hours=2))
    with client.session_transaction() as cookie:
        assert utcnow().timestamp() - cookie[LAST_SEEN_KEY] < 60
    assert client.get("/applicant").status_code == 200
    _last_seen(client, utcnow() - timedelta(minutes=61))
    assert client.get("/applicant").status_code == 302


@pytest.mark.parametrize("app_config", [{"SESSION_IDLE_MINUTES": 5}])
def test_the_idle_timeout_is_a_setting(app: Flask, client: FlaskClient, ada: str, app_config: dict[str, Any]) -> None:
    sign_in(client, ada)
    _last_seen(client, utcnow() - timedelta(minutes=6))
    assert client.get("/applicant").status_code == 302


def test_the_idle_clock_is_written_to_the_cookie_at_most_once_a_minute(
    app: Flask, client: FlaskClient, ada: str
) -> None:
    sign_in(client, ada)
    client.get("/applicant")  # the first page after signing in gives the new session its CSRF token
    assert "Set-Cookie" not in client.get("/applicant").headers  # seen a moment ago: nothing to write
    _last_seen(client, utcnow() - timedelta(minutes=2))
    assert "session=" in client.get("/applicant").headers.get("Set-Cookie", "")


def test_a_copy_of_an_old_cookie_cannot_bring_an_idle_session_back(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada)
    _last_seen(client, utcnow() - timedelta(minutes=61))
    stale = client.get_cookie("session")
    assert stale is not None
    assert client.get("/applicant").status_code == 302
    thief = client.application.test_client()
    thief.set_cookie("session", stale.value)
    assert thief.get("/applicant").status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_signing_in_and_out_starts_a_new_session_and_csrf_token(
    app: Flask, client: FlaskClient, ada: str, app_config: dict[str, Any]
) -> None:
    def token(path: str) -> str:
        return client.get(path).text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    before = token("/sign-in")
    signed_in = client.post("/sign-in", data={"csrf_token": before, "email": ada, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.post("/sign-out", data={"csrf_token": before}).status_code == 400  # the old token is gone
    assert client.get("/applicant").status_code == 200
    during = token("/account/password")
    assert client.post("/sign-out", data={"csrf_token": during}).status_code == 302
    assert client.get("/applicant").status_code == 302
    refused = client.post("/sign-in", data={"csrf_token": during, "email": ada, "password": PASSWORD})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "next_url", ["/applicant\r\nSet-Cookie: x=1", "/account/password\n", "/a\tb", "/\x00", "/bids\x7f"]
)
def test_a_next_address_with_a_control_character_is_refused_not_a_500(
    app: Flask, client: FlaskClient, ada: str, next_url: str
) -> None:
    response = client.post("/sign-in", query_string={"next": next_url}, data={"email": ada, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/applicant"
    signed_in = client.get("/sign-in", query_string={"next": next_url})  # already signed in: straight on
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/applicant"


FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0"
    " Mobile/15E148 Safari/604.1"
)


def _browser(app: Flask, email: str, user_agent: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    sign_in(client, email)
    return client


def _session_id(app: Flask, device: str) -> int:
    with app_session(app) as s:
        return s.scalars(sa.select(LoginSession.id).where(LoginSession.device == device)).one()


def test_the_account_page_lists_each_browser_signed_in_and_signs_out_of_another(app: Flask, ada: str) -> None:
    laptop = _browser(app, ada, FIREFOX_ON_WINDOWS)
    phone = _browser(app, ada, SAFARI_ON_IPHONE)

    page = " ".join(laptop.get("/account").text.split())
    assert "Where you are signed in" in page
    assert 'Firefox on Windows <strong class="govuk-tag govuk-tag--green">This browser</strong>' in page
    assert "Mobile Safari on iOS" in page
    phone_id = _session_id(app, "Mobile Safari on iOS")

    ended = laptop.post(f"/account/sessions/{phone_id}/end", follow_redirects=True)
    assert "Signed out of that browser." in ended.text and "Mobile Safari on iOS" not in ended.text
    assert phone.get("/applicant").status_code == 302  # the phone must sign in again
    assert laptop.get("/applicant").status_code == 200
    with app_session(app) as s:
        (event,) = s.scalars(sa.select(SecurityEvent).where(SecurityEvent.kind == "session.ended_elsewhere"))
        assert event.facts == {"sessions_ended": 1}


def test_nobody_signs_out_another_persons_browser_and_this_browser_signs_out_the_usual_way(
    app: Flask, ada: str
) -> None:
    with app_session(app) as s:
        make_user(s, email="bob@example.com")
    ada_laptop = _browser(app, ada, FIREFOX_ON_WINDOWS)
    bob_phone = _browser(app, "bob@example.com", SAFARI_ON_IPHONE)
    bob_id, ada_id = _session_id(app, "Mobile Safari on iOS"), _session_id(app, "Firefox on Windows")

    assert ada_laptop.post(f"/account/sessions/{bob_id}/end").status_code == 404
    assert ada_laptop.post(f"/account/sessions/{ada_id}/end").status_code == 404  # her own: "Sign out" instead
    assert bob_phone.get("/applicant").status_code == 200
    assert ada_laptop.get("/applicant").status_code == 200


def test_signing_out_of_every_other_browser_keeps_this_one(app: Flask, ada: str) -> None:
    here = _browser(app, ada, FIREFOX_ON_WINDOWS)
    others = [_browser(app, ada, SAFARI_ON_IPHONE), _browser(app, ada, "curl/8.0")]

    done = here.post("/account/sessions/end-others", follow_redirects=True)

    assert "Signed out of 2 other browsers." in done.text
    assert [other.get("/applicant").status_code for other in others] == [302, 302]
    assert here.get("/applicant").status_code == 200
    assert "Sign out of every other browser" not in done.text  # only this one is left
