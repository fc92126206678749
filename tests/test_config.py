"""Settings: the app refuses to run in production without a secret key."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants import create_app
from grants.config import ConfigError, load_config
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_user

PRODUCTION_KEY = base64.b64encode(b"k" * 32).decode("ascii")


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("GRANTS_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_production_with_secret_key_uses_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", PRODUCTION_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://localhost:6379/0")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["DEBUG"] is False


def test_database_url_for_postgresql_uses_psycopg3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.internal/grants")
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/grants"


def test_default_database_is_sqlite_in_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    uri = load_config()["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/grants.sqlite")


def _production_cookie_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", PRODUCTION_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config()
    return {key: value for key, value in config.items() if "COOKIE" in key}


def test_production_cookies_are_host_only_secure_cookies_the_browser_will_keep(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _production_cookie_settings(monkeypatch)
    assert settings["SESSION_COOKIE_NAME"] == "__Host-session"
    assert settings["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    assert settings["KEPT_FORM_COOKIE_NAME"] == "__Host-kept_form"
    app.config.update(settings)
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
        s.commit()
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    cookies = response.headers.getlist("Set-Cookie")
    # A browser drops a __Host- cookie unless it is Secure, has Path=/ and names no Domain.
    for name in ("__Host-session=", "__Host-remember_token="):
        (cookie,) = [c for c in cookies if c.startswith(name)]
        assert "Secure" in cookie and "Path=/" in cookie and "Domain=" not in cookie, cookie


def test_session_cookies_are_hidden_from_scripts_and_not_sent_by_other_sites_posts(
    app: Flask, client: FlaskClient
) -> None:
    """HttpOnly (a script in the page cannot read them) and SameSite=Lax (another site's form posts without them),
    in every environment."""
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    response = client.post("/sign-in", data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for cookie in cookies.values():
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_production_refuses_to_start_without_a_shared_store_for_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", PRODUCTION_KEY)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI is not set"):
        create_app()
    # One worker's memory is not shared by the others: production needs Redis.
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigError, match="must be a Redis URL"):
        create_app()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "rediss://cache.internal:6380/2")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "rediss://cache.internal:6380/2"


def test_development_and_tests_count_rate_limits_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "development")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    config = load_config()
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["TRUSTED_PROXIES"] == 0


def _production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", PRODUCTION_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://localhost:6379/0")
    monkeypatch.delenv("AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("AUDIT_SIGNING_KEY_FILE", raising=False)


def test_production_refuses_to_start_without_a_key_to_sign_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch)
    with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY is not set"):
        load_config()


def test_production_refuses_the_public_demo_key_and_a_key_that_is_not_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from grants.keys import DEMO_SIGNING_KEY

    _production(monkeypatch)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", DEMO_SIGNING_KEY)
    with pytest.raises(ConfigError, match="public demo key"):
        load_config()
    monkeypatch.setenv("AUDIT_SIGNING_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(ConfigError, match="32 bytes"):
        load_config()


def test_the_signing_key_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _production(monkeypatch)
    key_file = tmp_path / "audit-signing.key"
    key_file.write_text(PRODUCTION_KEY + "\n", encoding="ascii")
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(key_file))
    assert load_config()["AUDIT_SIGNING_KEY"] == PRODUCTION_KEY


def test_development_signs_with_the_demo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from grants.keys import DEMO_SIGNING_KEY

    monkeypatch.setenv("GRANTS_ENV", "development")
    monkeypatch.delenv("AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("AUDIT_SIGNING_KEY_FILE", raising=False)
    assert load_config()["AUDIT_SIGNING_KEY"] == DEMO_SIGNING_KEY
