"""What the seeder and the load benchmark share: the settings the app runs under, and where the seeded facts go.

Both run the app as production does (GRANTS_ENV=production: no debug, templates compiled once, Redis for the rate
limits), with settings of their own that are fine for a benchmark and nothing else: a fixed SECRET_KEY and audit
signing key, so the checkpoints the seeder signs are the ones the benchmarked server checks, and the two-step
sign-in secrets the seeder seals are the ones the server opens. Never the dev database: the seeder refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DEV_DATABASE = ROOT / "instance" / "grants.sqlite"

# Everyone the seeder makes signs in with this password; staff, the auditor and the site admin also with a code from
# this authenticator key (base32). Benchmark data only: both are published here.
PASSWORD = "bench-scale-password"  # noqa: S105 - published benchmark login
TOTP_SECRET = "COMMONPOTBENCHKEYCOMMONPOTBENCH2"  # noqa: S105 - published benchmark key

_SIGNING_KEY = base64.b64encode(hashlib.sha256(b"common-pot bench audit signing key").digest()).decode("ascii")
# Redis database 11 for the rate limits, apart from the dev server's and the tests' (both in memory) and others'.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def app_environment(database_url: str) -> dict[str, str]:
    """The environment the app runs under for the benchmark (the seeder and the gunicorn it starts)."""
    return {
        "GRANTS_ENV": "production",
        "SECRET_KEY": "bench-only-secret-key-" + "0" * 40,
        "AUDIT_SIGNING_KEY": _SIGNING_KEY,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "MAIL_LOG_BODIES": "0",
    }


def use_app_environment(database_url: str) -> None:
    """Put the benchmark's settings in this process's environment (before the app is made)."""
    os.environ.update(app_environment(database_url))
    os.environ.pop("AUDIT_SIGNING_KEY_FILE", None)


def make_app(database_url: str) -> Any:
    """The app, made by the real factory with the benchmark's settings."""
    use_app_environment(database_url)
    from grants.app import create_app

    return create_app()


def refuse_dev_database(database_url: str) -> None:
    """Stop if the URL names the dev database (instance/grants.sqlite), which `scripts/run.sh` serves."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if path.resolve() == DEV_DATABASE.resolve():
            raise SystemExit("bench: that is the dev database (instance/grants.sqlite); give the seeder another one")


def seeded_path(database_url: str) -> Path:
    """Where the seeder writes what it made (ids, logins) for the load benchmark: one file per database."""
    digest = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:10]
    return OUT / f"seeded-{digest}.json"
