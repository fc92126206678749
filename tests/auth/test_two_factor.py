"""Two-step sign-in: setting up the app with its QR code, signing in with a code or a recovery code, a lost phone,
throttled wrong codes, and staff, auditors and site admins who cannot get in with a password alone."""

from __future__ import annotations

import hashlib
import html
import re
import time
from datetime import timedelta
from urllib.parse import unquote

import pyotp
import pytest
import segno
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth import sealing, two_factor
from grants.auth.invitations import grant_role
from grants.auth.pending_sign_in import PENDING_KEY
from grants.domain import DomainError
from grants.models import Funder, LoginSession, OutboxEmail, RecoveryCode, Role, SecurityEvent, TwoFactor, User, utcnow
from tests.support.db import app_session
from tests.support.factories import (
    PASSWORD,
    TOTP_SECRET,
    make_funder,
    make_staff,
    make_user,
    set_up_two_factor,
)
from tests.support.signin import (
    current_code,
    key_on_page,
    last_link_to,
    post_password,
    set_up_from_page,
    sign_in,
)

STAFF = "staff@example.com"
ADA = "ada@example.com"


def _staff(app: Flask, *, with_two_factor: bool = True) -> list[str]:
    """A staff member, as the factories make one (two-step sign-in set up) or not yet set up; their recovery codes."""
    with app_session(app) as s:
        user = make_user(s, email=STAFF)
        grant_role(s, user=user, role=Role.STAFF, funder=make_funder(s))
        return set_up_two_factor(s, user) if with_two_factor else []


def _events(app: Flask, kind: str) -> list[SecurityEvent]:
    with app_session(app) as s:
        events = list(s.scalars(sa.select(SecurityEvent).where(SecurityEvent.kind == kind)))
        s.expunge_all()
        return events


def _error_by(page: str, field: str) -> str:
    """The error message shown by a field (GOV.UK Frontend's `<p id="FIELD-error">`)."""
    found = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert found, f"no error by the {field} field"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip()


def _code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def _qr_drawing(svg: str) -> str:
    """The dark modules of a QR code drawn by segno (the path's outline)."""
    found = re.search(r'<path[^>]* stroke="#000"[^>]* d="([^"]+)"', svg)
    assert found, "no QR code drawing"
    return found.group(1)


# --- setting up ---------------------------------------------------------------------------------------------


def test_staff_set_up_the_app_from_its_qr_code_before_they_are_signed_in(app: Flask, client: FlaskClient) -> None:
    _staff(app, with_two_factor=False)
    response = post_password(client, STAFF)
    assert response.headers["Location"] == "/sign-in/set-up"
    page = client.get("/sign-in/set-up").text
    key = key_on_page(page)
    # The QR code is the key's otpauth:// link, with the product as issuer, drawn inline as SVG.
    uri = pyotp.TOTP(key).provisioning_uri(name=STAFF, issuer_name="Common Pot")
    assert _qr_drawing(page) == _qr_drawing(segno.make_qr(uri, error="m").svg_inline(scale=5, border=4))
    assert "Can't scan it? Enter this key instead" in html.unescape(page)
    assert key_on_page(client.get("/sign-in/set-up").text) == key  # a reload shows the same key, not a new one
    assert client.get("/staff").headers["Location"] == "/sign-in?next=/staff"

    wrong = client.post("/sign-in/set-up", data={"code": "000000" if _code(key) != "000000" else "111111"})
    assert _error_by(wrong.text, "code") == two_factor.WRONG_CODE
    shown = client.post("/sign-in/set-up", data={"code": _code(key)})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    download = re.search(
        r'download="common-pot-recovery-codes.txt" href="data:text/plain;charset=utf-8,([^"]+)"', shown.text
    )
    assert download and all(code in unquote(download.group(1)) for code in codes)
    # Seen the codes, not yet signed in: that waits for "I have saved my recovery codes".
    assert client.get("/staff").status_code == 302
    finished = client.post("/sign-in/finish")
    assert finished.headers["Location"] == "/staff"
    assert client.get("/staff").status_code == 200
    assert len(_events(app, "two_factor.enabled")) == 1
    with app_session(app) as s:
        row = s.scalars(sa.select(TwoFactor)).one()
        assert sealing.open_sealed(row.secret_sealed) == key
        assert s.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10


def test_the_set_up_pages_need_no_inline_style_or_script(app: Flask, client: FlaskClient) -> None:
    """A strict Content-Security-Policy (no 'unsafe-inline') must not break the QR code or the codes page."""
    _staff(app, with_two_factor=False)
    post_password(client, STAFF)
    set_up = client.get("/sign-in/set-up").text
    codes_page, _ = set_up_from_page(client, "/sign-in/set-up")
    for page in (set_up, codes_page.text):
        main = page[page.index("<main") : page.index("</main>")]
        assert "style=" not in main
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", main))
    assert 'autocomplete="one-time-code"' in set_up and 'inputmode="numeric"' in set_up


def test_an_applicant_turns_it_on_from_their_account_page_and_off_again(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email=ADA)
    sign_in(client, ADA)
    account = client.get("/account").text
    assert "Two-step sign-in is off" in account
    wrong_password = client.post("/account/two-step/set-up", data={"password": "not my password", "code": "123456"})
    assert _error_by(wrong_password.text, "password") == two_factor.WRONG_PASSWORD
    _, codes = set_up_from_page(client, "/account/two-step/set-up", password=PASSWORD)
    assert len(codes) == 10
    assert client.get("/applicant").status_code == 200  # still signed in here; other sessions ended
    assert "10 of 10 left" in client.get("/account").text

    client.post("/sign-out")
    assert post_password(client, ADA).headers["Location"] == "/sign-in/code"
    assert sign_in(client, ADA).headers["Location"] == "/applicant"

    refused = client.post("/account/two-step/turn-off", data={"password": "wrong password", "code": "123456"})
    assert _error_by(refused.text, "password") == two_factor.WRONG_PASSWORD
    code = current_code(app, ADA)
    off = client.post("/account/two-step/turn-off", data={"password": PASSWORD, "code": code})
    assert off.headers["Location"] == "/account"
    assert len(_events(app, "two_factor.disabled")) == 1
    client.post("/sign-out")
    assert post_password(client, ADA).headers["Location"] == "/applicant"  # the password alone again


def test_staff_cannot_turn_it_off(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    sign_in(client, STAFF)
    assert "cannot turn it off" in client.get("/account/two-step/turn-off").text
    response = client.post("/account/two-step/turn-off", data={"password": PASSWORD, "code": current_code(app, STAFF)})
    assert response.status_code == 200
    assert "must use two-step sign-in, so it cannot be turned off" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TwoFactor)) == 1


# --- signing in ---------------------------------------------------------------------------------------------


def test_staff_sign_in_with_a_code_from_their_app(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    response = post_password(client, STAFF)
    assert response.headers["Location"] == "/sign-in/code"
    page = client.get("/sign-in/code").text
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post("/sign-in/code", data={"code": current_code(app, STAFF)})
    assert response.headers["Location"] == "/staff"
    assert client.get("/staff").status_code == 200


def test_the_code_step_keeps_where_the_person_was_going_and_keep_me_signed_in(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    response = client.post(
        "/sign-in?next=/account/password", data={"email": STAFF, "password": PASSWORD, "remember": "y"}
    )
    assert response.headers["Location"] == "/sign-in/code?next=/account/password"
    response = client.post(response.headers["Location"], data={"code": current_code(app, STAFF)})
    assert response.headers["Location"] == "/account/password"
    with app_session(app) as s:
        assert s.scalars(sa.select(LoginSession.remember)).all() == [True]


def test_a_wrong_code_is_refused_with_a_message_by_the_field(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    post_password(client, STAFF)
    wrong = "000000" if _code() != "000000" else "111111"
    response = client.post("/sign-in/code", data={"code": wrong})
    assert response.status_code == 200
    assert _error_by(response.text, "code") == two_factor.WRONG_CODE
    assert len(_events(app, "two_factor.failed")) == 1
    assert client.get("/staff").status_code == 302
    # Not six digits: said so, and not counted as a guess.
    response = client.post("/sign-in/code", data={"code": "12ab"})
    assert _error_by(response.text, "code") == two_factor.CODE_FORMAT
    assert _error_by(client.post("/sign-in/code", data={"code": ""}).text, "code").startswith("Enter the 6-digit code")
    assert len(_events(app, "two_factor.failed")) == 1
    # Spaces, as some apps show the code, are fine.
    code = current_code(app, STAFF)
    assert client.post("/sign-in/code", data={"code": f"{code[:3]} {code[3:]}"}).headers["Location"] == "/staff"


def test_a_code_that_signed_in_once_is_refused_the_second_time(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    code = current_code(app, STAFF)
    post_password(client, STAFF)
    assert client.post("/sign-in/code", data={"code": code}).headers["Location"] == "/staff"
    client.post("/sign-out")
    post_password(client, STAFF)
    response = client.post("/sign-in/code", data={"code": code})
    assert _error_by(response.text, "code") == two_factor.REPLAYED_CODE
    assert client.get("/staff").status_code == 302


def test_a_code_is_accepted_once_in_its_time_window_and_never_from_an_earlier_step(app: Flask) -> None:
    """The rule, at fixed moments: a code from 30 seconds either side is fine, once; after a later code has been
    used, an earlier one (still inside the window) is refused too."""
    now = utcnow().replace(microsecond=0)
    totp = pyotp.TOTP(TOTP_SECRET)
    with app_session(app) as s:
        user = make_staff(s, make_funder(s), email=STAFF)
        two_factor.verify_code(s, user=user, code=totp.at(now - timedelta(seconds=30)), now=now)
        two_factor.verify_code(s, user=user, code=totp.at(now + timedelta(seconds=30)), now=now)
        for used in (now, now - timedelta(seconds=30), now + timedelta(seconds=30)):
            with pytest.raises(DomainError, match="already been used"):
                two_factor.verify_code(s, user=user, code=totp.at(used), now=now)
        with pytest.raises(DomainError, match="not right"):
            two_factor.verify_code(s, user=user, code=totp.at(now + timedelta(seconds=90)), now=now)


def test_the_code_that_confirmed_the_set_up_cannot_sign_in(app: Flask) -> None:
    now = utcnow()
    code = pyotp.TOTP(TOTP_SECRET).at(now)
    with app_session(app) as s:
        user = make_user(s, email=ADA)
        two_factor.confirm_setup(s, user=user, secret=TOTP_SECRET, code=code, now=now)
        with pytest.raises(DomainError, match="already been used"):
            two_factor.verify_code(s, user=user, code=code, now=now)


def test_a_recovery_code_signs_in_once(app: Flask, client: FlaskClient) -> None:
    codes = _staff(app)
    post_password(client, STAFF)
    assert "use a recovery code" in client.get("/sign-in/code").text
    response = client.post("/sign-in/recovery-code", data={"code": codes[0].upper().replace("-", " ")})
    assert response.headers["Location"] == "/account"
    assert "You have 9 left" in client.get("/account").text
    assert client.get("/staff").status_code == 200
    client.post("/sign-out")
    post_password(client, STAFF)
    again = client.post("/sign-in/recovery-code", data={"code": codes[0]})
    assert _error_by(again.text, "code") == two_factor.WRONG_RECOVERY_CODE
    assert client.get("/staff").status_code == 302
    used = _events(app, "two_factor.recovery_code_used")
    assert [e.facts for e in used] == [{"left": 9}]


def test_a_lost_phone_end_to_end_recovery_code_then_a_new_device(app: Flask, client: FlaskClient) -> None:
    codes = _staff(app)
    # The phone is gone: password, then a recovery code.
    post_password(client, STAFF)
    client.post("/sign-in/recovery-code", data={"code": codes[3]})
    assert client.get("/staff").status_code == 200
    # Set up the new phone from the account page.
    assert "Set up a new device" in client.get("/account").text
    page = client.get("/account/two-step/set-up").text
    assert "stops your old one and your old recovery codes working" in page
    new_key = key_on_page(page)
    assert new_key != TOTP_SECRET
    shown = client.post("/account/two-step/set-up", data={"password": PASSWORD, "code": _code(new_key)})
    new_codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert client.get("/staff").status_code == 200  # this browser stays signed in
    client.post("/sign-out")

    # The old phone (if found by someone else) and the old recovery codes no longer work; the new phone does.
    post_password(client, STAFF)
    old_code = _code(TOTP_SECRET)
    if old_code != _code(new_key):
        assert _error_by(client.post("/sign-in/code", data={"code": old_code}).text, "code") == two_factor.WRONG_CODE
    old = client.post("/sign-in/recovery-code", data={"code": codes[5]})
    assert _error_by(old.text, "code") == two_factor.WRONG_RECOVERY_CODE
    assert client.post("/sign-in/code", data={"code": current_code(app, STAFF)}).headers["Location"] == "/staff"
    with app_session(app) as s:
        assert sealing.open_sealed(s.scalars(sa.select(TwoFactor)).one().secret_sealed) == new_key


def test_new_recovery_codes_replace_the_old_ones(app: Flask, client: FlaskClient) -> None:
    codes = _staff(app)
    sign_in(client, STAFF)
    wrong = "000000" if current_code(app, STAFF) != "000000" else "111111"
    assert _error_by(client.post("/account/two-step/recovery-codes", data={"code": wrong}).text, "code")
    shown = client.post("/account/two-step/recovery-codes", data={"code": current_code(app, STAFF)})
    new_codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.text)
    assert len(new_codes) == 10
    assert len(_events(app, "two_factor.recovery_codes_renewed")) == 1
    client.post("/sign-out")
    post_password(client, STAFF)
    assert client.post("/sign-in/recovery-code", data={"code": codes[0]}).status_code == 200  # refused
    assert client.post("/sign-in/recovery-code", data={"code": new_codes[0]}).status_code == 302


def test_recovery_codes_are_random_and_stored_only_as_hashes(app: Flask) -> None:
    """24 characters from 31 (118 bits) each, made by `secrets`; the database holds their SHA-256, never a code."""
    with app_session(app) as s:
        user = make_user(s, email=ADA)
        codes = two_factor.confirm_setup(s, user=user, secret=TOTP_SECRET, code=_code(), now=utcnow())
        s.commit()
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-hj-km-np-z2-9]{4}(-[a-hj-km-np-z2-9]{4}){5}", c) for c in codes), codes
    assert len(two_factor.RECOVERY_ALPHABET) ** 24 >= 2**112
    with app_session(app) as s:
        stored = set(s.scalars(sa.select(RecoveryCode.code_hash)))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert not any(c in h or c.replace("-", "") in h for c in codes for h in stored)


def test_turning_it_off_needs_a_code_from_the_app_as_well_as_the_password(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        set_up_two_factor(s, make_user(s, email=ADA))
    sign_in(client, ADA)
    wrong = "000000" if current_code(app, ADA) != "000000" else "111111"
    refused = client.post("/account/two-step/turn-off", data={"password": PASSWORD, "code": wrong})
    assert _error_by(refused.text, "code") == two_factor.WRONG_CODE
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TwoFactor)) == 1
    assert _events(app, "two_factor.disabled") == []


def test_setting_up_a_new_device_ends_every_other_session(app: Flask) -> None:
    codes = _staff(app)
    here, elsewhere = app.test_client(), app.test_client()
    for browser in (here, elsewhere):
        post_password(browser, STAFF)
        browser.post("/sign-in/recovery-code", data={"code": codes.pop()})
        assert browser.get("/staff").status_code == 200
    page = here.get("/account/two-step/set-up").text
    here.post("/account/two-step/set-up", data={"password": PASSWORD, "code": _code(key_on_page(page))})
    assert here.get("/staff").status_code == 200
    assert elsewhere.get("/staff").status_code == 302
    assert _events(app, "two_factor.enabled")[-1].facts == {"new_device": True, "sessions_ended": 2}


def test_new_recovery_codes_or_turning_it_off_end_every_other_session(app: Flask) -> None:
    with app_session(app) as s:
        set_up_two_factor(s, make_user(s, email=ADA))
    here, elsewhere = app.test_client(), app.test_client()
    for browser in (here, elsewhere):
        sign_in(browser, ADA)
    assert here.post("/account/two-step/recovery-codes", data={"code": current_code(app, ADA)}).status_code == 200
    assert (here.get("/applicant").status_code, elsewhere.get("/applicant").status_code) == (200, 302)
    sign_in(elsewhere, ADA)
    off = here.post("/account/two-step/turn-off", data={"password": PASSWORD, "code": current_code(app, ADA)})
    assert off.headers["Location"] == "/account"
    assert (here.get("/applicant").status_code, elsewhere.get("/applicant").status_code) == (200, 302)
    renewed, disabled = _events(app, "two_factor.recovery_codes_renewed"), _events(app, "two_factor.disabled")
    assert [e.facts for e in renewed + disabled] == [{"sessions_ended": 2}, {"sessions_ended": 2}]


def test_each_code_that_signs_in_is_logged(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    sign_in(client, STAFF)
    assert [e.user_id for e in _events(app, "two_factor.code_accepted")] == [
        _events(app, "sign_in.succeeded")[0].user_id
    ]


def test_a_password_reset_does_not_skip_the_second_factor(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    client.post("/forgotten-password", data={"email": STAFF})
    link = last_link_to(client, STAFF, "/reset-password/")
    reset = client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert reset.headers["Location"] == "/sign-in"  # the reset signs nobody in
    assert client.get("/staff").status_code == 302
    response = client.post("/sign-in", data={"email": STAFF, "password": "a brand new passphrase"})
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/staff").status_code == 302


# --- who may not get in -------------------------------------------------------------------------------------


def test_staff_cannot_reach_their_pages_with_only_a_password(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    assert post_password(client, STAFF).headers["Location"] == "/sign-in/code"
    for path in ("/staff", "/account", "/account/password", "/applicant"):
        assert client.get(path).headers["Location"] == f"/sign-in?next={path}", path


def test_staff_who_have_not_set_it_up_cannot_reach_their_pages_either(app: Flask, client: FlaskClient) -> None:
    _staff(app, with_two_factor=False)
    assert post_password(client, STAFF).headers["Location"] == "/sign-in/set-up"
    assert client.get("/staff").headers["Location"] == "/sign-in?next=/staff"
    # The code step is not a way round setting it up.
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_someone_signed_in_who_becomes_staff_must_set_it_up_first(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email=ADA)
        funder_id = make_funder(s).id
    sign_in(client, ADA)
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == ADA)).one()
        grant_role(s, user=user, role=Role.STAFF, funder=s.get(Funder, funder_id))
    assert client.get("/staff").headers["Location"] == "/account/two-step/set-up"
    assert client.get("/applicant").headers["Location"] == "/account/two-step/set-up"
    set_up_from_page(client, "/account/two-step/set-up", password=PASSWORD)
    assert client.get("/staff").status_code == 200


def test_the_waiting_sign_in_is_not_a_session(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    post_password(client, STAFF)
    with client.session_transaction() as flask_session:
        assert PENDING_KEY in flask_session and "_user_id" not in flask_session
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    assert client.post("/sign-out").headers["Location"].startswith("/sign-in?next=")


def test_the_waiting_sign_in_expires(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    post_password(client, STAFF)
    with client.session_transaction() as flask_session:
        flask_session[PENDING_KEY] = {**flask_session[PENDING_KEY], "until": int(time.time()) - 1}
    response = client.post("/sign-in/code", data={"code": current_code(app, STAFF)})
    assert response.headers["Location"] == "/sign-in"
    assert "Signing in took too long" in client.get("/sign-in").text
    assert client.get("/staff").status_code == 302
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"  # the marker is gone


# --- throttling ---------------------------------------------------------------------------------------------


def test_after_five_wrong_codes_even_the_right_one_waits(app: Flask, client: FlaskClient) -> None:
    _staff(app)
    post_password(client, STAFF)
    wrong = "000000" if current_code(app, STAFF) != "000000" else "111111"
    for _ in range(two_factor.FAILED_CODE_LIMIT):
        assert _error_by(client.post("/sign-in/code", data={"code": wrong}).text, "code") == two_factor.WRONG_CODE
    response = client.post("/sign-in/code", data={"code": current_code(app, STAFF)})
    assert _error_by(response.text, "code") == two_factor.TOO_MANY
    assert client.get("/staff").status_code == 302
    # Recovery codes wait too: they are not a way round the limit.
    assert _error_by(client.post("/sign-in/recovery-code", data={"code": "x"}).text, "code") == two_factor.TOO_MANY
    assert len(_events(app, "two_factor.failed")) == two_factor.FAILED_CODE_LIMIT
    assert len(_events(app, "two_factor.throttled")) == 2


def test_the_limit_lifts_after_its_window(app: Flask) -> None:
    now = utcnow()
    totp = pyotp.TOTP(TOTP_SECRET)
    with app_session(app) as s:
        user = make_staff(s, make_funder(s), email=STAFF)
        wrong = "000000" if totp.at(now) != "000000" else "111111"
        for _ in range(two_factor.FAILED_CODE_LIMIT):
            with pytest.raises(DomainError, match="not right"):
                two_factor.verify_code(s, user=user, code=wrong, now=now)
        with pytest.raises(DomainError, match="Too many wrong codes"):
            two_factor.verify_code(s, user=user, code=totp.at(now), now=now)
        later = now + two_factor.FAILED_CODE_WINDOW + timedelta(seconds=1)
        two_factor.verify_code(s, user=user, code=totp.at(later), now=later)


# --- the stored key -----------------------------------------------------------------------------------------


def test_a_key_sealed_under_another_secret_key_is_refused_not_misread(app: Flask) -> None:
    with app.app_context():
        sealed = sealing.seal(TOTP_SECRET)
        assert sealing.open_sealed(sealed) == TOTP_SECRET
        app.config["SECRET_KEY"] = "another secret key altogether"
        with pytest.raises(sealing.SealError, match="SECRET_KEY"):
            sealing.open_sealed(sealed)
        with pytest.raises(sealing.SealError):
            sealing.open_sealed(TOTP_SECRET)


def test_the_key_is_stored_sealed(app: Flask) -> None:
    with app_session(app) as s:
        make_staff(s, make_funder(s), email=STAFF)
    with app_session(app) as s:
        stored = s.scalars(sa.select(TwoFactor.secret_sealed)).one()
        assert stored.startswith(sealing.FERNET) and TOTP_SECRET not in stored
        assert sealing.open_sealed(stored) == TOTP_SECRET


def test_a_site_admin_resets_two_step_sign_in_for_someone_who_lost_their_phone_and_their_codes(
    app: Flask, client: FlaskClient
) -> None:
    codes = _staff(app)
    elsewhere = app.test_client()
    sign_in(elsewhere, STAFF)
    runner = app.test_cli_runner()

    unexplained = runner.invoke(args=["security", "reset-two-factor", "--email", STAFF, "--checked", " "])
    assert unexplained.exit_code != 0 and "Say how you checked that it is them" in unexplained.output
    done = runner.invoke(
        args=["security", "reset-two-factor", "--email", STAFF, "--checked", "Video call with their manager"]
    )
    assert done.exit_code == 0, done.output

    assert elsewhere.get("/staff").status_code == 302  # signed out everywhere
    (event,) = _events(app, "two_factor.reset")
    assert event.facts == {"checked": "Video call with their manager", "sessions_ended": 1}
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TwoFactor)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
        (email,) = s.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.contains("two-step"))).all()
        assert email.to_address == STAFF and "set up your authenticator app again" in email.body_text
    # The password now opens only the setting up of a new app; an old recovery code opens nothing.
    assert post_password(client, STAFF).headers["Location"] == "/sign-in/set-up"
    client.post("/sign-in/recovery-code", data={"code": codes[0]})
    assert client.get("/staff").status_code == 302
    again = runner.invoke(args=["security", "reset-two-factor", "--email", STAFF, "--checked", "Again"])
    assert again.exit_code != 0 and "not turned on" in again.output
