"""The demo: a funder, its two staff and auditor, groups, and a round at every stage from open to awarding.

The story is data (demo.toml); grants/demo/journey.py and grants/demo/panel.py play it through the same services
the pages call, each at a moment of its round's timeline (grants/demo/timeline.py) up to the moment it loads, so
the audit chain holds only events real use records, each with the facts the real service gives it. `load_demo`
is idempotent: run twice, it creates nothing the second time and returns the same logins.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import sqlalchemy as sa

from grants.admin.services import create_funder
from grants.auth.sealing import open_sealed
from grants.auth.services import find_user_by_email
from grants.auth.two_factor import two_factor_for
from grants.database import DbSession
from grants.demo import journey, panel
from grants.demo.data import DEMO, DEMO_PASSWORD, DEMO_TWO_FACTOR_SECRET, logins
from grants.demo.timeline import BID_GAP, BIDS, CLOSED, Timeline
from grants.domain import DomainError
from grants.models import Bid, Funder, RoundStatus, utcnow

__all__ = ["DEMO_PASSWORD", "DEMO_TWO_FACTOR_SECRET", "demo_code", "load_demo"]

# How far each stage takes a round after it opens (a round further along was closed early by staff).
AFTER_OPEN = {
    "open": (),
    "screening": (RoundStatus.CLOSED, RoundStatus.SCREENING),
    "scoring": (RoundStatus.CLOSED, RoundStatus.SCREENING),
    "voting": (RoundStatus.CLOSED, RoundStatus.SCREENING),
    "awarding": (RoundStatus.CLOSED, RoundStatus.SCREENING),
}


def load_demo(session: DbSession) -> list[tuple[str, str]]:
    """Create the demo once; return (role, email) for each demo login. The caller commits."""
    if session.scalar(sa.select(Funder.id).where(Funder.name == DEMO["funder"])) is not None:
        return logins()
    now = utcnow()
    admin = journey.site_admin(session)
    funder = create_funder(session, name=DEMO["funder"], created_by=admin)
    # No page or service sets a funder's 360Giving prefix yet; it is a setting, not a decision, so it is not logged.
    funder.grant_id_prefix = DEMO["grant_id_prefix"]
    staff, colleague, auditor = journey.funder_team(session, funder, admin)
    journey.two_step_sign_in(session, [admin, staff, colleague, auditor], now=now)
    groups = journey.groups(session, staff)
    for spec in DEMO["rounds"]:
        clock = Timeline(opens_in_days=spec["opens_in_days"], until=now)
        round_ = journey.open_round(session, funder, staff, spec, clock=clock)
        specs = DEMO["panel_bids"] if spec.get("panel_bids") else spec["bids"]
        answers = DEMO["panel_answers"]["answers"] if spec.get("panel_bids") else None
        bids: list[tuple[Bid, dict]] = []
        for position, bid_spec in enumerate(specs):
            group, member = groups[bid_spec["group"]]
            clock.at(BIDS + position * BID_GAP)
            made = journey.bid(session, round_, group, member, staff, bid_spec, answers or bid_spec["answers"], clock)
            bids.append((made, bid_spec))
        clock.at(CLOSED)
        journey.move_on(session, round_, staff, clock, *AFTER_OPEN[spec["stage"]])
        journey.screen(session, bids, staff, clock)
        if "panel" not in spec:
            continue
        panel_bids = [made for made, _ in bids]
        panellists = panel.seat_panel(session, round_, staff, spec["panel"], clock)
        panel.declare_and_score(session, round_, panel_bids, panellists, staff, spec["panel"], clock)
        if spec["stage"] == "scoring":
            continue
        panel.vote(session, round_, panel_bids, panellists, staff, spec["panel"].get("ballots", []), clock)
        if spec["stage"] == "voting":
            continue
        panel.decide(session, round_, (staff, colleague), spec["ratification_note"], clock)
        awards = panel.award(session, round_, panel_bids, groups, staff, clock)
        panel.story(session, round_, awards[0], groups, staff, panellists, clock)
    return logins()


def demo_code(session: DbSession, email: str, *, now: datetime) -> tuple[str, int]:
    """The code a demo account's authenticator app shows at `now`, and the seconds until it changes. Only for an
    account whose key is the demo's public one: never a way round anyone else's second factor."""
    user = find_user_by_email(session, email)
    row = two_factor_for(session, user) if user is not None else None
    if row is None or open_sealed(row.secret_sealed) != DEMO_TWO_FACTOR_SECRET:
        raise DomainError(
            f"{email} has no demo authenticator app: only the demo site admin, staff and auditor sign in with a code"
            " (after `flask demo load`)."
        )
    totp = pyotp.TOTP(DEMO_TWO_FACTOR_SECRET)
    stamp = int(now.timestamp())
    return totp.at(stamp), totp.interval - stamp % totp.interval
