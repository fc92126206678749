"""The one app of a test session, and the settings a test asks for.

Building an app is quick, but each new app compiles every template again on its first pages (38% of a route
test's time, when each test had its own app). So a session builds one app, on one database that is made clean
before each test; a test that asks for other settings (`app_config`) has them put on that app, and the app's
settings are put back as they were after every test.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.globals import _cv_app, _cv_request
from flask_migrate import upgrade
from sqlalchemy.orm import close_all_sessions

from grants import create_app
from grants.config import load_config
from grants.extensions import db
from tests.support.db import Database

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "ARGON2_COST": 1024,  # KiB: keeps the suite quick; production uses argon2id's RFC 9106 defaults
    "PUBLIC_BASE_URL": "http://localhost",
    "MAIL_LOG_BODIES": False,
}

# Settings that the factory or an extension reads once, while the app is built: put on a built app they would
# change nothing. A test that changes one gets an app of its own (kept for any other test that asks the same).
_READ_WHEN_BUILT_PREFIXES = ("SQLALCHEMY_", "RATELIMIT_")
_READ_WHEN_BUILT = frozenset({"DEBUG", "TEMPLATES_AUTO_RELOAD", "WTF_CSRF_METHODS", "TRUSTED_PROXIES", "LOG_FORMAT"})
_MISSING = object()


class SharedApp:
    """The session's app and its database: `fresh_database` before a test, `clean_up` after it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.app = create_app(self._settings({}))
        self._defaults = load_config(self._settings({}))
        self._own_apps: dict[str, Flask] = {}

    def _settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        return {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": self.database.url, **overrides}

    def migrate(self) -> None:
        """Build the schema by the real migrations, once for the run."""
        self.database.create()
        with self.app.app_context():
            upgrade()
        self.release_connections()
        self.database.keep_as_template()

    def release_connections(self) -> None:
        """Close every session (and so its identity map) and every pooled connection, in every thread."""
        close_all_sessions()
        left_open = 0
        for app in (self.app, *self._own_apps.values()):
            with app.app_context():
                for engine in db.engines.values():
                    checkedout = getattr(engine.pool, "checkedout", None)
                    left_open += checkedout() if checkedout else 0
                    engine.dispose()
        if left_open:
            warnings.warn(f"the test left {left_open} database connection(s) open", stacklevel=1)

    def fresh_database(self) -> None:
        self.release_connections()
        self.database.restore()

    def clean_up(self) -> None:
        self.release_connections()
        self.database.empty()

    @contextmanager
    def configured(self, overrides: dict[str, Any]) -> Iterator[Flask]:
        """The app with `overrides` on top of the test settings, as `create_app` would have made them; after the
        test its settings are back as they were, and any app or request context the test left open is closed."""
        wanted = load_config(self._settings(overrides))
        changed = {key: value for key, value in wanted.items() if self._defaults.get(key, _MISSING) != value}
        app = self.app
        if any(key in _READ_WHEN_BUILT or key.startswith(_READ_WHEN_BUILT_PREFIXES) for key in changed):
            name = repr(sorted(changed.items()))
            if name not in self._own_apps:
                self._own_apps[name] = create_app(self._settings(overrides))
            app, changed = self._own_apps[name], {}
        saved = copy.deepcopy(dict(app.config))  # deep: a test may change a setting's dict or list in place
        app.config.update(changed)
        try:
            yield app
        finally:
            _close_leaked_contexts()
            app.config.clear()
            app.config.update(saved)


def _close_leaked_contexts() -> None:
    """A context a test pushed and never popped would carry its `g`, its signed-in user and its session into the
    next test; pop it (and say so, so the test can be mended)."""
    leaked = False
    while (request_context := _cv_request.get(None)) is not None:
        request_context.pop()
        leaked = True
    while (app_context := _cv_app.get(None)) is not None:
        app_context.pop()
        leaked = True
    if leaked:
        warnings.warn("the test left an app or request context open; it was closed", stacklevel=1)
