"""Work done at the same moment: threads released together by a barrier, each with its own app context,
session and database connection, as two workers serving two requests would be."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import Flask

from grants.database import DbSession
from grants.extensions import db

T = TypeVar("T")


def run_together(count: int, work: Callable[[int], object], *, timeout: float = 120) -> list[BaseException]:
    """Run `work(i)` for i in range(count), each in a thread, all released at once; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return errors


def in_own_transaction(app: Flask, work: Callable[[DbSession], T]) -> T:
    """Call `work(session)` in an app context of its own and commit, as one request would (rolling back if it
    raises)."""
    with app.app_context():
        try:
            result = work(db.session)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
