"""A clock for the rate limits: the limiter's memory storage, grants.auth.throttle and the 429 page read the time
from it, so a test can move past a 15-minute wait without waiting."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

# Every module that reads time.time() for the limits: the memory storage, Flask-Limiter, the throttle, the 429 page.
_READERS = (
    "limits.storage.memory.time",
    "flask_limiter._extension.time",
    "grants.auth.throttle.time",
    "grants.errors.time",
)


class LimitsClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        fake = SimpleNamespace(time=lambda: self.now)
        for name in _READERS:
            monkeypatch.setattr(name, fake)

    def advance(self, *, minutes: float = 0, hours: float = 0) -> None:
        self.now += minutes * 60 + hours * 3600
