"""Settings from the environment.

Every setting the app reads is here, with its environment variable; the README has the same table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from grants.keys import DEMO_SIGNING_KEY, SigningKeyError, parse_private_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"


REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://")


class ConfigError(RuntimeError):
    """The environment does not give the app what it needs to run safely."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _audit_signing_key(overrides: dict[str, Any], *, production: bool) -> str:
    """The checkpoint signing key: AUDIT_SIGNING_KEY, or the file AUDIT_SIGNING_KEY_FILE names; the public demo key
    in development and tests; production refuses to start without one of its own."""
    key = overrides.get("AUDIT_SIGNING_KEY") or os.environ.get("AUDIT_SIGNING_KEY")
    path = os.environ.get("AUDIT_SIGNING_KEY_FILE")
    if not key and path:
        try:
            key = Path(path).read_text(encoding="ascii").strip()
        except OSError as exc:
            raise ConfigError(f"AUDIT_SIGNING_KEY_FILE names {path!r}, which cannot be read: {exc}") from exc
    if not key:
        if production:
            raise ConfigError(
                "AUDIT_SIGNING_KEY is not set. Set it (or AUDIT_SIGNING_KEY_FILE) to the installation's Ed25519"
                ' private key, base64 of the raw 32 bytes (for example: python -c "import base64, secrets;'
                ' print(base64.b64encode(secrets.token_bytes(32)).decode())"), and keep it secret: it signs the'
                " published audit checkpoints. Or set GRANTS_ENV=development to run locally."
            )
        return DEMO_SIGNING_KEY
    if production and key == DEMO_SIGNING_KEY:
        raise ConfigError("AUDIT_SIGNING_KEY is the public demo key: production needs a key of its own.")
    try:
        parse_private_key(key)
    except SigningKeyError as exc:
        raise ConfigError(f"AUDIT_SIGNING_KEY: {exc}") from exc
    return key


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply `overrides` (used by tests)."""
    env = os.environ.get("GRANTS_ENV", "production").strip().lower()
    overrides = dict(overrides or {})
    testing = bool(overrides.get("TESTING", False)) or env == "test"
    development = env == "development"

    secret_key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret_key:
        if testing:
            secret_key = "test-only-secret-key"  # noqa: S105 - tests only
        elif development:
            secret_key = "development-only-secret-key-not-for-production"  # noqa: S105
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))") '
                "or set GRANTS_ENV=development to run locally."
            )

    # Where the rate limits and sign-in throttling are counted. Every worker and machine must share one count, so
    # production needs Redis; one process's memory is enough for development and tests.
    ratelimit_storage = overrides.get("RATELIMIT_STORAGE_URI") or os.environ.get("RATELIMIT_STORAGE_URI")
    if not ratelimit_storage:
        if testing or development:
            ratelimit_storage = "memory://"
        else:
            raise ConfigError(
                "RATELIMIT_STORAGE_URI is not set. Set it to a Redis URL that every worker can reach "
                "(for example: redis://localhost:6379/0) so that rate limits hold across workers, "
                "or set GRANTS_ENV=development to run locally."
            )
    if not (testing or development) and not ratelimit_storage.startswith(REDIS_SCHEMES):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI must be a Redis URL in production (redis://...), not {ratelimit_storage!r}: "
            "limits kept in one worker's memory do not hold across workers."
        )

    signing_key = _audit_signing_key(overrides, production=not (testing or development))

    default_db = f"sqlite:///{INSTANCE_PATH / 'grants.sqlite'}"
    database_url = os.environ.get("DATABASE_URL") or default_db
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]

    config: dict[str, Any] = {
        "ENV_NAME": env,
        # A real site: neither tests nor a developer's machine. What only production refuses or adds keys on this.
        "PRODUCTION": not (testing or development),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PRODUCT_NAME": os.environ.get("PRODUCT_NAME", "Common Pot"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Common Pot <no-reply@localhost>"),
        # In development every email is also written to the log so the demo works with no mail server.
        # The application log: JSON lines with each request's id in production (grants/logs.py), and a line per
        # request (the route's pattern, never the address asked for).
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text" if (development or testing) else "json"),
        "LOG_REQUESTS": _bool(os.environ.get("LOG_REQUESTS"), default=not (development or testing)),
        "MAIL_LOG_BODIES": _bool(os.environ.get("MAIL_LOG_BODIES"), default=development or testing),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        "INVITATION_DAYS": _int("INVITATION_DAYS", 14),
        # How long the security log (sign-ins, failures, password changes) is kept before `flask security prune`.
        "SECURITY_LOG_DAYS": _int("SECURITY_LOG_DAYS", 180),
        # The Fernet key that seals two-step sign-in secrets in the database; unset, one is derived from SECRET_KEY.
        "TWO_FACTOR_KEY": os.environ.get("TWO_FACTOR_KEY") or None,
        # The installation's Ed25519 private key (base64 of the raw 32 bytes) that signs the audit checkpoints.
        "AUDIT_SIGNING_KEY": signing_key,
        # Public keys (base64 of the raw 32 bytes, separated by commas or spaces) this installation signed with
        # before AUDIT_SIGNING_KEY: checkpoints they signed still verify, and they stay published (key rotation).
        "AUDIT_RETIRED_PUBLIC_KEYS": os.environ.get("AUDIT_RETIRED_PUBLIC_KEYS", ""),
        # A registration is finished by a link emailed to the address, which works for this long.
        "REGISTRATION_HOURS": _int("REGISTRATION_HOURS", 24),
        # "Keep me signed in": a session that lasts this long from sign-in, however idle.
        "REMEMBER_COOKIE_DURATION_DAYS": _int("REMEMBER_COOKIE_DURATION_DAYS", 30),
        # Any other session ends after this long unused, and this long after sign-in in any case.
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 60),
        "SESSION_LIFETIME_HOURS": _int("SESSION_LIFETIME_HOURS", 12),
        # Rate limits (Flask-Limiter, grants.auth.throttle): counted in RATELIMIT_STORAGE_URI, moving windows.
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis down: count in each worker's memory until it is back, rather than answer every limited page 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": _bool(os.environ.get("RATELIMIT_HEADERS_ENABLED"), default=True),
        # How many reverse proxies (load balancer, nginx) stand in front of the app and set X-Forwarded-For.
        # 0: the connecting address is the client's. Set it exactly: a larger number lets a client choose its
        # own address, and so escape every limit per address.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 11 * 1024 * 1024),
        "MAX_GROUPS_PER_ACCOUNT": _int("MAX_GROUPS_PER_ACCOUNT", 5),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not (development or testing),
        # __Host-: the browser keeps such a cookie only if it is Secure, for the whole site and for this host
        # alone, so no other subdomain can set or overwrite it (needs HTTPS, so production only).
        "SESSION_COOKIE_NAME": "session" if (development or testing) else "__Host-session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not (development or testing),
        "REMEMBER_COOKIE_NAME": "remember_token" if (development or testing) else "__Host-remember_token",
        # The browser's token for forms kept when a sign-in ended while typing (grants.auth.saved_forms).
        "KEPT_FORM_COOKIE_NAME": "kept_form" if (development or testing) else "__Host-kept_form",
        # Strict-Transport-Security: only in production (served over HTTPS); 0 sends no header.
        "HSTS_MAX_AGE_SECONDS": _int("HSTS_MAX_AGE_SECONDS", 0 if development or testing else 365 * 24 * 3600),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: a long draft must not fail on save
        "TESTING": testing,
        "DEBUG": development,
    }
    config.update(overrides)
    from datetime import timedelta

    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["REMEMBER_COOKIE_DURATION_DAYS"])
    return config
