"""The rules every award service shares: the limits on what is typed, which statuses count against the budget,
and the one table of the moves an award may make."""

from __future__ import annotations

from typing import Any

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError, StateTransitionError
from grants.models import Award, AwardStatus, Role, RoundStatus, User

MIN_REPORT_DATES = 1
MAX_REPORT_DATES = 4
MAX_TEXT = 2000
MAX_CONDITIONS = 5000
MAX_FEEDBACK = 5000
MAX_REFERENCE = 120
MAX_NAME = 120
STAFF = Role.STAFF.value
APPLICANT = "applicant"

# Statuses whose amount counts against the round's budget: everything but an offer that was turned down or taken
# back (neither of which can have had a payment).
COMMITTED = (AwardStatus.OFFERED, AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
ACCEPTED_OR_LATER = (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
OFFER_ROUND_STATUSES = frozenset({RoundStatus.DECIDED, RoundStatus.AWARDING})

# The moves an award may make, checked in one place. Payments move ACCEPTED -> PAID_IN_FULL when the last
# penny is paid; a withdrawal from ACCEPTED is refused once any payment has been made.
AWARD_MOVES: frozenset[tuple[AwardStatus, AwardStatus]] = frozenset(
    {
        (AwardStatus.OFFERED, AwardStatus.ACCEPTED),
        (AwardStatus.OFFERED, AwardStatus.DECLINED),
        (AwardStatus.OFFERED, AwardStatus.WITHDRAWN),
        (AwardStatus.ACCEPTED, AwardStatus.WITHDRAWN),
        (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL),
        # A payment reversed (recorded in error) opens a paid-in-full award for payments again.
        (AwardStatus.PAID_IN_FULL, AwardStatus.ACCEPTED),
        (AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED),
    }
)


def too_long(text: str, limit: int, what: str, field: str) -> None:
    """Refuse `text` longer than `limit`, next to `field`."""
    if len(text) > limit:
        raise DomainError(f"{what} must be {limit:,} characters or fewer", field)


def move(award: Award, to: AwardStatus) -> None:
    """Move the award to `to`, if the table allows it from where it is."""
    if (award.status, to) not in AWARD_MOVES:
        raise StateTransitionError(
            f"An award that is {award.status.label.lower()} cannot become {to.label.lower()}", "status"
        )
    award.status = to


def record_award_event(
    session: DbSession, action: str, award: Award, actor: User, role: str = STAFF, **extra: Any
) -> None:
    """The audit event of a change to an award, with the round, bid and award it is about and `extra` facts."""
    facts = {"round_id": award.round_id, "bid_id": award.bid_id, "award_id": award.id, **extra}
    record_event(session, action, by=actor, role=role, about=award, facts=facts)
