"""What every write by or about a panellist starts with: their seat, and the locks that serialise their writes.

Writes by one panellist are serialised on their seat (a row lock on PostgreSQL; SQLite's write transaction already
excludes other writers), so a double click or a second tab finds the first request's rows and updates them rather
than adding a second: the unique constraints on declarations, scores and current ballots are the backstop.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.database import DbSession, is_postgresql
from grants.domain import DomainError
from grants.models import PanelMember, Role, Round
from grants.panel import rules

# The roles an event of the panel is recorded under.
CHAIR = "chair"
PANELLIST = Role.PANELLIST.value
STAFF = Role.STAFF.value


def lock_round(session: DbSession, round_: Round) -> None:
    """Read the round's status again under a shared lock (PostgreSQL): staff moving the round on take an exclusive
    lock, so nothing is stored in a round that has just moved on, while panellists writing at once share the lock
    and do not wait for each other. SQLite's write transaction already excludes both."""
    if is_postgresql(session):
        session.refresh(round_, with_for_update={"read": True})


def lock_seat(session: DbSession, seat: PanelMember) -> None:
    """One writer at a time per panellist: a second request by the same person waits here until the first has
    committed, then finds (and updates) the rows the first stored."""
    if is_postgresql(session):
        session.execute(sa.select(PanelMember.id).where(PanelMember.id == seat.id).with_for_update())


def seat_or_refuse(session: DbSession, round_: Round, user_id: int) -> PanelMember:
    """The panellist's seat on the round's panel; refused if they have none."""
    seat = rules.seat(session, round_.id, user_id)
    if seat is None:
        raise DomainError("You are not on this round's panel.")
    return seat
