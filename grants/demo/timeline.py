"""The demo's clock: when each part of a round's story happens, in order, between the round's opening and the
moment the demo loads.

The services check their windows against the moment they are given, so the demo hands each one a moment of its
round's own life: staff open the round on its opening day, groups send their bids in the days after, staff close
it, screen, seat the panel; the panel scores and votes; staff ratify, offer, pay; the group reports. Nothing is
stamped after the demo loads. (The audit chain and the rows' `created_at` keep the server's own clock.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from grants.demo.data import days_from

# How far through a round's life (0 = its opening, 1 = the moment the demo loads) each part of its story begins.
OPENED = 0.0
BIDS = 0.05  # the first group starts its bid; each of the others a little later (BID_GAP)
BID_GAP = 0.02
CLOSED = 0.30
SCREENED = 0.35
PANEL = 0.45  # staff invite the panel; the panellists join
SCORING = 0.50
VOTING = 0.70
DECIDED = 0.80
AWARDS = 0.85
STORY = 0.92

STEP = timedelta(minutes=7)  # between one thing done and the next


class Timeline:
    """One round's clock. `at(share)` moves it on to that part of the story (never back); `tick()` moves it a step
    on, for the next thing done. It never passes `until`, the moment the demo loads."""

    def __init__(self, *, opens_in_days: int, until: datetime) -> None:
        self.until = until
        self.start = until.replace(minute=0, second=0, microsecond=0)  # the round's dates count from this hour
        self.opens = days_from(self.start, opens_in_days)
        self.now = self.opens

    def at(self, share: float) -> datetime:
        target = self.opens + (self.until - self.opens) * share
        self.now = max(self.now, min(target, self.until))
        return self.now

    def tick(self) -> datetime:
        self.now = min(self.now + STEP, self.until)
        return self.now
