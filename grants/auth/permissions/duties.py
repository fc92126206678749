"""Separation of duties: nobody acts on a bid of a group they belong to or declared a conflict with, staff no more
than panellists; another member of the funder's staff must.

One rule for both: a person's conflicts in a round are `grants.panel.rules.recused` (the bids of their own groups,
found from membership when read, and the bids they declared a conflict with). Each check asks the database one
narrow question (never every bid or declaration of the round). For staff:

- on one bid (`staff_conflicted`): they may not screen it, enter it on the group's behalf, offer it an award, pay
  or withdraw that award, or send the group feedback;
- on the round's decision (`conflicted_in_decision`): ratifying, departing, reopening, and confirming or proposing
  any of these decide every bid with the panel at once, so a staff member conflicted on any eligible bid of the
  round takes no part in them;
- on its panel: a staff member conflicted on any bid of a round is not invited onto, and cannot join, its panel
  (`grants.panel.services.membership`).

The services that act on a bid hold to the same rule themselves (`grants.panel.rules.check_free_to_act`), so a
command or script that calls them is refused too. A refusal here is a 403 page that says why and who else of the
funder's staff can do it; when nobody else can (a funder with one member of staff), it explains why a second person
is needed and how to invite one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from grants.auth.permissions.roles import current_person, is_group_member, is_staff_of
from grants.extensions import db
from grants.models import Bid, Role, RoleGrant, Round, User
from grants.panel import rules as panel_rules


def staff_conflicted(user: User, bid: Bid) -> bool:
    """The person belongs to the bid's group or declared a conflict with it."""
    return panel_rules.is_recused(db.session, bid.round_id, user.id, bid.id)


def conflicted_in_decision(user: User, round_: Round) -> bool:
    """The person is conflicted on a bid the round's decision decides (one with the panel), so takes no part in
    deciding it."""
    return panel_rules.recused_from_any(db.session, round_.id, user.id, panel_only=True)


def may_sit_on_panel(user: User, round_: Round) -> bool:
    """Not a member of the funder's staff conflicted on any bid of the round: they run the round, so they would
    judge their own group's competitors. (A resident is recused from their own group's bid instead.)"""
    return not (is_staff_of(user, round_.funder_id) and panel_rules.recused_from_any(db.session, round_.id, user.id))


def panel_refusal_message(user: User, round_: Round) -> str:
    return (
        f"{user.email} is on the funder's staff and has a conflict with a bid in this round, so they cannot sit on"
        " its panel."
    )


def funder_staff(funder_id: int) -> list[User]:
    """Everyone on the funder's staff, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.STAFF, RoleGrant.funder_id == funder_id)
            .order_by(User.name, User.id)
        )
    )


# --- refusals ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """What a conflicted staff member is told: why they may not, and who may instead."""

    doing: str  # "screen this bid"
    reason: str  # "You are a member of Hall Friends, the group that sent this bid."
    others: list[str]  # colleagues who may, by name
    staff_count: int  # everyone on the funder's staff, them included


class ConflictOfInterest(Forbidden):
    """403 for a staff member conflicted on what they tried to do; the error page words the `refusal`."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"Conflict of interest: {refusal.reason}")
        self.refusal = refusal


def _bid_reason(user: User, bid: Bid) -> str:
    if is_group_member(user, bid.group_id):
        return f"You are a member of {bid.group.name}, the group that sent this bid."
    return f"You have declared a conflict of interest with {bid.group.name}'s bid."


def bid_refusal(user: User, bid: Bid, doing: str) -> Refusal:
    staff = funder_staff(bid.round.funder_id)
    conflicted = panel_rules.recused_users(db.session, bid.round_id, [p.id for p in staff], bid_id=bid.id)
    others = [p.name for p in staff if p.id != user.id and p.id not in conflicted]
    return Refusal(doing, _bid_reason(user, bid), others, len(staff))


@dataclass(frozen=True)
class Colleagues:
    """Who else of the funder's staff may take part in a round's decision, and how many staff it has."""

    others: list[str]
    staff_count: int


def decision_colleagues(user: User, round_: Round) -> Colleagues:
    staff = funder_staff(round_.funder_id)
    conflicted = panel_rules.recused_users(db.session, round_.id, [p.id for p in staff])
    others = [p.name for p in staff if p.id != user.id and p.id not in conflicted]
    return Colleagues(others, len(staff))


def decision_refusal(user: User, round_: Round, doing: str) -> Refusal:
    bid = panel_rules.first_recused_panel_bid(db.session, round_.id, user.id)
    reason = (
        f"{_bid_reason(user, bid)} This round's decision decides that bid too."
        if bid is not None
        else "You are conflicted on a bid in this round."
    )
    colleagues = decision_colleagues(user, round_)
    return Refusal(doing, reason, colleagues.others, colleagues.staff_count)


def refuse_if_conflicted(bid: Bid, *, doing: str) -> None:
    """403, saying who else can, when the signed-in staff member is conflicted on the bid."""
    user = current_person()
    if staff_conflicted(user, bid):
        raise ConflictOfInterest(bid_refusal(user, bid, doing))


def refuse_if_conflicted_in_decision(round_: Round, *, doing: str) -> None:
    """403, saying who else can, when the signed-in staff member is conflicted on a bid the round decides."""
    user = current_person()
    if conflicted_in_decision(user, round_):
        raise ConflictOfInterest(decision_refusal(user, round_, doing))
