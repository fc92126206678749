"""A bid's life: the one table of the moves between its statuses, and when its round takes bids.

The group sends a draft, returns a sent (or withdrawn) bid to draft to change it, or withdraws a sent bid; staff
screen a sent bid as eligible or not, and may change that decision. Every service that changes a bid's status
checks the move here first (`check_move`), so the table is the only place that says which moves there are.
"""

from __future__ import annotations

import enum
from datetime import datetime

from grants.domain import StateTransitionError
from grants.models import Bid, BidStatus, Round, RoundStatus


class BidMove(enum.StrEnum):
    SUBMIT = "submit"
    RETURN_TO_DRAFT = "return_to_draft"
    WITHDRAW = "withdraw"
    SCREEN = "screen"  # marking eligible or not; screening again changes the decision (or its reason)


B = BidStatus
MOVES: dict[tuple[BidStatus, BidStatus], BidMove] = {
    (B.DRAFT, B.SUBMITTED): BidMove.SUBMIT,
    (B.SUBMITTED, B.DRAFT): BidMove.RETURN_TO_DRAFT,
    (B.WITHDRAWN, B.DRAFT): BidMove.RETURN_TO_DRAFT,
    (B.SUBMITTED, B.WITHDRAWN): BidMove.WITHDRAW,
    **{
        (before, after): BidMove.SCREEN
        for before in (B.SUBMITTED, B.ELIGIBLE, B.INELIGIBLE)
        for after in (B.ELIGIBLE, B.INELIGIBLE)
    },
}
del B

# Why a move the table does not have is refused, in the words of the person asking for it.
NOT_SENDABLE_WITHDRAWN = "This bid was withdrawn, so it cannot be sent. Return it to draft first if the round is open."
NOT_RETURNABLE = "Only a sent or withdrawn bid can be returned to draft."
NOT_WITHDRAWABLE = "Only a bid that has been sent can be withdrawn."
NOT_SCREENABLE_WITHDRAWN = "This bid was withdrawn by the group, so it cannot be screened"
NOT_SCREENABLE_UNSENT = "This bid has not been submitted by the group yet, so it cannot be screened"


def _refusal(frm: BidStatus, to: BidStatus) -> str:
    match to:
        case BidStatus.DRAFT:
            return NOT_RETURNABLE
        case BidStatus.WITHDRAWN:
            return NOT_WITHDRAWABLE
        case BidStatus.ELIGIBLE | BidStatus.INELIGIBLE:
            return NOT_SCREENABLE_WITHDRAWN if frm == BidStatus.WITHDRAWN else NOT_SCREENABLE_UNSENT
    if frm == BidStatus.WITHDRAWN:
        return NOT_SENDABLE_WITHDRAWN
    return "This bid has already been sent."


def can_make(status: BidStatus, move: BidMove) -> bool:
    """Whether a bid in this status can make this kind of move at all."""
    return any(kind == move for (frm, _), kind in MOVES.items() if frm == status)


def check_move(bid: Bid, to: BidStatus, *, field: str | None = None) -> BidMove:
    """The move from the bid's status to `to`, or StateTransitionError saying why there is no such move."""
    move = MOVES.get((bid.status, to))
    if move is None:
        raise StateTransitionError(_refusal(bid.status, to), field)
    return move


def accepting_bids(round_: Round, *, now: datetime) -> bool:
    """True while the round is open and `now` is between its opening and closing times."""
    return round_.status == RoundStatus.OPEN and round_.opens_at <= now < round_.closes_at
