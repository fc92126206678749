"""The app factory: create_app() builds the Flask app (config, extensions, blueprints, error handlers, CLI)."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from grants.config import INSTANCE_PATH, PROJECT_ROOT, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI. No database work here."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(config))
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from grants.logs import configure_logging

    configure_logging(app)
    _init_extensions(app)
    from grants.web import register_converters

    register_converters(app)  # before the routes, which read them as they are added
    _register_blueprints(app)

    from grants.errors import register_error_handlers
    from grants.security_headers import register_security_headers
    from grants.templating import register_template_helpers
    from grants.web import register_commit_path

    register_error_handlers(app)
    register_commit_path(app)
    register_security_headers(app)  # after the commit path, so it runs first: see its docstring
    register_template_helpers(app)

    from grants.cli import register_cli

    register_cli(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        # Behind that many proxies, the client's address (which every limit per address counts) is the one
        # they put in X-Forwarded-For, and the scheme the one they were asked with.
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from grants import database  # noqa: F401  (registers the connection hooks)
    from grants.auth import saved_forms
    from grants.auth.sessions import configure_login_manager, keep_across_sign_in
    from grants.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    WTFormsHelpers(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    configure_login_manager(app)
    saved_forms.register_saved_forms(app)
    # A form kept while signed out must still be there once the person has signed in again.
    keep_across_sign_in(saved_forms.SHOWN_KEY)
    # A message flashed as the session starts ("you have 9 recovery codes left") is for the page after it.
    keep_across_sign_in("_flashes")


# Each area's blueprint, and the route modules that attach views to it. Only the factory imports route modules.
ROUTE_MODULES: dict[str, tuple[str, ...]] = {
    "public": ("routes",),
    "auth": ("routes", "two_factor_routes", "account_routes"),
    "home": ("routes",),
    "admin": ("routes",),
    "rounds": ("routes",),
    "bids": ("routes", "group_routes"),
    "screening": ("routes",),
    "panel": ("panellist_routes", "staff_routes"),
    "voting": ("panellist_routes", "staff_routes", "receipt_routes"),
    "decisions": ("routes",),
    "awards": ("routes",),
    "reports": ("group_routes", "staff_routes"),
    "audit": ("routes",),
    "integrity": ("routes",),
    "transparency": ("routes",),
}


def _register_blueprints(app: Flask) -> None:
    for area, modules in ROUTE_MODULES.items():
        for module in modules:
            importlib.import_module(f"grants.{area}.{module}")
        app.register_blueprint(importlib.import_module(f"grants.{area}").bp)
