"""Is this worker ready to serve: does its database answer, with the schema this code was written for?"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from grants.config import PROJECT_ROOT
from grants.database import DbSession


@cache
def migration_head() -> str:
    """The newest migration of this code (read from migrations/ once per process: it changes only with the code)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return head or ""


@dataclass(frozen=True)
class Readiness:
    ready: bool
    words: str


def readiness(session: DbSession) -> Readiness:
    try:
        at = session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        session.rollback()
        return Readiness(False, "not ready: the database does not answer")
    head = migration_head()
    if at != head:
        return Readiness(False, f"not ready: the database is at migration {at}, the code needs {head}")
    return Readiness(True, f"ready: database at migration {head}")
