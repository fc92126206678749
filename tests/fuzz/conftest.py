"""The fuzz tests' one world a module: the scenario built once, everyone signed in, CSRF on (tests/fuzz/world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grants.extensions import limiter
from tests.fuzz.world import World
from tests.support.app import SharedApp


@pytest.fixture(scope="module")
def world(_shared_app: SharedApp) -> Iterator[World]:
    """Built once for the module (the scenario takes seconds; each example then puts the database back itself),
    on the session's app with exceptions propagated, so a 500 shows its traceback."""
    _shared_app.fresh_database()
    try:
        with _shared_app.configured({"PROPAGATE_EXCEPTIONS": True}) as app:
            limiter.reset()
            built = World.build(app)
            try:
                yield built
            finally:
                built.baseline.close()
    finally:
        _shared_app.clean_up()
