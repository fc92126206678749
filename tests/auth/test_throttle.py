"""Failed sign-ins slow an attacker and never lock the owner out (issue 11, findings 2 and 3).

The limits (grants/auth/throttle.py): failures per address, per address and account, and per account; the
account's limit only holds back addresses that have failed against it; a reset clears it; an unknown address is
counted and answered exactly like a real one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from grants.models import SecurityEvent
from tests.support.clock import LimitsClock
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_user
from tests.support.security import without_nonce
from tests.support.signin import last_link_to, sign_in

TOO_MANY = "You have tried this too many times."
WRONG = "Enter a correct email address and password"


@pytest.fixture
def ada(app: Flask) -> str:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    return "ada@example.com"


def _fail(client: FlaskClient, email: str, times: int, *, ip: str | None = None) -> list[int]:
    return [sign_in(client, email, "not the password", ip=ip).status_code for _ in range(times)]


def _kinds(app: Flask) -> list[str]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(SecurityEvent.kind).order_by(SecurityEvent.id)))


def test_five_failures_hold_back_that_address_and_the_answer_says_how_long(
    app: Flask, client: FlaskClient, ada: str
) -> None:
    assert _fail(client, ada, 5) == [200] * 5
    response = sign_in(client, ada)  # the right password, but this address has guessed too often
    assert response.status_code == 429
    assert "You have tried this too many times. Wait 15 minutes and try again." in response.text
    assert 840 <= int(response.headers["Retry-After"]) <= 900
    assert 'value="ada@example.com"' in response.text  # what was typed is kept
    assert client.get("/applicant").status_code == 302
    # The password was not even checked, and the held-back attempt wrote nothing.
    assert _kinds(app).count("sign_in.failed") == 5
    assert _kinds(app).count("sign_in.throttled") == 1
    assert "sign_in.succeeded" not in _kinds(app)


def test_the_owner_signs_in_from_their_own_device_while_the_account_is_attacked(
    app: Flask, client: FlaskClient, ada: str
) -> None:
    _fail(client, ada, 20, ip="203.0.113.1")  # one attacker, then many
    for n in range(2, 12):
        _fail(client, ada, 2, ip=f"203.0.113.{n}")
    assert sign_in(client, ada, ip="203.0.113.1").status_code == 429
    assert sign_in(client, ada, ip="203.0.113.5").status_code == 429  # a guessing address waits for the account
    owner = client.application.test_client()
    assert sign_in(owner, ada, ip="198.51.100.7").status_code == 302
    assert owner.get("/applicant").status_code == 200


def test_a_password_reset_clears_the_failures_so_the_owner_can_sign_in(
    app: Flask, client: FlaskClient, ada: str
) -> None:
    _fail(client, ada, 10)
    assert sign_in(client, ada).status_code == 429
    client.post("/forgotten-password", data={"email": ada})
    new = "a brand new passphrase"
    assert (
        client.post(last_link_to(client, ada, "/reset-password/"), data={"password": new, "confirm": new}).status_code
        == 302
    )
    assert sign_in(client, ada, new).status_code == 302


def test_each_failure_past_the_fifth_doubles_the_wait(
    app: Flask, client: FlaskClient, ada: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = LimitsClock(monkeypatch)
    _fail(client, ada, 5)
    waits = []
    for _ in range(4):
        held = sign_in(client, ada, "not the password")
        assert held.status_code == 429
        waits.append(int(held.headers["Retry-After"]))
        clock.advance(minutes=waits[-1] / 60 + 0.1)
        assert _fail(client, ada, 1) == [200]  # one more guess once the wait is over, then a longer wait
    assert [round(w / 60) for w in waits] == [15, 15, 30, 60]
    held = sign_in(client, ada)
    assert "Wait 2 hours" in held.text
    clock.advance(hours=8)
    assert sign_in(client, ada).status_code == 302  # never more than 8 hours


def test_spraying_many_accounts_from_one_address_is_held_back(app: Flask, client: FlaskClient, ada: str) -> None:
    for n in range(30):
        assert _fail(client, f"person{n}@example.com", 1, ip="203.0.113.9") == [200]
    assert sign_in(client, ada, ip="203.0.113.9").status_code == 429
    assert sign_in(client, ada, ip="198.51.100.7").status_code == 302


def test_an_unknown_address_is_held_back_in_the_same_words_as_a_real_account(
    app: Flask, client: FlaskClient, ada: str
) -> None:
    _fail(client, ada, 5)
    _fail(client, "nobody@example.com", 5)
    real = sign_in(client, ada, "not the password")
    unknown = sign_in(client, "nobody@example.com", "not the password")
    assert real.status_code == unknown.status_code == 429
    assert TOO_MANY in real.text
    assert without_nonce(real.text.replace(ada, "EMAIL")) == without_nonce(
        unknown.text.replace("nobody@example.com", "EMAIL")
    )


def test_an_unknown_address_costs_one_password_hash_like_a_real_account(
    app: Flask, client: FlaskClient, ada: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    sign_in(client, ada, "not the password")
    sign_in(client, "nobody@example.com", "not the password either")
    assert verified == ["not the password", "not the password either"]


def test_a_right_password_forgives_that_address_its_own_mistakes(app: Flask, client: FlaskClient, ada: str) -> None:
    _fail(client, ada, 4)
    assert sign_in(client, ada).status_code == 302
    client.post("/sign-out")
    assert _fail(client, ada, 4) == [200] * 4
    assert sign_in(client, ada).status_code == 302


def test_changing_a_password_checks_the_current_one_at_the_same_pace(app: Flask, client: FlaskClient, ada: str) -> None:
    sign_in(client, ada)
    new = "a brand new passphrase"

    def change(current: str) -> int:
        return client.post(
            "/account/password", data={"current_password": current, "password": new, "confirm": new}
        ).status_code

    assert [change("not my password") for _ in range(5)] == [200] * 5
    held = client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert held.status_code == 429
    assert "You have tried this too many times. Wait 15 minutes and try again." in held.text
    assert _kinds(app).count("password.change_failed") == 5
    client.post("/sign-out")
    assert sign_in(client, ada, PASSWORD).status_code == 302  # the password did not change
