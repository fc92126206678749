"""Flask extensions, created unbound and bound to the app in create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from grants.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits per client address unless a limit says otherwise. Its storage (RATELIMIT_STORAGE_URI: memory in
# development and tests, Redis in production) also holds grants.auth.throttle's counts of failed sign-ins.
limiter = Limiter(key_func=get_remote_address)
