"""Rate limits on the pages that send email or hash passwords, and one live reset link (issue 11, finding 4).

Limits per client address, per signed-in person and per typed email address (grants/auth/throttle.py), with
Flask-Limiter; a 429 page says how long to wait. In tests the limits live in memory and are reset before each
test; in production they live in Redis, shared by every worker: the last test runs two separate processes
against a real redis-server.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import OutboxEmail, PasswordReset
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_group_with_member, make_user
from tests.support.signin import last_link_to, sign_in

PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"


def _emails_to(app: Flask, address: str) -> int:
    with app_session(app) as s:
        count = s.scalar(sa.select(sa.func.count()).select_from(OutboxEmail).where(OutboxEmail.to_address == address))
        return int(count or 0)


def _forgot(client: FlaskClient, email: str, ip: str = "192.0.2.1") -> Any:
    return client.post("/forgotten-password", data={"email": email}, environ_base={"REMOTE_ADDR": ip})


def _register(client: FlaskClient, email: str, ip: str = "192.0.2.1") -> Any:
    data = {"name": "Ada Lovelace", "email": email, "password": PASSWORD, "confirm": PASSWORD}
    return client.post("/register", data=data, environ_base={"REMOTE_ADDR": ip})


def test_reset_emails_to_one_address_stop_after_three_an_hour_from_anywhere(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    assert [_forgot(client, "ada@example.com", ip=f"192.0.2.{n}").status_code for n in range(1, 4)] == [200] * 3
    held = _forgot(client, "ADA@example.com ", ip="192.0.2.99")  # another address, the same inbox
    assert held.status_code == 429
    assert "You have tried this too many times. Wait 60 minutes and try again." in held.text
    assert 3500 <= int(held.headers["Retry-After"]) <= 3600
    assert _emails_to(app, "ada@example.com") == 3
    assert _forgot(client, "grace@example.com", ip="192.0.2.99").status_code == 200  # other inboxes are not held


def test_a_request_refused_by_a_rate_limit_is_logged(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    for n in range(10):
        _forgot(client, f"person{n}@example.com")
    with caplog.at_level(logging.WARNING):
        assert _forgot(client, "person10@example.com").status_code == 429
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Refused (429")]
    assert logged == ["Refused (429, limit 10 per 1 hour) POST '/forgotten-password' from 192.0.2.1"]


def test_reset_requests_from_one_address_are_limited(app: Flask, client: FlaskClient) -> None:
    assert all(_forgot(client, f"person{n}@example.com").status_code == 200 for n in range(10))
    assert _forgot(client, "person10@example.com").status_code == 429
    assert _forgot(client, "person10@example.com", ip="192.0.2.2").status_code == 200


def test_an_account_has_one_live_reset_link_the_newest(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    _forgot(client, "ada@example.com")
    first = last_link_to(client, "ada@example.com", "/reset-password/")
    _forgot(client, "ada@example.com")
    second = last_link_to(client, "ada@example.com", "/reset-password/")
    assert first != second
    new = "a brand new passphrase"
    old = client.post(first, data={"password": new, "confirm": new})
    assert old.status_code == 400
    assert "replaced by a newer one" in old.text
    assert client.post(second, data={"password": new, "confirm": new}).status_code == 302
    with app_session(app) as s:
        live = s.scalar(
            sa.select(sa.func.count())
            .select_from(PasswordReset)
            .where(PasswordReset.used_at.is_(None), PasswordReset.replaced_at.is_(None))
        )
        assert live == 0
    assert sign_in(client, "ada@example.com", new).status_code == 302


def test_one_account_can_never_hold_two_live_reset_links(app: Flask) -> None:
    with app_session(app) as s:
        user = make_user(s, email="ada@example.com")
        s.add(PasswordReset(user_id=user.id, token_hash="a" * 64, expires_at=user.created_at))
    with pytest.raises(sa.exc.IntegrityError), app_session(app) as s:
        s.add(PasswordReset(user_id=user.id, token_hash="b" * 64, expires_at=user.created_at))


def test_registrations_from_one_address_are_limited(app: Flask, client: FlaskClient) -> None:
    assert all(_register(client, f"person{n}@example.com").status_code == 200 for n in range(10))
    held = _register(client, "person10@example.com")
    assert held.status_code == 429
    assert "You have tried this too many times." in held.text
    assert _register(client, "person10@example.com", ip="192.0.2.2").status_code == 200


def test_registration_emails_to_one_address_are_limited(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    assert [_register(client, "ada@example.com", ip=f"192.0.2.{n}").status_code for n in range(1, 4)] == [200] * 3
    assert _register(client, "ada@example.com", ip="192.0.2.9").status_code == 429
    assert _emails_to(app, "ada@example.com") == 3


def test_sign_in_posts_from_one_address_are_limited_right_or_wrong(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    assert all(client.post("/sign-in", data={}).status_code == 200 for _ in range(30))
    assert sign_in(client, "ada@example.com").status_code == 429
    assert sign_in(client, "ada@example.com", ip="192.0.2.2").status_code == 302


@pytest.fixture
def group_id(app: Flask) -> int:
    with app_session(app) as s:
        member = make_user(s, email="member@example.com")
        return make_group_with_member(s, member, name="Friends of Elm Park").id


def test_group_invitations_to_one_address_are_limited(app: Flask, client: FlaskClient, group_id: int) -> None:
    sign_in(client, "member@example.com")
    invite = f"/groups/{group_id}/members"
    assert [client.post(invite, data={"email": "dan@example.com"}).status_code for _ in range(3)] == [302] * 3
    assert client.post(invite, data={"email": "Dan@example.com"}).status_code == 429
    assert _emails_to(app, "dan@example.com") == 3


def test_group_invitations_from_one_person_are_limited_but_mistakes_do_not_count(
    app: Flask, client: FlaskClient, group_id: int
) -> None:
    sign_in(client, "member@example.com")
    invite = f"/groups/{group_id}/members"
    assert all(client.post(invite, data={"email": "not an address"}).status_code == 200 for _ in range(12))
    assert all(client.post(invite, data={"email": f"p{n}@example.com"}).status_code == 302 for n in range(10))
    assert client.post(invite, data={"email": "p10@example.com"}).status_code == 429
    assert _emails_to(app, "p10@example.com") == 0


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_proxy_the_limits_count_the_client_address_it_forwards(
    app: Flask, client: FlaskClient, app_config: dict[str, Any]
) -> None:
    def forgot(client_ip: str) -> int:
        return int(
            client.post(
                "/forgotten-password",
                data={"email": f"{uuid.uuid4().hex}@example.com"},
                headers={"X-Forwarded-For": client_ip},
            ).status_code
        )

    assert all(forgot("198.51.100.1") == 200 for _ in range(10))
    assert forgot("198.51.100.1") == 429
    assert forgot("198.51.100.2") == 200  # another client behind the same proxy


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(app: Flask, client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/forgotten-password",
            data={"email": f"person{n}@example.com"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]  # a client cannot choose its own address


# --- Redis: every worker shares the limits -------------------------------------------------------------------------

_FILL_AND_PROBE = """
import sys
from grants import create_app
app = create_app({
    "TESTING": True, "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "RATELIMIT_STORAGE_URI": sys.argv[1], "RATELIMIT_KEY_PREFIX": sys.argv[2],
})
client = app.test_client()
with app.test_request_context():
    from grants.auth import throttle
    def probe():
        print("throttled" if throttle.sign_in_wait(email="ada@example.com", source_ip="192.0.2.7") else "free")
    probe()
    if sys.argv[3] == "fill":
        for _ in range(5):
            throttle.sign_in_failed(email="ada@example.com", source_ip="192.0.2.7")
        probe()
for _ in range(int(sys.argv[4])):
    # An empty form: the limit per address counts it, and no database is needed to answer it.
    print(client.post("/register", data={}, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code)
"""


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _run(mode: str, prefix: str, posts: int, storage: str = REDIS_URL) -> tuple[list[str], str]:
    result = subprocess.run(  # noqa: S603 - our own interpreter, with our own script
        [sys.executable, "-c", _FILL_AND_PROBE, storage, prefix, mode, str(posts)],
        cwd=PROJECT,
        env={**os.environ, "GRANTS_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split(), result.stderr


@pytest.mark.skipif(not _redis_reachable(), reason="no redis-server at 127.0.0.1:6379 (apt-get install redis-server)")
def test_two_app_processes_share_their_limits_through_redis() -> None:
    import redis

    prefix = f"grants-test-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(REDIS_URL)
    try:
        # One process (a gunicorn worker, or another machine) fails five sign-ins and uses up the address's
        # registration limit...
        assert _run("fill", prefix, 10)[0] == ["free", "throttled", *["200"] * 10]
        # ...and another, with its own app and its own connection, sees both.
        assert _run("probe", prefix, 1)[0] == ["throttled", "429"]
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
        server.close()


def test_while_redis_is_unreachable_pages_still_answer_and_limits_hold_in_each_worker() -> None:
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    answers, log = _run("fill", "grants-test-down", 11, storage=nowhere)
    # No 500: the registration form answers, failed sign-ins are still counted and the address's limit still
    # holds, in this worker's memory; the log says why.
    assert answers == ["free", "throttled", *["200"] * 10, "429"]
    assert "unreachable" in log
