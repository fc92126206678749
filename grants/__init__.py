"""Common Pot: participatory grantmaking for community funders."""

from __future__ import annotations

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

    _init_extensions(app)
    _register_blueprints(app)

    from grants.errors import register_error_handlers
    from grants.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)

    from grants.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from grants import database  # noqa: F401  (registers the connection hooks)
    from grants.auth.sessions import configure_login_manager
    from grants.extensions import csrf, db, migrate

    db.init_app(app)
    WTFormsHelpers(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    configure_login_manager(app)


def _register_blueprints(app: Flask) -> None:
    from grants.admin import bp as admin_bp
    from grants.audit import bp as audit_bp
    from grants.auth import bp as auth_bp
    from grants.awards import bp as awards_bp
    from grants.bids import bp as bids_bp
    from grants.decisions import bp as decisions_bp
    from grants.home import bp as home_bp
    from grants.panel import bp as panel_bp
    from grants.public import bp as public_bp
    from grants.reports import bp as reports_bp
    from grants.rounds import bp as rounds_bp
    from grants.screening import bp as screening_bp
    from grants.transparency import bp as transparency_bp
    from grants.voting import bp as voting_bp

    blueprints = (
        public_bp,
        auth_bp,
        home_bp,
        admin_bp,
        rounds_bp,
        bids_bp,
        screening_bp,
        panel_bp,
        voting_bp,
        decisions_bp,
        awards_bp,
        reports_bp,
        audit_bp,
        transparency_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
